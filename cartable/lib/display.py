"""Course HTML at display time: the box's own addresses made live, nothing else (pure).

Stored course HTML is nh3's serialisation (``lib.html.clean``): text holds no "<" (it is
"&lt;"), every attribute is written name="value" with no '"' in the value (it is "&quot;").
The patterns here read that form exactly, and only that form: a tag that does not match is
left as it is, and holds no URL attribute the display would need to change (the sanitiser
wrote none). No HTML parser runs per request: a learner page costs a few regular-expression
passes over its texts.
"""

from __future__ import annotations

import html as html_lib
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from cartable.lib import media, urls
from cartable.lib.html import URL_ATTRIBUTES

_ATTRIBUTE = r"""[^\s"'<>/=]+(?:="[^"]*")?"""
_TAG = re.compile(
    rf"""</a\s*>|<(a)((?:\s+{_ATTRIBUTE})*)\s*/?>|<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+{_ATTRIBUTE})+)\s*/?>"""
)
_ATTRIBUTES = re.compile(r"""\s+([^\s"'<>/=]+)(?:="([^"]*)")?""")
_HOLDS_URLS = re.compile(
    r"\s(?:" + "|".join(sorted(URL_ATTRIBUTES)) + r'|style|data-offline)="', re.IGNORECASE
)
MEDIA_NOTES = {
    "video": "This video is on the Internet and cannot be shown on the box:",
    "audio": "This recording is on the Internet and cannot be shown on the box:",
    "frame": "This content is on the Internet and cannot be shown on the box:",
}


def _attributes(text: str) -> list[tuple[str, str | None]]:
    return [(match[1].lower(), match[2]) for match in _ATTRIBUTES.finditer(text)]


def _tag(name: str, attributes: list[tuple[str, str | None]]) -> str:
    return (
        f"<{name}"
        + "".join(
            f" {attribute}" if value is None else f' {attribute}="{value}"'
            for attribute, value in attributes
        )
        + ">"
    )


def _shown(address: str) -> str:
    return html_lib.escape(address.removeprefix("mailto:")[: urls.MAX_SHOWN])


class _Display:
    """One text's rewriting; ``closers`` holds what each open ``<a>`` ends with."""

    def __init__(
        self,
        html: str,
        file_url: Callable[[str, str, str], str | None],
        activity_url: Callable[[str], str | None],
        course_url: str,
        media_notes: Mapping[str, str],
    ) -> None:
        self.html = html
        self.file_url = file_url
        self.activity_url = activity_url
        self.course_url = course_url
        self.media_notes = media_notes
        self.closers: list[str] = []

    def __call__(self, match: re.Match[str]) -> str:
        if match[1]:
            return self.anchor(match)
        if match[3] is None:  # "</a>"
            return self.closers.pop() if self.closers else match[0]
        return self.element(match[3].lower(), _attributes(match[4]), match[0])

    def resolve(self, url: urls.Url, attribute: str) -> str | None:
        """The box's own address for a canonical URL of stored HTML, or None."""
        found: str | None = None
        if url.kind == "file":
            quoted = url.target.partition("/")[2]
            found = self.file_url(url.sha256, quoted, attribute)
        elif url.kind == "image":
            return url.href
        elif url.kind == "fragment":
            return url.href if attribute == "href" else None
        elif attribute not in ("href", "cite"):
            return None  # an activity's page is no source of an image
        elif url.kind == "activity":
            found = self.activity_url(url.key)
        elif url.kind == "course":
            found = self.course_url
        return None if found is None else html_lib.escape(found) + url.fragment

    def anchor(self, match: re.Match[str]) -> str:
        attributes = _attributes(match[2])
        href = next((value for name, value in attributes if name == "href"), None)
        if href is None or urls.stored(href) is not None:
            self.closers.append("</a>")
            return self.element("a", attributes, match[0])
        address = urls.outside_address(html_lib.unescape(href))
        if address is None:
            self.closers.append("</a>")
            return self.element("a", attributes, match[0])
        shown = _shown(address)
        close = self.html.find("</a>", match.end())
        inner = self.html[match.end() : close] if close >= 0 else "<"
        if "<" not in inner:  # the link's text alone: is it the address itself?
            text = " ".join(html_lib.unescape(inner).split())
            if text in ("", address, html_lib.unescape(shown)):
                self.closers.append("</span>")
                return '<span class="external-link">' + ("" if text else shown)
        self.closers.append(f' <span class="external-link__address">({shown})</span></span>')
        return '<span class="external-link">'

    def element(self, name: str, attributes: list[tuple[str, str | None]], original: str) -> str:
        values = dict(attributes)
        if name == "span" and values.get("class") == media.NOTE_CLASS:
            sentence = self.media_notes.get(values.get("data-offline") or "", "")
            return f'<span class="{media.NOTE_CLASS}">{html_lib.escape(sentence)} '
        kept: list[tuple[str, str | None]] = []
        changed = False
        for attribute, value in attributes:
            new = self.attribute(name, attribute, value)
            if isinstance(new, _Replaced):
                return new.html
            changed = changed or new != value
            if new == _MISSING:
                kept.append(("data-missing", attribute))
            elif new is not None:
                kept.append((attribute, new))
        return _tag(name, kept) if changed else original

    def attribute(self, name: str, attribute: str, value: str | None) -> str | _Replaced | None:
        """The attribute's new value (None: removed), or what replaces the whole element."""
        if value is None:
            return value
        if attribute == "style":
            return None  # the CSP would block it: imports since turn it into classes
        if attribute not in URL_ATTRIBUTES:
            return value
        if attribute == "srcset":
            files = []
            for candidate in urls.srcset(value):
                url = urls.stored(candidate.url)
                resolved = self.resolve(url, "srcset") if url and url.kind == "file" else None
                if resolved is not None and urls.valid_descriptors(candidate):
                    files.append(" ".join((resolved, *candidate.descriptors)))
            return ", ".join(files) or None
        image = name == "img" and attribute == "src"
        url = urls.stored(value, image=image)
        if url is not None:
            resolved = self.resolve(url, attribute)
            if resolved is None and url.course_address:
                return _MISSING
            return resolved
        if image and (address := urls.outside_address(html_lib.unescape(value))) is not None:
            shown = _shown(address)
            return _Replaced(f'<span class="external-link external-link--image">[{shown}]</span>')
        return _MISSING if attribute == "href" else None


