"""files.xml and the blobs under files/<2 hex>/<sha1>: Moodle's file records, read as a stream.

Each record names a content hash (SHA-1, as Moodle stores it); the blob is hashed again here
(SHA-256, which Cartable's content store uses, and SHA-1 to check the archive is whole) when
a record is first handed out. Records whose blob is missing or does not match are left out
with a warning; the rest of the course still imports.
"""

from __future__ import annotations

import hashlib
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.moodle import mxml
from cartable.importers.notes import Notes
from cartable.lib import filetypes
from cartable.lib.archive import CHUNK
from cartable.lib.safexml import iter_records

_SHA1 = re.compile(r"^[0-9a-f]{40}$")

AreaKey = tuple[int, str, str, int]  # contextid, component, filearea, itemid


@dataclass(frozen=True, slots=True)
class FileRecord:
    source_id: int
    contenthash: str
    contextid: int
    component: str
    filearea: str
    itemid: int
    filepath: str
    filename: str
    filesize: int
    mimetype: str
    author: str
    license: str
    sortorder: int

    @property
    def area(self) -> AreaKey:
        return (self.contextid, self.component, self.filearea, self.itemid)

    @property
    def path(self) -> str:
        return self.filepath + self.filename


class FileIndex:
    """The file records of a backup, looked up by context, area and path."""

    def __init__(self, root: Path, notes: Notes) -> None:
        self.root = root
        self.notes = notes
        self._areas: dict[AreaKey, dict[str, FileRecord]] = defaultdict(dict)
        self._by_context: dict[tuple[int, str], list[FileRecord]] = defaultdict(list)
        self._hashes: dict[str, tuple[str, int] | None] = {}
        self._types: dict[tuple[str, str], str] = {}
        self.handed_out: dict[int, FileRef] = {}

    @classmethod
    def read(cls, root: Path, notes: Notes) -> FileIndex:
        index = cls(root, notes)
        path = root / "files.xml"
        if not path.is_file():
            return index
        for record in iter_records(path, frozenset({"files/file"})):
            element = record.element
            filename = mxml.text(element, "filename")
            if filename in ("", "."):
                continue  # a folder entry
            row = FileRecord(
                source_id=mxml.attr_int(element, "id"),
                contenthash=mxml.text(element, "contenthash").lower(),
                contextid=mxml.integer(element, "contextid"),
                component=mxml.text(element, "component"),
                filearea=mxml.text(element, "filearea"),
                itemid=mxml.integer(element, "itemid"),
                filepath=mxml.text(element, "filepath", "/") or "/",
                filename=filename,
                filesize=mxml.integer(element, "filesize"),
                mimetype=mxml.text(element, "mimetype") or "application/octet-stream",
                author=mxml.text(element, "author"),
                license=mxml.text(element, "license"),
                sortorder=mxml.integer(element, "sortorder"),
            )
            index._areas[row.area][row.path] = row
            index._by_context[(row.contextid, row.component)].append(row)
        return index

    def _digest(self, contenthash: str) -> tuple[str, int] | None:
        """(sha256, size) of a blob, or None when it is missing or damaged."""
        if contenthash in self._hashes:
            return self._hashes[contenthash]
        result: tuple[str, int] | None = None
        if _SHA1.match(contenthash):
            blob = self.root / "files" / contenthash[:2] / contenthash
            if blob.is_file() and not blob.is_symlink():
                sha1 = hashlib.sha1(usedforsecurity=False)
                sha256 = hashlib.sha256()
                size = 0
                with blob.open("rb") as handle:
                    while chunk := handle.read(CHUNK):
                        sha1.update(chunk)
                        sha256.update(chunk)
                        size += len(chunk)
                if sha1.hexdigest() == contenthash:
                    result = (sha256.hexdigest(), size)
                else:
                    self.notes.warn(
                        Text(
                            gettext_noop(
                                "the blob %(hash)s does not match its SHA-1: left out as damaged"
                            ),
                            hash=contenthash,
                        )
                    )
        self._hashes[contenthash] = result
        return result

    def _type(self, blob: Path, row: FileRecord) -> str:
        """The type the box decides from the file's bytes (the one the backup declares is not
        trusted); the name only matters for active content and old office formats."""
        key = (row.contenthash, filetypes.extension(row.filename))
        if key not in self._types:
            self._types[key] = filetypes.of_file(blob, row.filename).mimetype
        return self._types[key]

    def ref(self, row: FileRecord) -> FileRef | None:
        """The FileRef of a record, or None (with a warning) when its content is missing."""
        if row.source_id in self.handed_out:
            return self.handed_out[row.source_id]
        digest = self._digest(row.contenthash)
        if digest is None:
            self.notes.warn(
                Text(
                    gettext_noop(
                        "file '%(path)s' (%(area)s) is listed in files.xml but its content is "
                        "missing from the archive: left out"
                    ),
                    path=row.path,
                    area=f"{row.component}/{row.filearea}",
                )
            )
            self.notes.skip(
                "file",
                f"file-{row.source_id}",
                Text(gettext_noop("file '%(path)s'"), path=row.path),
                Text(gettext_noop("content missing")),
            )
            self._hashes[row.contenthash] = None
            ref = None
        else:
            sha256, size = digest
            blob = self.root / "files" / row.contenthash[:2] / row.contenthash
            ref = FileRef(
                sha256=sha256,
                size=size,
                filename=row.filename,
                filepath=row.filepath,
                mimetype=self._type(blob, row),
                component=row.component,
                filearea=row.filearea,
                itemid=row.itemid,
                contextid=row.contextid,
                source_id=row.source_id,
                blob=blob,
                author=row.author,
                license=row.license,
                sortorder=row.sortorder,
            )
            self.handed_out[row.source_id] = ref
        return ref

    def _refs(self, rows: list[FileRecord]) -> tuple[FileRef, ...]:
        refs = [self.ref(row) for row in sorted(rows, key=lambda r: (r.filearea, r.itemid, r.path))]
        return tuple(ref for ref in refs if ref is not None)

    def component_files(self, contextid: int, component: str) -> tuple[FileRef, ...]:
        """Every file of a component in a context (e.g. all of an activity's files)."""
        return self._refs(self._by_context.get((contextid, component), []))

    def area_files(
        self, contextid: int, component: str, filearea: str, itemid: int | None = None
    ) -> tuple[FileRef, ...]:
        rows = [
            row
            for row in self._by_context.get((contextid, component), [])
            if row.filearea == filearea and (itemid is None or row.itemid == itemid)
        ]
        return self._refs(rows)

    def find(
        self, contextid: int, component: str, filearea: str, itemid: int | None, quoted: str
    ) -> FileRef | None:
        """The file a ``@@PLUGINFILE@@/<quoted path>`` link of that area names, if any."""
        path = "/" + unquote(quoted).lstrip("/")
        if itemid is not None:
            row = self._areas.get((contextid, component, filearea, itemid), {}).get(path)
        else:
            row = None
        if row is None:  # the item is not known (or Moodle put it in the path): search the area
            candidates = [
                r
                for r in self._by_context.get((contextid, component), [])
                if r.filearea == filearea and (r.path == path or f"/{r.itemid}{r.path}" == path)
            ]
            row = candidates[0] if len(candidates) == 1 else None
        return None if row is None else self.ref(row)
