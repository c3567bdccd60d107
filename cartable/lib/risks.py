"""What in imported content could lead a learner out of the box, or should be seen by staff
before learners see it (pure).

``scan_html`` reads the *source* HTML, before it is sanitised, so that the report also names
what the sanitiser removed (a script, a frame, a form): staff learn what the course author
meant to do. ``scan_file`` judges a file by its name, type and size; ``scan_address`` a web
address an activity points to.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from cartable.lib import filetypes

RiskKind = Literal[
    "external_link",  # a link to outside the box (shown as text on the box)
    "external_media",  # an image, sound, video or style loaded from outside
    "frame",  # an embedded page, object or applet (removed)
    "script",  # a script, an event handler, a javascript: address, a redirect (removed)
    "form",  # a form or input field (removed)
    "email",  # an e-mail address in the text
    "phone",  # a phone number in the text
    "executable_file",  # a program or script file
    "active_content",  # a page, drawing or script a browser would run (served as a download)
    "unknown_file",  # a file of a type the box does not recognise
    "oversized_file",  # a file larger than the review threshold
]

RISK_KINDS: tuple[RiskKind, ...] = (
    "external_link",
    "external_media",
    "frame",
    "script",
    "form",
    "email",
    "phone",
    "executable_file",
    "active_content",
    "unknown_file",
    "oversized_file",
)


@dataclass(frozen=True, slots=True)
class Finding:
    kind: RiskKind
    detail: str  # the address, the file name, the number…


_EXTERNAL = re.compile(r"^\s*(?:(?:https?|ftp):)?//", re.IGNORECASE)
_MEDIA_TAGS = frozenset({"img", "audio", "video", "source", "track", "input", "image"})
_FRAME_TAGS = frozenset({"iframe", "frame", "frameset", "embed", "object", "applet", "portal"})
_FORM_TAGS = frozenset({"form", "input", "button", "textarea", "select"})
_CSS_URL = re.compile(
    r"""(?:url\(\s*['"]?|@import\s+['"])((?:https?:)?//[^'")\s]+)""", re.IGNORECASE
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# International (+33 6 12 34 56 78, +44 20 7946 0958) or French national (06 12 34 56 78).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){6,11}"
    r"|0\d(?:[\s.-]?\d{2}){4})(?!\w)"
)


class _Scanner(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[Finding] = []
        self.text: list[str] = []
        self._in_style = False

    def _add(self, kind: RiskKind, detail: str) -> None:
        self.found.append(Finding(kind, detail.strip()[:500]))

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag(tag, attrs)

    def _tag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name.lower(): value or "" for name, value in attrs}
        if tag == "script":
            self._add("script", values.get("src") or "<script>")
        elif tag in _FRAME_TAGS:
            self._add(
                "frame", values.get("src") or values.get("data") or values.get("code") or f"<{tag}>"
            )
        elif tag in _FORM_TAGS:
            self._add("form", values.get("action") or f"<{tag}>")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self._add("script", values.get("content") or "<meta refresh>")
        elif tag == "base" and values.get("href"):
            self._add("script", values["href"])
        elif tag == "link" and values.get("href") and _EXTERNAL.match(values["href"]):
            self._add("external_media", values["href"])
        if tag == "style":
            self._in_style = True
        for name, value in values.items():
            if name.startswith("on"):
                self._add("script", f"{name}=…")
            elif value.strip().lower().startswith(("javascript:", "vbscript:")):
                self._add("script", value)
            elif name == "style":
                for url in _CSS_URL.findall(value):
                    self._add("external_media", url)
        if tag == "a" and (href := values.get("href")):
            if _EXTERNAL.match(href):
                self._add("external_link", href)
            elif href.lower().startswith("mailto:"):
                self._add("email", href[7:])
        if tag in _MEDIA_TAGS:
            for name in ("src", "poster", "srcset", "href", "xlink:href"):
                value = values.get(name, "")
                for candidate in value.split(","):
                    url = candidate.strip().split(" ")[0]
                    if url and _EXTERNAL.match(url):
                        self._add("external_media", url)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in _CSS_URL.findall(data):
                self._add("external_media", url)
        else:
            self.text.append(data)


def scan_text(text: str) -> list[Finding]:
    found = [Finding("email", match) for match in _EMAIL.findall(text)]
    found += [Finding("phone", " ".join(match.split())) for match in _PHONE.findall(text)]
    return found


def scan_html(raw: str) -> list[Finding]:
    """Everything risky in a fragment of source HTML (before sanitising)."""
    if not raw:
        return []
    scanner = _Scanner()
    scanner.feed(raw)
    scanner.close()
    return scanner.found + scan_text(" ".join(scanner.text))


def scan_address(address: str) -> list[Finding]:
    """A web address an activity points to (Moodle's URL activity)."""
    address = address.strip()
    if not address:
        return []
    if address.lower().startswith("mailto:"):
        return [Finding("email", address[7:])]
    return [Finding("external_link", address)]


# Files a learner's device could run, or that carry macros or installers.
EXECUTABLE_EXTENSIONS = frozenset(
    """exe msi com bat cmd ps1 vbs vbe js jse wsf wsh scr pif cpl hta jar apk app dmg pkg deb
    rpm sh run bin elf so dll docm xlsm pptm dotm xltm potm ppam xlam lnk reg iso img msix
    appx""".split()  # noqa: SIM905  (a word list reads better than a list literal)
)
EXECUTABLE_TYPES = frozenset(
    {
        "application/x-msdownload",
        "application/x-msdos-program",
        "application/x-executable",
        "application/x-sh",
        "application/x-shellscript",
        "application/java-archive",
        "application/vnd.android.package-archive",
        "application/x-ms-installer",
        "application/javascript",
        "text/javascript",
        *(kind.lower() for kind in filetypes.MACRO_TYPES.values()),
    }
)
KNOWN_TYPE_PREFIXES = ("image/", "audio/", "video/", "text/", "font/")
KNOWN_TYPES = frozenset(
    """application/pdf application/zip application/x-zip-compressed application/gzip
    application/x-tar application/json application/xml application/epub+zip application/rtf
    application/msword application/vnd.ms-excel application/vnd.ms-powerpoint
    application/vnd.oasis.opendocument.text application/vnd.oasis.opendocument.spreadsheet
    application/vnd.oasis.opendocument.presentation application/vnd.oasis.opendocument.graphics
    application/vnd.openxmlformats-officedocument.wordprocessingml.document
    application/vnd.openxmlformats-officedocument.spreadsheetml.sheet
    application/vnd.openxmlformats-officedocument.presentationml.presentation
    application/vnd.moodle.backup application/x-h5p application/vnd.geogebra.file
    application/x-7z-compressed application/vnd.rar application/ogg""".split()  # noqa: SIM905
)


def scan_file(filename: str, mimetype: str, size: int, *, max_bytes: int) -> list[Finding]:
    """``mimetype``: the type the box decided from the file's bytes (``lib.filetypes``)."""
    found: list[Finding] = []
    extension = filetypes.extension(filename)
    mimetype = (mimetype or "").split(";")[0].strip().lower()
    active = mimetype in filetypes.ACTIVE_TYPES or extension in filetypes.ACTIVE_EXTENSIONS
    if active:
        found.append(Finding("active_content", f"{filename} ({mimetype or '?'})"))
    known = mimetype.startswith(KNOWN_TYPE_PREFIXES) or mimetype in KNOWN_TYPES
    if extension in EXECUTABLE_EXTENSIONS or mimetype in EXECUTABLE_TYPES:
        found.append(Finding("executable_file", filename))
    elif not active and (not known or mimetype == "application/octet-stream"):
        found.append(Finding("unknown_file", f"{filename} ({mimetype or '?'})"))
    if size > max_bytes:
        found.append(Finding("oversized_file", f"{filename} ({size} bytes)"))
    return found


def distinct(findings: Iterable[Finding]) -> list[Finding]:
    """Each finding once, in the order first met."""
    return list(dict.fromkeys(findings))
