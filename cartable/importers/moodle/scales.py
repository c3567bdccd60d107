"""scales.xml: the scales a backup carries (those its activities and grade items use).

A Moodle scale is a name and a comma-separated list of items, from the lowest to the highest
("Non acquis,En cours,Acquis"); a grade on a scale is the item's position, counted from 1, as
Moodle stores it (``grade_scale::load_items``: the list split on commas, each item trimmed).
An activity graded on a scale has a negative grade: -(the scale's id).
"""

from __future__ import annotations

import re
from pathlib import Path

from cartable.importers import model
from cartable.importers.common import Text, gettext_noop
from cartable.importers.moodle import mxml
from cartable.importers.notes import Notes
from cartable.lib.html import text_of
from cartable.lib.safexml import iter_records

MAX_ITEMS = 200  # a scale is a short list; a longer one is cut (and said so)
MAX_ITEM_LENGTH = 255
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _plain(value: str, limit: int) -> str:
    """A scale's name or item as plain text: tags and control characters removed."""
    text = text_of(value) if "<" in value or "&" in value else value
    return " ".join(_CONTROL.sub("", text).split())[:limit]


def split_items(raw: str) -> tuple[str, ...]:
    """A scale's items, in Moodle's order (position 1 first)."""
    return tuple(_plain(item, MAX_ITEM_LENGTH) for item in raw.split(","))


def read(path: Path, notes: Notes) -> dict[int, model.Scale]:
    """The scales of scales.xml, by their Moodle id; none when the file is missing."""
    found: dict[int, model.Scale] = {}
    if not path.is_file():
        return found
    for record in iter_records(path, frozenset({"scales_definition/scale"})):
        element = record.element
        scale_id = mxml.attr_int(element, "id")
        items = split_items(mxml.text(element, "scale"))
        name = _plain(mxml.text(element, "name"), 255)
        if scale_id <= 0 or not any(items):
            notes.warn(
                Text(
                    gettext_noop("The scale '%(name)s' has no items: it was left out."),
                    name=name or str(scale_id),
                )
            )
            continue
        if len(items) > MAX_ITEMS:
            notes.warn(
                Text(
                    gettext_noop("The scale '%(name)s' has more than %(count)s items: cut."),
                    name=name,
                    count=MAX_ITEMS,
                )
            )
            items = items[:MAX_ITEMS]
        found[scale_id] = model.Scale(source_id=scale_id, name=name, items=items)
    return found


def scale_id_of(grade: float, grade_item_scale: int | None) -> int | None:
    """The scale an activity is graded on: its grade item's scale, else -(its grade) when
    that is negative; None: graded with points, or not graded."""
    if grade_item_scale:
        return grade_item_scale
    return int(-grade) if grade < 0 else None
