"""Where a URL found in imported course HTML leads, read as a browser reads it (pure).

This is the one rule for every address in course content: the sanitiser keeps or drops an
attribute by it, the display turns what it allows into the box's own addresses, the review
lists what it finds. ``parse`` follows the WHATWG URL Standard where it decides where a URL
leads (the HTML parser has already decoded the entities):

- leading and trailing C0 controls and spaces are stripped, ASCII tabs and newlines removed
  anywhere (``ht&#9;tps://`` is ``https://``);
- the scheme is letters, digits, ``+``, ``-``, ``.`` before the first ``:``, case-insensitive;
- without a scheme, two slashes or backslashes (``//host``, ``\\\\host``, ``/\\host``) start
  another host (scheme-relative), ``#`` a fragment, anything else a path of the box itself;
- outside addresses are serialised by ada (the WHATWG parser Node.js uses), then any quote,
  space, control or backslash left is percent-encoded.

It sorts each URL into one kind:

- ``file``: ``cartable-file:<sha256>/<name>``, a file of the course (the name percent-encoded
  once; a name holding a separator, a dot segment, a control character or an encoded
  separator or dot is refused);
- ``activity``: ``cartable-activity:<source key>``; ``course``: ``cartable-course:<id>``;
- ``fragment``: ``#...`` in the page, given the ``user-content-`` prefix of imported ids;
- ``image``: a raster ``data:image/...;base64,`` image, only where an image is shown;
- ``outside``: a scheme that leads out of the box (``http``, ``https``, ``ftp``, ``mailto``,
  ``tel``…) or a scheme-relative URL: never live on the box, shown as text and listed;
- ``dropped``: anything else (paths of the box like ``/audit/export.csv``, relative paths,
  ``javascript:``, unknown schemes, malformed course addresses): removed and listed.

``parse`` canonicalises what it keeps (``Url.href``): no whitespace, quote or control
character, so the display recognises the forms it makes live (``stored``) by an exact match.
Course addresses (file, activity, course) are made by the importer only (``file_href``…); the
sanitiser keeps those it made for the text at hand, never one written in the backup itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal, NamedTuple
from urllib.parse import quote, unquote

import ada_url

FILE_SCHEME = "cartable-file"
ACTIVITY_SCHEME = "cartable-activity"
COURSE_SCHEME = "cartable-course"
# The importer's mark for a Moodle link it could not place (already reported as a warning).
UNRESOLVED_SCHEME = "cartable-unresolved"
ID_PREFIX = "user-content-"  # ids of imported HTML never clash with (or clobber) the page's

Kind = Literal["file", "activity", "course", "fragment", "image", "outside", "dropped"]

# Schemes that lead out of the box: shown as text with their address, listed in the review.
OUTSIDE_SCHEMES = frozenset(
    """http https ftp ftps sftp ws wss file mailto tel sms callto facetime sip sips news nntp
    snews irc ircs git ssh telnet gopher webcal geo magnet xmpp skype rtsp rtmp mms""".split()  # noqa: SIM905
)
SCRIPT_SCHEMES = frozenset({"javascript", "vbscript", "livescript"})
COURSE_SCHEMES = frozenset({FILE_SCHEME, ACTIVITY_SCHEME, COURSE_SCHEME})
RASTER_IMAGES = frozenset({"png", "jpeg", "jpg", "gif", "webp", "bmp"})

_C0_OR_SPACE = "".join(chr(code) for code in range(0x21))
_TAB_OR_NEWLINE = re.compile(r"[\t\n\r]")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*):")
_SHA256 = re.compile(r"[0-9a-fA-F]{64}")
_KEY = re.compile(r"[A-Za-z0-9_\-]+")
_DIGITS = re.compile(r"[0-9]+")
# What a fragment or a file name keeps as it is; anything else is percent-encoded.
_FRAGMENT_SAFE = "-._~!$'()*+,;=:@/?"
_FRAGMENT = r"(?:[A-Za-z0-9\-._~!$'()*+,;=:@/?]|%[0-9A-F]{2})*"
_QUOTED_NAME = r"(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})+"
_ENCODED_SEPARATOR_OR_DOT = re.compile(r"%(?:2f|5c|2e)", re.IGNORECASE)
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_UNSAFE_IN_ADDRESS = re.compile(r"[\x00-\x20\"'<>\\`\x7f]")
_BASE64 = re.compile(r"[A-Za-z0-9+/]*={0,2}")
_ASCII_WHITESPACE = re.compile(r"[\t\n\f\r ]+")
MAX_NAME_LENGTH = 255
MAX_SHOWN = 500  # characters of an address kept for a report


class Url(NamedTuple):
    """Where a URL leads. ``href`` is its canonical form (empty when dropped); ``address``
    what a reader or staff is shown (an outside address, or the dropped text itself)."""

    kind: Kind
    href: str = ""
    address: str = ""
    scheme: str = ""
    target: str = ""  # a course address without its fragment: what the importer made
    sha256: str = ""
    name: str = ""  # a file's name, decoded
    key: str = ""  # an activity's source key, a course's id
    fragment: str = ""  # "#..." (canonical) or ""

    @property
    def course_address(self) -> bool:
        return self.kind in ("file", "activity", "course")


def preprocess(value: str) -> str:
    """The URL as the WHATWG parser starts reading it: no leading or trailing C0 control or
    space, no tab or newline anywhere."""
    return _TAB_OR_NEWLINE.sub("", value.strip(_C0_OR_SPACE))


def _dropped(text: str, scheme: str = "") -> Url:
    return Url("dropped", address=text[:MAX_SHOWN], scheme=scheme)


def parse(value: str, *, image: bool = False) -> Url:
    """Where ``value`` (an attribute's value, entities decoded) leads; ``image``: it is the
    source of an image, which may then be a raster ``data:`` image."""
    text = preprocess(value)
    found = _SCHEME.match(text)
    if found is None:
        if text.startswith("#"):
            return _fragment(text[1:])
        if text[:2].replace("\\", "/") == "//":
            return _scheme_relative(text)
        return _dropped(text)
    scheme = found[1].lower()
    rest = text[found.end() :]
    if scheme in COURSE_SCHEMES:
        return _course_address(scheme, rest) or _dropped(text, scheme)
    if scheme == "data":
        return (_data_image(rest) if image else None) or _dropped(text, scheme)
    if scheme in OUTSIDE_SCHEMES:
        return _outside(f"{scheme}:{rest}", scheme)
    return _dropped(text, scheme)


def _canonical_fragment(fragment: str) -> str:
    return quote(unquote(fragment, errors="replace"), safe=_FRAGMENT_SAFE)


def _fragment(fragment: str) -> Url:
    fragment = _canonical_fragment(fragment)
    if not fragment.startswith(ID_PREFIX):
        fragment = ID_PREFIX + fragment
    return Url("fragment", href=f"#{fragment}", fragment=f"#{fragment}")


def _encoded(href: str) -> str:
    """Any quote, space, control or backslash left in a serialised URL, percent-encoded."""
    if _UNSAFE_IN_ADDRESS.search(href) is None:
        return href
    return _UNSAFE_IN_ADDRESS.sub(lambda m: f"%{ord(m[0]):02X}", href)


def _outside(text: str, scheme: str) -> Url:
    try:
        href = _encoded(ada_url.URL(text).href)
    except ValueError:
        return _dropped(text, scheme)
    return Url("outside", href=href, address=href[:MAX_SHOWN], scheme=scheme)


def outside_address(value: str) -> str | None:
    """The address ``value`` shows when ``parse`` would say it leads outside, without
    serialising it (the display shows it as text; None when it does not lead outside)."""
    text = preprocess(value)
    found = _SCHEME.match(text)
    if found is None:
        return text if text[:2].replace("\\", "/") == "//" else None
    return text if found[1].lower() in OUTSIDE_SCHEMES else None


def _scheme_relative(text: str) -> Url:
    """``//host/path`` (or with backslashes): another host, through the page's own scheme."""
    try:
        href = ada_url.join_url("https://cartable.invalid/", text)
    except ValueError:
        return _dropped(text)
    href = _encoded(href.removeprefix("https:"))
    return Url("outside", href=href, address=href[:MAX_SHOWN])


def _data_image(rest: str) -> Url | None:
    """A raster image in base64 (``image/svg+xml`` and any other type are refused)."""
    header, comma, body = rest.partition(",")
    parts = [part.strip().lower() for part in header.split(";")]
    if not comma or len(parts) < 2 or parts[-1] != "base64":
        return None
    kind, _, subtype = parts[0].partition("/")
    if kind != "image" or subtype not in RASTER_IMAGES:
        return None
    payload = _ASCII_WHITESPACE.sub("", unquote(body, errors="replace"))
    if not _BASE64.fullmatch(payload):
        return None
    href = f"data:image/{subtype};base64,{payload}"
    return Url("image", href=href, scheme="data")


def valid_name(name: str) -> bool:
    """A course file's name that is one path segment and stays one: no separator, no dot
    segment, no control character, no percent-encoded separator or dot."""
    return (
        0 < len(name) <= MAX_NAME_LENGTH
        and name not in (".", "..")
        and "/" not in name
        and "\\" not in name
        and _CONTROL.search(name) is None
        and _ENCODED_SEPARATOR_OR_DOT.search(name) is None
    )


def path_name(name: str) -> str:
    """A stored file name made safe to put in one path segment of the box's addresses."""
    safe = _CONTROL.sub("_", name.replace("/", "_").replace("\\", "_"))
    safe = _ENCODED_SEPARATOR_OR_DOT.sub("_", safe)
    return safe if safe.strip(". ") else "file"


def _course_address(scheme: str, rest: str) -> Url | None:
    body, hashmark, fragment = rest.partition("#")
    fragment = f"#{_canonical_fragment(fragment)}" if hashmark else ""
    if scheme == FILE_SCHEME:
        sha256, slash, quoted = body.partition("/")
        if not (slash and _SHA256.fullmatch(sha256)):
            return None
        try:
            name = unquote(quoted, errors="strict")
        except UnicodeDecodeError:
            return None
        if not valid_name(name):
            return None
        target = file_href(sha256.lower(), name)
        return Url(
            "file",
            href=target + fragment,
            scheme=scheme,
            target=target,
            sha256=sha256.lower(),
            name=name,
            fragment=fragment,
        )
    pattern = _KEY if scheme == ACTIVITY_SCHEME else _DIGITS
    if not pattern.fullmatch(body):
        return None
    kind: Kind = "activity" if scheme == ACTIVITY_SCHEME else "course"
    target = f"{scheme}:{body}"
    return Url(
        kind, href=target + fragment, scheme=scheme, target=target, key=body, fragment=fragment
    )


def file_href(sha256: str, name: str) -> str:
    """The course address of a file, by the hash of its bytes and its name."""
    return f"{FILE_SCHEME}:{sha256}/{quote(name, safe='')}"


def activity_href(source_key: str) -> str:
    return f"{ACTIVITY_SCHEME}:{source_key}"


def course_href(source_id: int | str) -> str:
    return f"{COURSE_SCHEME}:{source_id}"


# --- What the display makes live: the canonical forms only, matched exactly -------------------

_STORED_FILE = re.compile(rf"{FILE_SCHEME}:([0-9a-f]{{64}})/({_QUOTED_NAME})(#{_FRAGMENT})?")
_STORED_ACTIVITY = re.compile(rf"{ACTIVITY_SCHEME}:([A-Za-z0-9_\-]+)(#{_FRAGMENT})?")
_STORED_COURSE = re.compile(rf"{COURSE_SCHEME}:([0-9]+)(#{_FRAGMENT})?")
_STORED_FRAGMENT = re.compile(rf"#{ID_PREFIX}{_FRAGMENT}")
_STORED_IMAGE = re.compile(r"data:image/(?:png|jpeg|jpg|gif|webp|bmp);base64,[A-Za-z0-9+/]*={0,2}")


def stored(value: str, *, image: bool = False) -> Url | None:
    """The URL an attribute of stored (sanitised) HTML holds, if it is in one of the canonical
    forms the box makes live; None for anything else (outside, or not canonical). ``value``
    is the attribute's text as stored: canonical forms hold no character HTML escapes."""
    if value.startswith(FILE_SCHEME):
        found = _STORED_FILE.fullmatch(value)
        if found is None:
            return None
        try:
            name = unquote(found[2], errors="strict")
        except UnicodeDecodeError:
            return None
        if not valid_name(name):
            return None
        fragment = found[3] or ""
        target = value[: len(value) - len(fragment)]
        return Url(
            "file",
            href=value,
            scheme=FILE_SCHEME,
            target=target,
            sha256=found[1],
            name=name,
            fragment=fragment,
        )
    if value.startswith(ACTIVITY_SCHEME) or value.startswith(COURSE_SCHEME):
        activity = value.startswith(ACTIVITY_SCHEME)
        found = (_STORED_ACTIVITY if activity else _STORED_COURSE).fullmatch(value)
        if found is None:
            return None
        fragment = found[2] or ""
        return Url(
            "activity" if activity else "course",
            href=value,
            scheme=ACTIVITY_SCHEME if activity else COURSE_SCHEME,
            target=value[: len(value) - len(fragment)],
            key=found[1],
            fragment=fragment,
        )
    if value.startswith("#"):
        return (
            Url("fragment", href=value, fragment=value)
            if _STORED_FRAGMENT.fullmatch(value)
            else None
        )
    if image and _STORED_IMAGE.fullmatch(value):
        return Url("image", href=value, scheme="data")
    return None


# --- Lists of URLs: srcset, CSS -----------------------------------------------------------------

_SRCSET_SPACE = " \t\n\r\f"
_DESCRIPTOR = re.compile(r"[0-9]+w|(?:[0-9]+(?:\.[0-9]+)?|\.[0-9]+)x")


@dataclass(frozen=True, slots=True)
class Candidate:
    url: str
    descriptors: tuple[str, ...]


def srcset(value: str) -> list[Candidate]:
    """The image candidates of a ``srcset`` attribute, split as the HTML Standard's "parse a
    srcset attribute" splits them (a URL may hold commas; descriptors are not judged)."""
    candidates: list[Candidate] = []
    position, end = 0, len(value)
    while True:
        while position < end and (value[position] in _SRCSET_SPACE or value[position] == ","):
            position += 1
        if position >= end:
            return candidates
        start = position
        while position < end and value[position] not in _SRCSET_SPACE:
            position += 1
        url = value[start:position]
        descriptors: list[str] = []
        if url.endswith(","):
            url = url.rstrip(",")
        else:
            position = _descriptors(value, position, descriptors)
        candidates.append(Candidate(url, tuple(descriptors)))


def _descriptors(value: str, position: int, descriptors: list[str]) -> int:
    """Tokenise the descriptors after a candidate's URL (the standard's three states); the
    position after the comma that ends them."""
    end = len(value)
    while position < end and value[position] in _SRCSET_SPACE:
        position += 1
    current = ""
    state = "in descriptor"
    while position < end:
        char = value[position]
        if state == "in descriptor":
            if char in _SRCSET_SPACE:
                if current:
                    descriptors.append(current)
                current, state = "", "after descriptor"
            elif char == ",":
                if current:
                    descriptors.append(current)
                return position + 1
            elif char == "(":
                current += char
                state = "in parens"
            else:
                current += char
        elif state == "in parens":
            current += char
            if char == ")":
                state = "in descriptor"
        elif char not in _SRCSET_SPACE:
            state = "in descriptor"
            continue  # reconsume in the descriptor state
        position += 1
    if current:
        descriptors.append(current)
    return position


def valid_descriptors(candidate: Candidate) -> bool:
    """At most one width (``100w``) or density (``2x``) descriptor, as the box writes them."""
    return len(candidate.descriptors) <= 1 and all(
        _DESCRIPTOR.fullmatch(descriptor) for descriptor in candidate.descriptors
    )


_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|$)", re.DOTALL)
_CSS_ESCAPE = re.compile(r"\\(?:([0-9a-fA-F]{1,6})[ \t\n\r\f]?|(\n)|(.))", re.DOTALL)
_CSS_URL = re.compile(
    r"""(?:url|src|image|image-set|-webkit-image-set|cross-fade)\(\s*"""
    r"""(?:"([^"]*)"|'([^']*)'|([^"'()\s]*))"""
    r"""|@import\s+(?:"([^"]*)"|'([^']*)')""",
    re.IGNORECASE,
)
# A CSS function or rule that fetches something: a declaration holding one is dropped.
_CSS_FETCHES = re.compile(
    r"(?:url|src|image|image-set|-webkit-image-set|cross-fade|element|paint|expression)\s*\("
    r"|@import",
    re.IGNORECASE,
)


