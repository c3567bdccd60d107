"""The type of a course file, decided from its bytes (pure).

A course backup declares a type for each file, and a hostile one declares what it likes (a
script as ``application/javascript``, a page as an image). The box reads the file's first
bytes instead and knows a short list of types: those a browser shows in place (PDF, common
images, sound and video, plain text) and documents it offers as downloads (office files,
archives). Anything else is served as ``application/octet-stream``, a download.

HTML, SVG, XML and JavaScript are *active content*: a browser runs what they hold when it
opens them. They are recognised by their start or their name, flagged for staff's review,
and never served as what they are.

No library is used: the maintained pure-Python ones (puremagic) rank guesses by heuristics
that put odd types first (an MP3 with an ID3 tag as ``.koz``, an OpenDocument file as three
OOXML types at once) and do not tell text from binary, so the short list below would need
rules of its own anyway; these are the signatures each format's specification gives.
"""

from __future__ import annotations

import struct
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

HEAD_BYTES = 4096  # enough for every signature below and a look at text
OCTET = "application/octet-stream"

# Shown in place by a browser.
# Shown in place by a browser. Not PDFs: a browser's own PDF viewer makes a PDF's links live
# (out of the box); the box's viewer (pdf.js) reads the bytes itself and shows no link, and a
# download does not hold it back.
INLINE = frozenset(
    {
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "text/vtt",
        "audio/mpeg",
        "audio/mp4",
        "audio/aac",
        "audio/flac",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
        "video/ogg",
    }
)
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
ODF = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
        "application/vnd.oasis.opendocument.graphics",
    }
)
EPUB = "application/epub+zip"
# Served with their type, as downloads (the device's own program opens them).
DOWNLOADS = ODF | {
    "application/pdf",
    DOCX,
    XLSX,
    PPTX,
    EPUB,
    "application/zip",
    "application/msword",
    "application/vnd.ms-excel",
    "application/vnd.ms-powerpoint",
    "application/rtf",
    "text/csv",
}
SERVED = INLINE | DOWNLOADS

# Office files with macros: recognised, never served as office files.
MACRO_TYPES = {
    "word/": "application/vnd.ms-word.document.macroEnabled.12",
    "xl/": "application/vnd.ms-excel.sheet.macroEnabled.12",
    "ppt/": "application/vnd.ms-powerpoint.presentation.macroEnabled.12",
}

