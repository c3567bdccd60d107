"""Types shared by the course model, the question model and the importers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


@dataclass(frozen=True, slots=True)
class FileRef:
    """One stored file as the source recorded it, and where its bytes are in the work folder."""

    sha256: str
    size: int
    filename: str
    filepath: str  # folder inside its area, "/" or "/a/b/"
    mimetype: str
    component: str  # e.g. "mod_resource", "question", "course"
    filearea: str  # e.g. "content", "questiontext", "intro"
    itemid: int
    contextid: int
    source_id: int
    blob: Path  # the extracted bytes, under the import's work folder
    author: str = ""
    license: str = ""
    sortorder: int = 0

    @property
    def path(self) -> str:
        """Its path inside its area, e.g. ``/a/b/name.png``."""
        return self.filepath + self.filename


class ImporterError(ValueError):
    """The file is an archive but not one an importer can read. ``code`` is stable."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
