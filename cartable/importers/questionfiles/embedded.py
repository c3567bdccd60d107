"""The files a Moodle XML question file embeds: ``<file name="…" path="/" encoding="base64">``
inside a text field, which links to them as ``@@PLUGINFILE@@/<path><name>``.

Each file is decoded to the work folder (under a name of ours, never the file's), hashed
(SHA-256, as the content store names blobs) and typed from its bytes, under the limits of
``ArchiveLimits``: how many files, how large each and all together, how long their names. A
name that is not one file name (a folder, ``..``, a control character) refuses the whole
question file, as it would an archive; a file whose base64 is damaged is left out with a
warning. The files of one text field form an *area* (a number of ours), and a link only ever
finds the files of its own field, as in Moodle.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from pathlib import Path
from urllib.parse import unquote
from xml.etree.ElementTree import Element

from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.notes import Notes
from cartable.importers.questionfiles.base import QuestionFileError
from cartable.lib import filetypes
from cartable.lib.archive import ArchiveError, ArchiveLimits, normalise_name

# Base64 characters decoded at a time (a multiple of 4: every chunk decodes on its own).
_CHUNK = 4 * 1024 * 1024


class EmbeddedFiles:
    """The decoded files of one question file, by the text field (area) they came with."""

    def __init__(self, workdir: Path, limits: ArchiveLimits, notes: Notes, component: str) -> None:
        self.folder = workdir / "files"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.limits = limits
        self.notes = notes
        self.component = component
        self._areas: dict[tuple[str, int], dict[str, FileRef]] = {}
        self._next_area = 0
        self.count = 0
        self.total = 0

    def area(self, filearea: str, elements: list[Element], owner: Text) -> int:
        """Decode the ``<file>`` elements of one text field; the number standing for it."""
        self._next_area += 1
        itemid = self._next_area
        found: dict[str, FileRef] = {}
        for element in elements:
            ref = self._decode(element, filearea, itemid, owner)
            if ref is not None and ref.path not in found:  # Moodle keeps the first of a path
                found[ref.path] = ref
        self._areas[(filearea, itemid)] = found
        return itemid

    def files(self, filearea: str, itemid: int) -> tuple[FileRef, ...]:
        return tuple(self._areas.get((filearea, itemid), {}).values())

    def find(
        self, contextid: int, component: str, filearea: str, itemid: int | None, quoted: str
    ) -> FileRef | None:
        """The file a ``@@PLUGINFILE@@/<quoted path>`` link of that field names, if any."""
        path = "/" + unquote(quoted).lstrip("/")
        return self._areas.get((filearea, itemid or 0), {}).get(path)

    def _decode(self, element: Element, filearea: str, itemid: int, owner: Text) -> FileRef | None:
        filepath, filename = self._name(element.get("name", ""), element.get("path") or "/")
        encoding = (element.get("encoding") or "base64").strip().lower()
        if encoding != "base64":
            self.notes.warn(
                Text(
                    gettext_noop(
                        "%(owner)s: the file '%(name)s' is encoded as '%(encoding)s', not "
                        "base64: left out"
                    ),
                    owner=owner,
                    name=filename,
                    encoding=encoding[:40],
                )
            )
            return None
        self.count += 1
        if self.count > self.limits.max_members:
            raise QuestionFileError(
                "too_many_members",
                Text(
                    gettext_noop("it embeds more than %(limit)d files"),
                    limit=self.limits.max_members,
                ),
            )
        target = self.folder / f"{self.count}.bin"
        digest = hashlib.sha256()
        size = 0
        chunk: bytes | None = b""
        data = "".join((element.text or "").split())
        if len(data) % 4:
            data += "=" * (-len(data) % 4)
        with target.open("wb") as out:
            for start in range(0, len(data), _CHUNK):
                chunk = _decoded(data[start : start + _CHUNK])
                if chunk is None:
                    break
                size += len(chunk)
                self._check_size(filename, size)
                digest.update(chunk)
                out.write(chunk)
        if chunk is None:
            target.unlink(missing_ok=True)
            self.notes.warn(
                Text(
                    gettext_noop(
                        "%(owner)s: the file '%(name)s' is damaged (bad base64): left out"
                    ),
                    owner=owner,
                    name=filename,
                )
            )
            return None
        self.total += size
        return FileRef(
            sha256=digest.hexdigest(),
            size=size,
            filename=filename,
            filepath=filepath,
            mimetype=filetypes.of_file(target, filename).mimetype,
            component=self.component,
            filearea=filearea,
            itemid=itemid,
            source_id=self.count,
            blob=target,
        )

    def _check_size(self, filename: str, size: int) -> None:
        if size > self.limits.max_member_size:
            raise QuestionFileError(
                "member_too_large",
                Text(
                    gettext_noop(
                        "the embedded file “%(name)s” is larger than the box accepts "
                        "(%(limit)d bytes)"
                    ),
                    name=filename,
                    limit=self.limits.max_member_size,
                ),
            )
        if self.total + size > self.limits.max_total_size:
            raise QuestionFileError(
                "total_too_large",
                Text(
                    gettext_noop(
                        "its embedded files add up to more than the box accepts (%(limit)d bytes)"
                    ),
                    limit=self.limits.max_total_size,
                ),
            )

    def _name(self, name: str, path: str) -> tuple[str, str]:
        """(folder, name) of an embedded file, refusing what is not one plain file name."""
        if name in ("", ".", "..") or "/" in name or "\\" in name:
            raise _unsafe(name)
        folder = path.strip("/")
        try:
            clean, is_dir = normalise_name(f"{folder}/{name}" if folder else name, self.limits)
        except ArchiveError:
            raise _unsafe(f"{path}{name}") from None
        if is_dir:
            raise _unsafe(name)
        parts = clean.split("/")
        return "/" + "".join(part + "/" for part in parts[:-1]), parts[-1]


def _decoded(data: str) -> bytes | None:
    """The bytes of a run of base64 characters; None when it is not base64."""
    try:
        return base64.b64decode(data.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError):
        return None


def _unsafe(name: str) -> QuestionFileError:
    return QuestionFileError(
        "unsafe_name",
        Text(
            gettext_noop("the embedded file “%(name)s” has a name that is not a plain file name"),
            name=name[:200],
        ),
    )
