"""Turn the importers' frozen dataclasses into JSON values for the database, and digest them.

Dataclasses become objects (with a ``type`` member naming the class, so that renderers can tell
kinds apart), tuples become lists, datetimes ISO 8601 strings. File references keep what a
renderer needs (hash, name, folder, type, size) and lose their work-folder path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime
from pathlib import Path

from cartable.importers.common import FileRef, JsonValue


def file_json(ref: FileRef) -> dict[str, JsonValue]:
    return {
        "sha256": ref.sha256,
        "filename": ref.filename,
        "filepath": ref.filepath,
        "mimetype": ref.mimetype,
        "size": ref.size,
    }


def to_json(value: object) -> JsonValue:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, FileRef):
        return file_json(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Path):
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out: dict[str, JsonValue] = {"type": type(value).__name__}
        for field in dataclasses.fields(value):
            out[field.name] = to_json(getattr(value, field.name))
        return out
    if isinstance(value, dict):
        return {str(key): to_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [to_json(item) for item in value]
    raise TypeError(f"cannot turn {type(value).__name__} into JSON")


def digest(value: JsonValue) -> str:
    """A stable SHA-256 of a JSON value (keys sorted), to tell changed content from unchanged."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
