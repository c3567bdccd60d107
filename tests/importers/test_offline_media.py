"""Media that need the Internet become a visible note with their address, never nothing."""

from __future__ import annotations

import pytest

from cartable.lib.display import for_display
from cartable.lib.html import clean

SHA = "b" * 64


def show(html: str) -> str:
    return for_display(
        clean(html, made={f"cartable-file:{SHA}/v.mp4"}).html,
        file_url=lambda sha, name, attribute: f"/files/{sha}/{name}",
        activity_url=lambda key: None,
        course_url="/courses/1/",
        media_notes={"video": "VIDEO:", "audio": "AUDIO:", "frame": "FRAME:"},
    )


CASES = [
    (
        '<p>Please watch the following video</p><iframe width="560" '
        'src="https://www.youtube.com/embed/dQw4w9WgXcQ" allowfullscreen></iframe>',
        '<p>Please watch the following video</p><span class="offline-media">VIDEO: '
        "https://www.youtube.com/embed/dQw4w9WgXcQ</span>",
    ),
    (
        '<iframe src="https://player.vimeo.com/video/1"></iframe>',
        '<span class="offline-media">VIDEO: https://player.vimeo.com/video/1</span>',
    ),
    (
        '<iframe src="https://docs.example.org/form"></iframe>',
        '<span class="offline-media">FRAME: https://docs.example.org/form</span>',
    ),
    (
        '<video controls src="https://cdn.example/v.mp4">Your browser…</video>',
        '<span class="offline-media">VIDEO: https://cdn.example/v.mp4</span>',
    ),
    (
        '<audio controls><source src="https://cdn.example/a.mp3" type="audio/mpeg"></audio>',
        '<span class="offline-media">AUDIO: https://cdn.example/a.mp3</span>',
    ),
    (
        '<object data="https://cdn.example/x.swf"><embed src="https://cdn.example/x.swf">'
        "</object>after",
        '<span class="offline-media">FRAME: https://cdn.example/x.swf</span>'
        '<span class="offline-media">FRAME: https://cdn.example/x.swf</span>after',
    ),
    ('<iframe src="/course/view.php?id=2"></iframe>kept text', "kept text"),
    (
        f'<video controls><source src="cartable-file:{SHA}/v.mp4">'
        '<source src="https://cdn.example/v.webm"></video>',
        f'<video controls=""><source src="/files/{SHA}/v.mp4"><source></video>',
    ),
    (
        '<iframe src="https://evil.example/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;">'
        "</iframe>",
        '<span class="offline-media">FRAME: '
        "https://evil.example/%22%3E%3Cscript%3Ealert(1)%3C/script%3E</span>",
    ),
]


@pytest.mark.parametrize(("source", "shown"), CASES, ids=[c[0][:60] for c in CASES])
def test_it_shows_a_note_with_the_address_instead_of_media_from_the_internet(source, shown):
    assert show(source) == shown


def test_it_lists_the_replaced_addresses_for_the_review():
    cleaned = clean('<iframe src="https://www.youtube.com/embed/x"></iframe>')
    assert cleaned.offline == ("https://www.youtube.com/embed/x",)
    assert [seen.url.address for seen in cleaned.seen] == ["https://www.youtube.com/embed/x"]
