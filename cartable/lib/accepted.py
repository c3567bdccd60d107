"""Which files a list of accepted types admits (Moodle's ``filetypeslist``), by their content:
an assignment's submissions, a quiz essay's attachments, messages' attachments. Pure.

Moved here from ``assignments.rules`` (which still exports it) so that every app may use it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import PurePosixPath

from cartable.lib.filetypes import DOCX, EPUB, PPTX, XLSX, extension


def filename_of(name: str | None) -> str:
    """The file's own name, without any folder a browser sent, and without control
    characters; at most 255 characters (its extension kept)."""
    raw = "".join(ch for ch in str(name or "") if ch.isprintable())
    base = PurePosixPath(raw.replace("\\", "/")).name.strip().lstrip(".")
    if len(base) > 255:
        stem, dot, ext = base.rpartition(".")
        base = (stem[: 254 - len(ext)] + dot + ext) if dot and len(ext) < 20 else base[:255]
    return base


# --- Accepted file types ----------------------------------------------------------------------

# What each extension's content must be (sniffed by ``cartable.lib.filetypes``).
_TEXT = frozenset({"text/plain"})
CONTENT_OF: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({DOCX}),
    "odt": frozenset({"application/vnd.oasis.opendocument.text"}),
    "rtf": frozenset({"application/rtf"}),
    "txt": _TEXT,
    "md": _TEXT,
    "csv": frozenset({"text/csv", "text/plain"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({XLSX}),
    "ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint"}),
    "pptx": frozenset({PPTX}),
    "odp": frozenset({"application/vnd.oasis.opendocument.presentation"}),
    "epub": frozenset({EPUB}),
    "zip": frozenset({"application/zip"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "webp": frozenset({"image/webp"}),
    "mp3": frozenset({"audio/mpeg"}),
    "m4a": frozenset({"audio/mp4"}),
    "ogg": frozenset({"audio/ogg", "video/ogg"}),
    "wav": frozenset({"audio/wav"}),
    "mp4": frozenset({"video/mp4", "audio/mp4"}),
    "webm": frozenset({"video/webm"}),
}
# Moodle's groups of types (core_filetypes), as far as the box knows their extensions.
GROUPS: dict[str, tuple[str, ...]] = {
    "document": ("doc", "docx", "odt", "pdf", "rtf", "txt", "epub", "md"),
    "spreadsheet": ("csv", "ods", "xls", "xlsx"),
    "presentation": ("odp", "ppt", "pptx"),
    "image": ("gif", "jpeg", "jpg", "png", "webp"),
    "web_image": ("gif", "jpeg", "jpg", "png", "webp"),
    "audio": ("mp3", "m4a", "ogg", "wav"),
    "video": ("mp4", "webm", "ogg"),
    "archive": ("zip",),
}


@dataclass(frozen=True, slots=True)
class Accepted:
    """The types an assignment accepts (Moodle's ``filetypeslist``): ``any`` or these."""

    any: bool
    extensions: frozenset[str] = frozenset()
    mimetypes: frozenset[str] = frozenset()

    def shown(self) -> str:
        """For people: ".pdf, .docx…"."""
        names = sorted(f".{ext}" for ext in self.extensions) + sorted(self.mimetypes)
        return ", ".join(names)


def accepted(file_types: str) -> Accepted:
    """Moodle's list of accepted types: extensions (".pdf"), groups ("document"), types
    ("application/pdf", "image/*"), separated by commas, semicolons or spaces; empty or "*":
    any."""
    extensions: set[str] = set()
    mimetypes: set[str] = set()
    for word in re.split(r"[\s,;]+", file_types.strip().lower()):
        if not word:
            continue
        if word == "*":
            return Accepted(any=True)
        if word.startswith("."):
            extensions.add(word[1:])
        elif "/" in word:
            mimetypes.add(word)
        elif word in GROUPS:
            extensions.update(GROUPS[word])
        else:
            extensions.add(word)  # Moodle also accepts an extension without its dot
    if not extensions and not mimetypes:
        return Accepted(any=True)
    return Accepted(False, frozenset(extensions), frozenset(mimetypes))


def accepts(rule: Accepted, filename: str, sniffed: str) -> bool:
    """Whether a file named ``filename`` whose content is of type ``sniffed`` may be handed
    in: its name must be of a listed type, and its content what that name says (a script
    renamed ``.pdf`` is refused)."""
    if rule.any:
        return True
    content = sniffed.split(";", 1)[0].strip().lower()
    ext = extension(filename)
    if ext in rule.extensions:
        expected = CONTENT_OF.get(ext)
        return expected is None or content in expected
    return any(_type_matches(content, wanted) for wanted in rule.mimetypes) and (
        not ext or content in CONTENT_OF.get(ext, frozenset({content}))
    )


def _type_matches(content: str, wanted: str) -> bool:
    if wanted.endswith("/*"):
        return content.startswith(wanted[:-1])
    return content == wanted
