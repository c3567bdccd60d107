"""Turn the importers' frozen dataclasses into JSON values for the database, digest them, and
read them back (``from_json``).

Dataclasses become objects (with a ``type`` member naming the class, so that renderers can tell
kinds apart), tuples become lists, datetimes ISO 8601 strings. File references keep what a
renderer needs (hash, name, folder, type, size) and lose their work-folder path.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from datetime import date, datetime
from enum import Enum
from pathlib import Path
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

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


# --- Back from JSON ------------------------------------------------------------------------------


class JsonShapeError(ValueError):
    """A JSON value does not have the shape of the type asked for."""


def from_json(kind: Any, value: object) -> Any:
    """The value of type ``kind`` that ``to_json`` turned into ``value``: dataclasses (a union
    of them is told apart by the ``type`` member), tuples, datetimes, ``X | None``,
    ``Literal``, enumerations, plain values. A stored file comes back as a ``FileRef``
    without its work folder path. Raises ``JsonShapeError`` when ``value`` does not fit."""
    origin = get_origin(kind)
    if kind is Any or kind is object or kind is JsonValue:
        return value
    if origin in (Union, UnionType):
        options = get_args(kind)
        if value is None and type(None) in options:
            return None
        classes = [
            option
            for option in options
            if isinstance(option, type) and dataclasses.is_dataclass(option)
        ]
        if isinstance(value, dict) and classes:
            named = next((c for c in classes if c.__name__ == value.get("type")), None)
            if named is not None:
                return from_json(named, value)
        for option in options:
            if option is type(None):
                continue
            try:
                return from_json(option, value)
            except JsonShapeError:
                continue
        raise JsonShapeError(f"{value!r} fits none of {kind}")
    if origin is Literal:
        if value not in get_args(kind):
            raise JsonShapeError(f"{value!r} is not one of {get_args(kind)}")
        return value
    if origin is tuple:
        if not isinstance(value, list | tuple):
            raise JsonShapeError(f"expected a list for {kind}, got {value!r}")
        args = get_args(kind)
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(from_json(args[0], item) for item in value)
        if len(args) != len(value):
            raise JsonShapeError(f"expected {len(args)} items for {kind}, got {value!r}")
        return tuple(from_json(arg, item) for arg, item in zip(args, value, strict=True))
    if origin is list:
        if not isinstance(value, list):
            raise JsonShapeError(f"expected a list for {kind}, got {value!r}")
        return [from_json(get_args(kind)[0], item) for item in value]
    if origin is dict:
        if not isinstance(value, dict):
            raise JsonShapeError(f"expected an object for {kind}, got {value!r}")
        return {str(k): from_json(get_args(kind)[1], item) for k, item in value.items()}
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass(kind, value)
    if isinstance(kind, type) and issubclass(kind, Enum):
        try:
            return kind(value)
        except ValueError as error:
            raise JsonShapeError(f"{value!r} is not a {kind.__name__}") from error
    if kind is datetime:
        if not isinstance(value, str):
            raise JsonShapeError(f"expected a date, got {value!r}")
        return datetime.fromisoformat(value)
    if kind is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if kind in (bool, int, str) and type(value) is kind:
        return value
    if kind is Path:
        return None
    raise JsonShapeError(f"{value!r} is not a {kind}")


def _dataclass(kind: type[Any], value: object) -> Any:
    if not isinstance(value, dict):
        raise JsonShapeError(f"expected an object for {kind.__name__}, got {value!r}")
    if value.get("type", kind.__name__) != kind.__name__:
        raise JsonShapeError(f"expected a {kind.__name__}, got a {value['type']!r}")
    hints = _hints(kind)
    values = {}
    for field in dataclasses.fields(kind):
        if field.name in value:
            values[field.name] = from_json(hints[field.name], value[field.name])
        elif field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise JsonShapeError(f"{kind.__name__} needs {field.name!r}")
    return kind(**values)


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    found = _HINTS.get(kind)
    if found is None:
        found = _HINTS[kind] = get_type_hints(kind)
    return found
