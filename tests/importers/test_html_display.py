"""Course HTML at display time: the box's own links resolved, links to outside made text."""

from __future__ import annotations

import pytest

from cartable.lib.display import for_display
from cartable.lib.html import sanitise

SHA = "a" * 64


# The course addresses the importer would have written (only those survive the sanitiser).
MADE = {f"cartable-file:{SHA}/photo%20de%20classe.png", "cartable-activity:page-12"}
MADE |= {"cartable-activity:quiz-404", "cartable-course:99"}


def show(html: str) -> str:
    return for_display(
        sanitise(html, made=MADE),
        file_url=lambda sha, name, attribute: (
            f"/courses/7/files/{sha}/{name}" if sha == SHA else None
        ),
        activity_url=lambda key: "/courses/7/activities/3/" if key == "page-12" else None,
        course_url="/courses/7/",
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            f'<img src="cartable-file:{SHA}/photo%20de%20classe.png" alt="Photo">',
            f'<img src="/courses/7/files/{SHA}/photo%20de%20classe.png" alt="Photo">',
        ),
        (
            '<a href="cartable-activity:page-12#part">Suite</a>',
            '<a href="/courses/7/activities/3/#part" rel="noopener noreferrer">Suite</a>',
        ),
        (
            '<a href="cartable-course:99">Accueil</a>',
            '<a href="/courses/7/" rel="noopener noreferrer">Accueil</a>',
        ),
        (
            '<a href="cartable-activity:quiz-404">Gone</a>',
            '<a data-missing="href" rel="noopener noreferrer">Gone</a>',
        ),
        (
            '<a href="https://example.org/cours">le site</a>',
            '<span class="external-link">le site <span class="external-link__address">'
            "(https://example.org/cours)</span></span>",
        ),
        (
            '<a href="https://example.org/">https://example.org/</a>',
            '<span class="external-link">https://example.org/</span>',
        ),
        (
            '<a href="mailto:prof@univ.fr">Écrire</a>',
            '<span class="external-link">Écrire <span class="external-link__address">'
            "(prof@univ.fr)</span></span>",
        ),
        (
            '<img src="https://tracker.example/pixel.gif">',
            '<span class="external-link external-link--image">[https://tracker.example/pixel.gif]</span>',
        ),
        (
            '<video controls src="https://cdn.example/v.mp4"></video>',
            '<span class="offline-media">This video is on the Internet and cannot be shown '
            "on the box: https://cdn.example/v.mp4</span>",
        ),
        ("<p>Aucun lien</p>", "<p>Aucun lien</p>"),
    ],
)
def test_it_makes_course_html_safe_to_show_on_the_box(source: str, expected: str) -> None:
    assert show(source) == expected


def test_it_never_leaves_a_live_external_address() -> None:
    shown = show(
        '<p><a href="http://a.example/x?y=1&amp;z=2">a</a> <img src="https://b.example/i.png">'
        '<audio><source src="https://c.example/s.mp3"></audio></p>'
    )
    assert 'href="http' not in shown
    assert 'src="http' not in shown
