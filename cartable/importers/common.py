"""Types shared by the course model, the question model and the importers."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TypeAlias

JsonValue: TypeAlias = bool | int | float | str | list["JsonValue"] | dict[str, "JsonValue"] | None


def gettext_noop(message: str) -> str:
    """Marks an English sentence for the translators (``make messages`` looks for this name);
    the importers know no language: whoever shows the sentence to people translates it."""
    return message


class Text(str):
    """A sentence for people: as a string, the English sentence; it also keeps its template
    (marked with ``gettext_noop``) and values, so that a page can show it in the reader's
    language. A value may itself be a ``Text`` (``"%(owner)s: …"``)."""

    template: str
    values: dict[str, str | int]

    def __new__(cls, template: str, **values: str | int) -> Text:
        text = super().__new__(cls, template % values if values else template)
        text.template = template
        text.values = values
        return text

    def as_json(self) -> dict[str, JsonValue]:
        return {
            "template": self.template,
            "values": {
                name: value.as_json() if isinstance(value, Text) else value
                for name, value in self.values.items()
            },
        }


@dataclass(frozen=True, slots=True)
class FileRef:
    """One file as the source recorded it, and where its bytes are in the work folder while
    importing. Once stored (as an activity's data, in JSON), a file keeps its hash, name,
    folder, type and size: the rest takes its default and ``blob`` is None."""

    sha256: str
    size: int
    filename: str
    filepath: str  # folder inside its area, "/" or "/a/b/"
    mimetype: str
    component: str = ""  # e.g. "mod_resource", "question", "course"
    filearea: str = ""  # e.g. "content", "questiontext", "intro"
    itemid: int = 0
    contextid: int = 0
    source_id: int = 0
    blob: Path | None = None  # the extracted bytes, under the import's work folder
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