def _css_unescaped(css: str) -> str:
    """CSS without comments and with its escapes decoded (``u\\72l(`` is ``url(``)."""

    def decode(match: re.Match[str]) -> str:
        if match[1]:
            code = int(match[1], 16)
            return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
        return "" if match[2] else match[3]

    return _CSS_ESCAPE.sub(decode, _CSS_COMMENT.sub(" ", css))


def css_urls(css: str) -> list[str]:
    """The addresses a piece of CSS (a style attribute, a style element) would fetch."""
    if "(" not in css and "@" not in css:
        return []
    return [
        next(group for group in match.groups() if group is not None)
        for match in _CSS_URL.finditer(_css_unescaped(css))
        if any(group for group in match.groups())
    ]


def css_without_fetches(style: str) -> str:
    """A style attribute without the declarations that would fetch something (``url()``,
    ``image-set()``…): no allowed property needs one."""
    if "(" not in style and "@" not in style and "\\" not in style:
        return style
    kept = [
        declaration
        for declaration in _declarations(style)
        if not _CSS_FETCHES.search(_css_unescaped(declaration))
    ]
    return ";".join(kept)


def _declarations(style: str) -> list[str]:
    """A style attribute split at its semicolons, except those in strings or brackets."""
    parts: list[str] = []
    current: list[str] = []
    quote_char = ""
    depth = 0
    escaped = False
    for char in style:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif quote_char:
            if char == quote_char:
                quote_char = ""
        elif char in "\"'":
            quote_char = char
        elif char == "(":
            depth += 1
        elif char == ")":
            depth = max(0, depth - 1)
        elif char == ";" and depth == 0:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [part for part in parts if part.strip()]
