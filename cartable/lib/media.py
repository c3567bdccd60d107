"""Media that need the Internet, replaced by a note a reader sees (pure).

An embedded video (``<iframe src="https://www.youtube.com/embed/…">``), a ``<video>`` or
``<audio>`` whose only sources are on the Internet, an ``<embed>`` or ``<object>`` of an
outside address: learners on the box can play none of them, and removing them silently
leaves a page that says "watch the following video" and then nothing. At import, each
becomes a note holding the address as text::

    <span class="offline-media" data-offline="video">https://www.youtube.com/embed/x</span>

which the display (``lib.display.for_display``) opens with a sentence in the reader's
language ("This video is on the Internet and cannot be shown on the box:"). A frame or an
object of anything else (a path, a course file) is removed, as before. Media with a source on
the box keep it (the display removes the outside ones).

The input is nh3's serialisation (``lib.html.clean``): text holds no "<", attribute values
no '"'; the patterns read that form only.
"""

from __future__ import annotations

import html as html_lib
import re

from cartable.lib import urls

NOTE_CLASS = "offline-media"
KINDS = ("video", "audio", "frame")
_VIDEO_HOSTS = (
    "youtube.com",
    "youtube-nocookie.com",
    "youtu.be",
    "vimeo.com",
    "dailymotion.com",
    "dai.ly",
    "ted.com",
    "peertube",
)

_ATTRIBUTE = r"""[^\s"'<>/=]+(?:="[^"]*")?"""
_ATTRIBUTES = re.compile(r"""\s+([^\s"'<>/=]+)(?:="([^"]*)")?""")
_FRAME = re.compile(rf"""<iframe((?:\s+{_ATTRIBUTE})*)\s*>.*?</iframe>""", re.DOTALL)
_EMBED = re.compile(rf"""<(embed|object)((?:\s+{_ATTRIBUTE})*)\s*/?>|</object>""")
_PLAYER = re.compile(
    rf"""<(video|audio)((?:\s+{_ATTRIBUTE})*)\s*>(.*?)</\1>""", re.DOTALL | re.IGNORECASE
)
_SOURCE = re.compile(rf"""<source((?:\s+{_ATTRIBUTE})*)\s*/?>""")
_MAY_HOLD = re.compile(r"<(?:iframe|embed|object|video|audio)\b")


def _attribute(text: str, name: str) -> str | None:
    for match in _ATTRIBUTES.finditer(text):
        if match[1].lower() == name:
            return html_lib.unescape(match[2] or "")
    return None


def _outside(value: str | None) -> str | None:
    if not value:
        return None
    url = urls.parse(value)
    return url.address if url.kind == "outside" else None


def _is_video_host(address: str) -> bool:
    host = address.split("//", 1)[-1].split("/", 1)[0].split("@")[-1].split(":")[0].lower()
    return any(host == h or host.endswith("." + h) or h in host for h in _VIDEO_HOSTS)


def note(kind: str, address: str) -> str:
    """The stored note for media of ``kind`` (one of ``KINDS``) at ``address``."""
    return (
        f'<span class="{NOTE_CLASS}" data-offline="{kind}">'
        f"{html_lib.escape(address, quote=True)}</span>"
    )


def offline_notes(html: str) -> tuple[str, tuple[str, ...]]:
    """Sanitised HTML with every medium that needs the Internet replaced by a note (see the
    module's docstring), and the addresses replaced, in order."""
    if _MAY_HOLD.search(html) is None:
        return html, ()
    found: list[str] = []

    def frame(match: re.Match[str]) -> str:
        address = _outside(_attribute(match[1], "src"))
        if address is None:
            return ""
        found.append(address)
        return note("video" if _is_video_host(address) else "frame", address)

    def embed(match: re.Match[str]) -> str:
        if match[1] is None:  # "</object>": its fallback content stays
            return ""
        source = _attribute(match[2], "src" if match[1] == "embed" else "data")
        address = _outside(source)
        if address is None:
            return ""
        found.append(address)
        return note("video" if _is_video_host(address) else "frame", address)

    def player(match: re.Match[str]) -> str:
        kind = match[1].lower()
        sources = [_attribute(match[2], "src")] + [
            _attribute(s[1], "src") for s in _SOURCE.finditer(match[3])
        ]
        present = [s for s in sources if s]
        if not present or any(urls.parse(s).kind == "file" for s in present):
            return match[0]  # played from the box (the display drops outside sources)
        address = next((a for a in map(_outside, present) if a), None)
        if address is None:
            return match[0]
        found.append(address)
        return note(kind, address)

    html = _FRAME.sub(frame, html)
    html = _EMBED.sub(embed, html)
    html = _PLAYER.sub(player, html)
    return html, tuple(found)
