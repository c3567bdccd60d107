"""Cells of the CSV files the box exports (the audit log, a course's grades): a cell that a
spreadsheet would run as a formula is quoted (pure)."""

from __future__ import annotations

from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe(cell: Any) -> str:
    """A cell a spreadsheet shows as text: '=1+1' becomes "'=1+1"."""
    text = "" if cell is None else str(cell)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


class Lines:
    """A file-like object that hands back what the csv writer writes."""

    def write(self, text: str) -> str:
        return text
