"""Reading fields of Moodle backup XML elements: ``$@NULL@$`` is None, 0 dates are None."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from xml.etree.ElementTree import Element

from cartable.importers.common import JsonValue

NULL = "$@NULL@$"


def opt_text(element: Element | None, tag: str) -> str | None:
    """The text of the child ``tag``; None when it is missing or Moodle's NULL."""
    if element is None:
        return None
    child = element.find(tag)
    if child is None:
        return None
    value = child.text or ""
    return None if value == NULL else value


def text(element: Element | None, tag: str, default: str = "") -> str:
    value = opt_text(element, tag)
    return default if value is None else value


def opt_int(element: Element | None, tag: str) -> int | None:
    value = (opt_text(element, tag) or "").strip()
    if not value:
        return None
    try:
        return int(value)
    except ValueError:
        try:
            return int(float(value))
        except ValueError:
            return None


def integer(element: Element | None, tag: str, default: int = 0) -> int:
    value = opt_int(element, tag)
    return default if value is None else value


def number(element: Element | None, tag: str, default: float = 0.0) -> float:
    value = (opt_text(element, tag) or "").strip()
    try:
        return float(value) if value else default
    except ValueError:
        return default


def flag(element: Element | None, tag: str, default: bool = False) -> bool:
    value = opt_int(element, tag)
    return default if value is None else value != 0


def when(element: Element | None, tag: str) -> datetime | None:
    """A Unix time as an aware datetime; None for 0, empty or NULL."""
    value = opt_int(element, tag)
    if not value or value < 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def from_timestamp(value: int) -> datetime | None:
    if value <= 0:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def attr_int(element: Element | None, name: str, default: int = 0) -> int:
    if element is None:
        return default
    try:
        return int(element.get(name, ""))
    except ValueError:
        return default


def json_value(raw: str | None) -> JsonValue:
    """Parsed JSON, or None when absent or not JSON."""
    if not raw or not raw.strip():
        return None
    try:
        value: JsonValue = json.loads(raw)
    except ValueError:
        return None
    return value


def rows(element: Element | None, path: str) -> list[Element]:
    return [] if element is None else element.findall(path)
