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
from collections.abc import Callable
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
    without its work folder path. Raises ``JsonShapeError`` when ``value`` does not fit.

    Each type is looked at once: its reader (a function of the value alone, that knows which
    branch the type takes and holds its members' readers) is made the first time and kept, so
    reading the same shapes again (an attempt's questions, on every page) does no typing
    introspection."""
    try:
        read = _READERS[kind]
    except KeyError:
        read = _reader(kind)
    except TypeError:  # a type that cannot be a key: read it without keeping its reader
        read = _make_reader(kind)
    return read(value)


Reader = Callable[[object], Any]
_READERS: dict[Any, Reader] = {}


def _reader(kind: Any) -> Reader:
    found = _READERS.get(kind)
    if found is None:
        found = _READERS[kind] = _make_reader(kind)
    return found


def _make_reader(kind: Any) -> Reader:
    """The reader of ``kind``: the branch ``from_json`` takes for it, decided once. Making one
    never raises; what does not fit raises when a value is read, as it always did."""
    origin = get_origin(kind)
    if kind is Any or kind is object or kind is JsonValue:
        return _same
    if origin in (Union, UnionType):
        return _union_reader(kind)
    if origin is Literal:
        allowed = get_args(kind)

        def literal(value: object) -> Any:
            if value not in allowed:
                raise JsonShapeError(f"{value!r} is not one of {allowed}")
            return value

        return literal
    if origin is tuple:
        return _tuple_reader(kind)
    if origin is list:
        item = _reader(get_args(kind)[0])

        def list_of(value: object) -> Any:
            if not isinstance(value, list):
                raise JsonShapeError(f"expected a list for {kind}, got {value!r}")
            return [item(one) for one in value]

        return list_of
    if origin is dict:
        member = _reader(get_args(kind)[1])

        def dict_of(value: object) -> Any:
            if not isinstance(value, dict):
                raise JsonShapeError(f"expected an object for {kind}, got {value!r}")
            return {str(k): member(one) for k, one in value.items()}

        return dict_of
    if isinstance(kind, type) and dataclasses.is_dataclass(kind):
        return _dataclass_reader(kind)
    if isinstance(kind, type) and issubclass(kind, Enum):
        enum: Any = kind

        def member_of(value: object) -> Any:
            try:
                return enum(value)
            except ValueError as error:
                raise JsonShapeError(f"{value!r} is not a {enum.__name__}") from error

        return member_of
    if kind is datetime:
        return _datetime
    if kind is float:
        return _float
    if kind in (bool, int, str):

        def plain(value: object) -> Any:
            if type(value) is kind:
                return value
            raise JsonShapeError(f"{value!r} is not a {kind}")

        return plain
    if kind is Path:
        return _nothing

    def refused(value: object) -> Any:
        raise JsonShapeError(f"{value!r} is not a {kind}")

    return refused


def _same(value: object) -> Any:
    return value


def _nothing(value: object) -> Any:
    return None


def _datetime(value: object) -> Any:
    if not isinstance(value, str):
        raise JsonShapeError(f"expected a date, got {value!r}")
    return datetime.fromisoformat(value)


def _float(value: object) -> Any:
    if isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    raise JsonShapeError(f"{value!r} is not a {float}")


def _union_reader(kind: Any) -> Reader:
    options = get_args(kind)
    optional = type(None) in options
    named: dict[str, Reader] = {}  # a union of dataclasses: the first class of each name
    for option in options:
        if isinstance(option, type) and dataclasses.is_dataclass(option):
            named.setdefault(option.__name__, _reader(option))
    tries = [_reader(option) for option in options if option is not type(None)]

    def union(value: object) -> Any:
        if value is None and optional:
            return None
        if named and isinstance(value, dict):
            name = value.get("type")
            read = named.get(name) if isinstance(name, str) else None
            if read is not None:
                return read(value)
        for read in tries:
            try:
                return read(value)
            except JsonShapeError:
                continue
        raise JsonShapeError(f"{value!r} fits none of {kind}")

    return union


def _tuple_reader(kind: Any) -> Reader:
    args = get_args(kind)
    if len(args) == 2 and args[1] is Ellipsis:
        item = _reader(args[0])

        def tuple_of(value: object) -> Any:
            if not isinstance(value, list | tuple):
                raise JsonShapeError(f"expected a list for {kind}, got {value!r}")
            return tuple(item(one) for one in value)

        return tuple_of
    items = [_reader(arg) for arg in args]

    def fixed_tuple(value: object) -> Any:
        if not isinstance(value, list | tuple):
            raise JsonShapeError(f"expected a list for {kind}, got {value!r}")
        if len(items) != len(value):
            raise JsonShapeError(f"expected {len(items)} items for {kind}, got {value!r}")
        return tuple(read(one) for read, one in zip(items, value, strict=True))

    return fixed_tuple


def _dataclass_reader(kind: type[Any]) -> Reader:
    """A dataclass's reader; its fields' readers are made when it first reads a value (a
    dataclass may hold itself, as a cloze question holds questions)."""
    name = kind.__name__
    made: list[list[tuple[str, Reader, bool]]] = []

    def dataclass_of(value: object) -> Any:
        if not isinstance(value, dict):
            raise JsonShapeError(f"expected an object for {name}, got {value!r}")
        if value.get("type", name) != name:
            raise JsonShapeError(f"expected a {name}, got a {value['type']!r}")
        if not made:
            made.append(_members(kind))
        values = {}
        for field, read, required in made[0]:
            if field in value:
                values[field] = read(value[field])
            elif required:
                raise JsonShapeError(f"{name} needs {field!r}")
        return kind(**values)

    return dataclass_of


def _members(kind: type[Any]) -> list[tuple[str, Reader, bool]]:
    hints = _hints(kind)
    return [
        (
            field.name,
            _reader(hints[field.name]),
            field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING,
        )
        for field in dataclasses.fields(kind)
    ]


_HINTS: dict[type[Any], dict[str, Any]] = {}


def _hints(kind: type[Any]) -> dict[str, Any]:
    found = _HINTS.get(kind)
    if found is None:
        found = _HINTS[kind] = get_type_hints(kind)
    return found
