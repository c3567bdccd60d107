"""What in imported content could lead a learner out of the box, or should be seen by staff
before learners see it (pure).

``scan_html`` reads the *source* HTML, before it is sanitised, so that the report also names
what the sanitiser removed (a script, a frame, a form): staff learn what the course author
meant to do. ``scan_file`` judges a file by its name, type and size; ``scan_address`` a web
address an activity points to.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

from cartable.lib import filetypes, html, urls

RiskKind = Literal[
    "external_link",  # a link to outside the box (shown as text on the box)
    "external_media",  # an image, sound, video or style loaded from outside
    "dropped_address",  # an address that leads nowhere on the box: a path of the box, a
    # relative or unknown address, a course address the backup wrote itself (removed)
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
    "dropped_address",
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


_MEDIA_TAGS = frozenset({"img", "audio", "video", "source", "track", "input", "image"})
_FRAME_TAGS = frozenset({"iframe", "frame", "frameset", "embed", "object", "applet", "portal"})
_FORM_TAGS = frozenset({"form", "input", "button", "textarea", "select"})
# Where the address an element holds is already reported as what the element is.
_REPORTED_WHOLE = _FRAME_TAGS | _FORM_TAGS | {"script", "base", "meta"}
_LINK_TAGS = frozenset({"a", "area"})
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", re.IGNORECASE)
# International (+33 6 12 34 56 78, +44 20 7946 0958) or French national (06 12 34 56 78).
_PHONE = re.compile(
    r"(?<![\w+])(?:\+\d{1,3}[\s.-]?(?:\(0\)[\s.-]?)?\d(?:[\s.-]?\d){6,11}"
    r"|0\d(?:[\s.-]?\d{2}){4})(?!\w)"
)


def url_finding(
    tag: str, attribute: str, url: urls.Url, *, made: Collection[str] = ()
) -> Finding | None:
    """What an address in an element's attribute means for the review (None: nothing to
    report). One rule for the scanner and the sanitiser's own record."""
    if url.course_address:
        return None if url.target in made else Finding("dropped_address", url.href)
    if url.kind in ("fragment", "image"):
        return None
    if url.kind == "outside":
        if tag in _LINK_TAGS and attribute == "href":
            if url.scheme == "mailto":
                return Finding("email", url.address.removeprefix("mailto:"))
            return Finding("external_link", url.address)
        return Finding("external_media", url.address)
    if url.scheme in urls.SCRIPT_SCHEMES:
        return Finding("script", url.address)
    if url.scheme == urls.UNRESOLVED_SCHEME or not url.address:
        return None  # the importer's warnings already name it; an empty address is no link
    return Finding("dropped_address", url.address)


class _Scanner(HTMLParser):
    def __init__(self, made: Collection[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.made = made
        self.found: list[Finding] = []
        self.text: list[str] = []
        self._in_style = False

    def _add(self, kind: RiskKind, detail: str) -> None:
        self.found.append(Finding(kind, detail.strip()[: urls.MAX_SHOWN]))

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
            self._add("form", values.get("action") or values.get("formaction") or f"<{tag}>")
        elif tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            self._add("script", values.get("content") or "<meta refresh>")
        elif tag == "base" and values.get("href"):
            self._add("script", values["href"])
        if tag == "style":
            self._in_style = True
        for name, value in values.items():
            if name.startswith("on"):
                self._add("script", f"{name}=…")
            elif name == "style":
                for url in urls.css_urls(value):
                    self._address(tag, "style", url)
            elif name in html.URL_ATTRIBUTES and tag not in _REPORTED_WHOLE:
                self._attribute(tag, name, value)
            elif value.strip().lower().startswith(("javascript:", "vbscript:")):
                self._add("script", value)

    def _attribute(self, tag: str, name: str, value: str) -> None:
        if name == "srcset":
            for candidate in urls.srcset(value):
                self._address(tag, name, candidate.url)
        else:
            self._address(tag, name, value)

    def _address(self, tag: str, name: str, value: str) -> None:
        if html.is_moodle_reference(value):
            return  # resolved by the importer, which warns of any it cannot place
        url = urls.parse(value, image=tag == "img" and name == "src")
        finding = url_finding(tag, name, url, made=self.made)
        if finding is not None:
            self._add(finding.kind, finding.detail)

    def handle_endtag(self, tag: str) -> None:
        if tag == "style":
            self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            for url in urls.css_urls(data):
                self._address("style", "style", url)
        else:
            self.text.append(data)


def scan_text(text: str) -> list[Finding]:
    found = [Finding("email", match) for match in _EMAIL.findall(text)]
    found += [Finding("phone", " ".join(match.split())) for match in _PHONE.findall(text)]
    return found


def scan_html(raw: str, *, made: Collection[str] = ()) -> list[Finding]:
    """Everything risky in a fragment of source HTML (before sanitising); ``made``: the
    course addresses the importer wrote into it (any other is reported as dropped)."""
    if not raw:
        return []
    scanner = _Scanner(made)
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
