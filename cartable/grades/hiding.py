"""Grade items hidden from learners, as Moodle's gradebook hides them (``grade_item::is_hidden``,
``is_hiddenuntil``; the user report's defaults: "show hidden until only", "hide totals if they
contain hidden items").

An activity's ``grade_hidden`` is Moodle's ``grade_items.hidden``: 0 the grades are shown to
learners, 1 they are hidden, a Unix time they are hidden until then. A learner reads no grade
of a hidden item: not its value, its feedback or files, nor among "recent feedback"; an item
hidden until a date is listed among their grades without its grade, with the date; the course
total is not shown while a hidden item holds one of their grades (it would tell it). Teachers
see every grade, the item marked hidden.
"""

from __future__ import annotations

from datetime import UTC, datetime

from django.db.models import Q

SHOWN = 0
HIDDEN = 1


def is_hidden(value: int, now: datetime) -> bool:
    """Whether a learner may not read the item's grades at ``now``."""
    return value == HIDDEN or (value > HIDDEN and value > now.timestamp())


def hidden_until(value: int) -> datetime | None:
    """The date a hidden-until item shows its grades from (None: never hidden, or hidden
    without a date)."""
    if value <= HIDDEN:
        return None
    try:
        return datetime.fromtimestamp(value, tz=UTC)
    except (OverflowError, OSError, ValueError):
        return None


def _stamp(now: datetime) -> int:
    """The whole seconds of ``now``: an item hidden until ``t`` shows from second ``t`` on."""
    return int(now.timestamp())


def shown_q(now: datetime, prefix: str = "") -> Q:
    """The rows (activities, or through ``prefix`` such as "activity__" rows of grades) whose
    grade item shows its grades to learners at ``now``."""
    field = f"{prefix}grade_hidden"
    return Q(**{field: SHOWN}) | Q(**{f"{field}__gt": HIDDEN, f"{field}__lte": _stamp(now)})


def shown_sql(alias: str, now: datetime) -> tuple[str, list[int]]:
    """``shown_q`` in SQL, for the activity table under ``alias``, with its parameters."""
    column = f"{alias}.grade_hidden"
    return (f"({column} = %s OR ({column} > %s AND {column} <= %s))", [SHOWN, HIDDEN, _stamp(now)])