HTML = "text/html"
SVG = "image/svg+xml"
XML = "application/xml"
JAVASCRIPT = "text/javascript"
ACTIVE_TYPES = frozenset({HTML, SVG, XML, JAVASCRIPT})
ACTIVE_EXTENSIONS = {
    **dict.fromkeys(("html", "htm", "shtml", "xhtml", "xht", "hta"), HTML),
    **dict.fromkeys(("svg", "svgz"), SVG),
    **dict.fromkeys(("xml", "xsl", "xslt"), XML),
    **dict.fromkeys(("js", "mjs", "cjs", "jse"), JAVASCRIPT),
}
# What a browser takes for HTML (WHATWG MIME Sniffing, "identifying a resource with an
# unknown MIME type"), each followed by a space or ">".
_HTML_STARTS = tuple(
    b"<" + tag
    for tag in (
        b"!doctype html",
        b"html",
        b"head",
        b"script",
        b"iframe",
        b"h1",
        b"div",
        b"font",
        b"table",
        b"a",
        b"style",
        b"title",
        b"b",
        b"body",
        b"br",
        b"p",
        b"!--",
    )
)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_OLE_BY_EXTENSION = {
    "doc": "application/msword",
    "xls": "application/vnd.ms-excel",
    "ppt": "application/vnd.ms-powerpoint",
}
_MP4_VIDEO_BRANDS = frozenset(
    {b"isom", b"iso2", b"iso3", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1"}
    | {b"M4V ", b"M4VH", b"M4VP", b"dash", b"MSNV", b"NDAS"}
)
_MP4_AUDIO_BRANDS = frozenset({b"M4A ", b"M4B ", b"M4P "})
_OGG_AUDIO = (b"\x01vorbis", b"OpusHead", b"\x7fFLAC", b"Speex   ")
_MAX_ZIP_DIRECTORY = 4 * 1024 * 1024  # bytes of a zip's directory read to tell its kind


@dataclass(frozen=True, slots=True)
class FileType:
    mimetype: str
    active: bool = False  # runs code in a browser that opens it


def extension(filename: str) -> str:
    suffix = PurePosixPath(filename.replace("\\", "/")).suffix
    return suffix[1:].lower()


def served_as(mimetype: str) -> tuple[str, bool]:
    """The Content-Type a stored type is served with, and whether a browser may show it in
    place: only the types above; anything else (old rows included) is a download."""
    base = mimetype.split(";", 1)[0].strip().lower()
    if base not in SERVED:
        return OCTET, False
    return mimetype, base in INLINE


def of_file(path: Path, filename: str) -> FileType:
    """The type of the file at ``path``, named ``filename`` by its course."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    found = sniff(head, filename)
    if found.mimetype == "application/zip":
        return FileType(_zip_kind(path, head))
    return found


def sniff(head: bytes, filename: str) -> FileType:
    """The type of a file from its first bytes (HEAD_BYTES of them, or all of a shorter file)
    and its name (which only adds suspicion, or picks among old office formats)."""
    ext = extension(filename)
    if ext in ACTIVE_EXTENSIONS:
        return FileType(ACTIVE_EXTENSIONS[ext], active=True)
    binary = _binary(head, ext)
    if binary is not None:
        return FileType(binary)
    return _text(head, ext)


def _binary(head: bytes, ext: str) -> str | None:
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head.startswith(b"RIFF") and len(head) >= 12:
        return {b"WEBP": "image/webp", b"WAVE": "audio/wav"}.get(head[8:12], OCTET)
    if head.startswith(b"fLaC"):
        return "audio/flac"
    if head.startswith(b"ID3") or _mpeg_audio_frame(head):
        return "audio/mpeg"
    if _adts_frame(head):
        return "audio/aac"
    if head[4:8] == b"ftyp":
        return _iso_media(head[8:12])
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return _matroska(head)
    if head.startswith(b"OggS"):
        return _ogg(head)
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        return "application/zip"
    if head.startswith(_OLE):
        return _OLE_BY_EXTENSION.get(ext, OCTET)
    if head.startswith(b"{\\rtf"):
        return "application/rtf"
    if b"\x00" in head:
        return OCTET  # no text format we serve holds NUL
    return None


def _mpeg_audio_frame(head: bytes) -> bool:
    """An MPEG-1/2 audio frame header (ISO/IEC 11172-3): sync, and no reserved value."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    version, layer = (head[1] >> 3) & 3, (head[1] >> 1) & 3
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate not in (0, 15) and rate != 3


def _adts_frame(head: bytes) -> bool:
    """An AAC ADTS frame header (ISO/IEC 13818-7): sync, layer 0, a sampling index in use."""
    return (
        len(head) >= 7 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0 and (head[2] >> 2) & 15 < 13
    )


def _iso_media(brand: bytes) -> str:
    if brand in _MP4_AUDIO_BRANDS:
        return "audio/mp4"
    if brand in _MP4_VIDEO_BRANDS:
        return "video/mp4"
    return OCTET  # QuickTime, 3GP, HEIF, AVIF…: not served as they are


def _matroska(head: bytes) -> str:
    """WebM is Matroska whose EBML header names the doc type "webm" (element 0x4282)."""
    at = head.find(b"\x42\x82", 4, 64)
    if at == -1 or at + 3 > len(head):
        return OCTET
    size = head[at + 2] & 0x7F if head[at + 2] & 0x80 else 0
    return "video/webm" if head[at + 3 : at + 3 + size] == b"webm" else OCTET


def _ogg(head: bytes) -> str:
    """The first page's first packet names the codec (RFC 3533: a 27-byte header, then the
    segment table)."""
    if len(head) < 27:
        return OCTET
    packet = head[27 + head[26] :]
    if packet.startswith(_OGG_AUDIO):
        return "audio/ogg"
    if packet.startswith(b"\x80theora"):
        return "video/ogg"
    return OCTET


def _text(head: bytes, ext: str) -> FileType:
    body = head.removeprefix(b"\xef\xbb\xbf")
    start = body.lstrip(b" \t\r\n\x0c").lower()
    if start.startswith(b"<?xml"):
        if b"<svg" in start:
            return FileType(SVG, active=True)
        if b"<html" in start:
            return FileType(HTML, active=True)
        return FileType(XML, active=True)
    if start.startswith(b"<svg") and start[4:5] in (b" ", b">", b"\t", b"\n", b"\r"):
        return FileType(SVG, active=True)
    for tag in _HTML_STARTS:
        if start.startswith(tag) and start[len(tag) : len(tag) + 1] in (b" ", b">"):
            return FileType(HTML, active=True)
    charset = _text_charset(body)
    if charset is None:
        return FileType(OCTET)
    if body.startswith(b"WEBVTT") and charset == "utf-8":
        return FileType("text/vtt")
    kind = "text/csv" if ext == "csv" else "text/plain"
    return FileType(kind if charset == "utf-8" else f"{kind}; charset={charset}")


def _text_charset(body: bytes) -> str | None:
    """utf-8 when the bytes read as UTF-8 (a character cut at the end of the sample
    allowed), windows-1252 when they are 8-bit text, None when they are no text."""
    if any(byte < 0x20 and byte not in (0x09, 0x0A, 0x0C, 0x0D) for byte in body):
        return None
    for cut in range(4):
        try:
            body[: len(body) - cut].decode("utf-8")
        except UnicodeDecodeError:
            if len(body) < HEAD_BYTES:
                break  # the whole file: nothing was cut
            continue
        return "utf-8"
    try:
        body.decode("cp1252")
    except UnicodeDecodeError:
        return None
    return "windows-1252"


def _zip_kind(path: Path, head: bytes) -> str:
    """Which zip-based format: OpenDocument and EPUB name it in a first, stored member called
    ``mimetype``; Office Open XML by its parts. Only a directory of bounded size is read."""
    named = _stored_mimetype(head)
    if named in ODF or named == EPUB:
        return named
    names = _zip_names(path)
    if names is None:
        return OCTET
    if "[Content_Types].xml" in names:
        macros = any(name.lower().endswith("vbaproject.bin") for name in names)
        for part, kind in (
            ("word/document.xml", DOCX),
            ("xl/workbook.xml", XLSX),
            ("ppt/presentation.xml", PPTX),
        ):
            if part in names:
                return MACRO_TYPES[part.split("/", 1)[0] + "/"] if macros else kind
    return "application/zip"


def _stored_mimetype(head: bytes) -> str:
    if len(head) < 30 or not head.startswith(b"PK\x03\x04"):
        return ""
    method, size, name_length, extra_length = struct.unpack("<H8xI4xHH", head[8:30])
    name = head[30 : 30 + name_length]
    if method != 0 or name != b"mimetype" or size > 100:
        return ""
    start = 30 + name_length + extra_length
    return head[start : start + size].decode("ascii", "replace")


def _zip_names(path: Path) -> frozenset[str] | None:
    """The member names of a zip whose directory is small enough; None when it is not one."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        handle.seek(max(0, size - 65_557))  # the end record and the longest comment
        tail = handle.read()
    end = tail.rfind(b"PK\x05\x06")
    if end == -1 or len(tail) < end + 22:
        return None
    (directory_size,) = struct.unpack("<I", tail[end + 12 : end + 16])
    if directory_size > _MAX_ZIP_DIRECTORY:
        return frozenset()  # a zip, of whatever kind: not worth reading
    try:
        with zipfile.ZipFile(path) as archive:
            return frozenset(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError):
        return None