@dataclass(frozen=True, slots=True)
class _Replaced:
    html: str


_MISSING = "\x00missing"  # marks an attribute that becomes data-missing="<attribute>"


def for_display(
    html: str,
    *,
    file_url: Callable[[str, str, str], str | None],
    activity_url: Callable[[str], str | None],
    course_url: str,
    media_notes: Mapping[str, str] = MEDIA_NOTES,
) -> str:
    """Sanitised course HTML made ready for a learner's page on the box.

    Course addresses in their canonical form (``urls.stored``) become the box's own
    addresses: ``file_url(sha256, quoted name, attribute)`` (a link, ``href``, may lead to a
    page showing the file, a source to its bytes), ``activity_url(source key)``; None when
    the target is gone or not the reader's, and the attribute becomes ``data-missing``.
    Nothing else is ever live: an outside link becomes its text followed by its address, an
    outside image its address, and any other URL attribute (an outside source, a path of the
    box, anything not canonical) is removed; so is any ``style`` (stored by older imports).
    The browser is thus never asked for anything but the box's own pages and the course's
    files. A note standing for media on the Internet (``lib.media``) opens with the sentence
    ``media_notes`` has for its kind (the reader's language).
    """
    if _HOLDS_URLS.search(html) is None:
        return html
    return _TAG.sub(_Display(html, file_url, activity_url, course_url, media_notes), html)


def external_links(html: str) -> tuple[str, ...]:
    """The addresses outside the box that an HTML fragment's attributes hold (links, images,
    sources, srcset candidates), serialised as a browser reads them, in order, each once."""
    found: list[str] = []
    for match in _TAG.finditer(html):
        attributes = match[2] if match[1] else match[4]
        for attribute, value in _attributes(attributes or ""):
            if value is None or attribute not in URL_ATTRIBUTES:
                continue
            value = html_lib.unescape(value)
            candidates = [c.url for c in urls.srcset(value)] if attribute == "srcset" else [value]
            for candidate in candidates:
                url = urls.parse(candidate)
                if url.kind == "outside" and url.address not in found:
                    found.append(url.address)
    return tuple(found)
