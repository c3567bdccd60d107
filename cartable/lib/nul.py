"""NUL characters out of values bound for the database: PostgreSQL keeps none in text or JSON
(SQLite does), so a learner's text holding one would be refused on one database only."""

from __future__ import annotations

from typing import Any


def without_nul(value: Any) -> Any:
    """``value`` (JSON-like: strings, dicts, lists, numbers) with every NUL character removed,
    keys included."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {without_nul(key): without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [without_nul(item) for item in value]
    return value
