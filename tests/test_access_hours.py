"""Access hours as a pure rule (cartable/access/hours.py), by tables of cases: weekly windows,
midnight, the changes of time in Europe/Paris, overlapping windows, no schedule, a learner in
two groups, closed days, special hours and a learner's own exceptions."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cartable.access.hours import (
    ESTABLISHMENT,
    LEARNER,
    Dated,
    Decision,
    Kind,
    Window,
    decide,
    group_scope,
    instant,
)

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = frozenset(range(5))
EVERY_DAY = frozenset(range(7))
A, B = group_scope(1), group_scope(2)


def at(text: str) -> datetime:
    """A wall-clock time in Paris ("2026-01-05 10:00", a Monday), as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def window(scope: str, days: frozenset[int], start: str, end: str) -> Window:
    return Window(scope, days, time.fromisoformat(start), time.fromisoformat(end))


CLASSROOM = window(ESTABLISHMENT, WEEKDAYS, "09:00", "12:00")
CELLS = window(A, EVERY_DAY, "18:00", "22:00")


def opened(until: str | datetime | None) -> Decision:
    return Decision(True, until=at(until) if isinstance(until, str) else until)


def closed(opens: str | datetime | None) -> Decision:
    return Decision(False, opens=at(opens) if isinstance(opens, str) else opens)


# 2026-01-05 is a Monday.
WEEKLY_CASES = [
    ("no schedule: always open", [], "2026-01-05 03:00", opened(None)),
    ("in the classroom's hours", [CLASSROOM], "2026-01-05 10:00", opened("2026-01-05 12:00")),
    ("the first minute", [CLASSROOM], "2026-01-05 09:00", opened("2026-01-05 12:00")),
    ("the minute it closes", [CLASSROOM], "2026-01-05 12:00", closed("2026-01-06 09:00")),
    ("a second before it opens", [CLASSROOM], "2026-01-05 08:59:59", closed("2026-01-05 09:00")),
    ("Friday afternoon: Monday", [CLASSROOM], "2026-01-09 13:00", closed("2026-01-12 09:00")),
    ("Sunday: Monday", [CLASSROOM], "2026-01-11 23:59", closed("2026-01-12 09:00")),
    (
        "overlapping windows join",
        [CLASSROOM, window(ESTABLISHMENT, WEEKDAYS, "11:00", "14:00")],
        "2026-01-05 10:00",
        opened("2026-01-05 14:00"),
    ),
    (
        "windows end to end join",
        [CLASSROOM, window(ESTABLISHMENT, WEEKDAYS, "12:00", "13:00")],
        "2026-01-05 11:00",
        opened("2026-01-05 13:00"),
    ),
    (
        "past midnight, before it",
        [window(ESTABLISHMENT, EVERY_DAY, "22:00", "02:00")],
        "2026-01-05 23:30",
        opened("2026-01-06 02:00"),
    ),
    (
        "past midnight, after it",
        [window(ESTABLISHMENT, EVERY_DAY, "22:00", "02:00")],
        "2026-01-06 01:00",
        opened("2026-01-06 02:00"),
    ),
    (
        "past midnight, from the day before only",
        [window(ESTABLISHMENT, frozenset({0}), "22:00", "02:00")],
        "2026-01-06 01:59",
        opened("2026-01-06 02:00"),
    ),
    (
        "past midnight: not the next evening",
        [window(ESTABLISHMENT, frozenset({0}), "22:00", "02:00")],
        "2026-01-06 22:30",
        closed("2026-01-12 22:00"),
    ),
    (
        "00:00–00:00 is the whole day",
        [window(ESTABLISHMENT, frozenset({0}), "00:00", "00:00")],
        "2026-01-05 12:00",
        opened("2026-01-06 00:00"),
    ),
    (
        "until midnight then from midnight",
        [
            window(ESTABLISHMENT, frozenset({0}), "20:00", "00:00"),
            window(ESTABLISHMENT, frozenset({1}), "00:00", "06:00"),
        ],
        "2026-01-05 21:00",
        opened("2026-01-06 06:00"),
    ),
    (
        "open every minute of the week",
        [window(ESTABLISHMENT, EVERY_DAY, "00:00", "00:00")],
        "2026-01-05 21:00",
        opened(None),
    ),
    (
        "a group's hours join the establishment's",
        [CLASSROOM, CELLS],
        "2026-01-05 13:00",
        closed("2026-01-05 18:00"),
    ),
    (
        "a learner in two groups: the first's",
        [window(A, EVERY_DAY, "09:00", "12:00"), window(B, EVERY_DAY, "14:00", "17:00")],
        "2026-01-05 10:00",
        opened("2026-01-05 12:00"),
    ),
    (
        "a learner in two groups: then the second's",
        [window(A, EVERY_DAY, "09:00", "12:00"), window(B, EVERY_DAY, "14:00", "17:00")],
        "2026-01-05 12:30",
        closed("2026-01-05 14:00"),
    ),
    (
        "only a group has hours: they are the limit",
        [CELLS],
        "2026-01-05 10:00",
        closed("2026-01-05 18:00"),
    ),
]


@pytest.mark.parametrize(
    ("windows", "now", "expected"),
    [pytest.param(w, n, e, id=name) for name, w, n, e in WEEKLY_CASES],
)
def test_it_opens_during_the_weekly_windows(windows, now: str, expected: Decision) -> None:
    assert decide(windows, [], at(now), PARIS) == expected


# Clocks go forward on Sunday 29 March 2026 at 2:00 (CET, UTC+1, to CEST, UTC+2), back on
# Sunday 25 October 2026 at 3:00 (CEST to CET).
DST_CASES = [
    (
        "Saturday night to Sunday morning, over the change",
        [window(ESTABLISHMENT, EVERY_DAY, "09:00", "12:00")],
        utc("2026-03-28 22:00"),
        Decision(False, opens=utc("2026-03-29 07:00")),
    ),
    (
        "a week end over the change",
        [CLASSROOM],
        utc("2026-03-27 11:30"),
        Decision(False, opens=utc("2026-03-30 07:00")),
    ),
    (
        "a night window over the change ends at its wall time",
        [window(ESTABLISHMENT, EVERY_DAY, "22:00", "06:00")],
        utc("2026-03-28 23:00"),
        Decision(True, until=utc("2026-03-29 04:00")),
    ),
    (
        "a window ending in the skipped hour ends when clocks jump",
        [window(ESTABLISHMENT, EVERY_DAY, "01:00", "02:30")],
        utc("2026-03-29 00:30"),
        Decision(True, until=utc("2026-03-29 01:00")),
    ),
    (
        "a window starting in the skipped hour opens when clocks jump",
        [window(ESTABLISHMENT, EVERY_DAY, "02:30", "04:00")],
        utc("2026-03-29 00:30"),
        Decision(False, opens=utc("2026-03-29 01:00")),
    ),
    (
        "after the jump, inside it",
        [window(ESTABLISHMENT, EVERY_DAY, "02:30", "04:00")],
        utc("2026-03-29 01:10"),
        Decision(True, until=utc("2026-03-29 02:00")),
    ),
    (
        "autumn: the night is an hour longer",
        [window(ESTABLISHMENT, EVERY_DAY, "22:00", "06:00")],
        utc("2026-10-24 21:00"),
        Decision(True, until=utc("2026-10-25 05:00")),
    ),
    (
        "autumn: an hour seen twice, first time",
        [window(ESTABLISHMENT, EVERY_DAY, "02:00", "02:30")],
        utc("2026-10-25 00:10"),
        Decision(True, until=utc("2026-10-25 00:30")),
    ),
    (
        "autumn: between the two, it opens again",
        [window(ESTABLISHMENT, EVERY_DAY, "02:00", "02:30")],
        utc("2026-10-25 00:40"),
        Decision(False, opens=utc("2026-10-25 01:00")),
    ),
    (
        "autumn: an hour seen twice, second time",
        [window(ESTABLISHMENT, EVERY_DAY, "02:00", "02:30")],
        utc("2026-10-25 01:10"),
        Decision(True, until=utc("2026-10-25 01:30")),
    ),
    (
        "Monday after the autumn change: 9:00 is 8:00 UTC",
        [CLASSROOM],
        utc("2026-10-23 12:00"),
        Decision(False, opens=utc("2026-10-26 08:00")),
    ),
]


@pytest.mark.parametrize(
    ("windows", "now", "expected"),
    [pytest.param(w, n, e, id=name) for name, w, n, e in DST_CASES],
)
def test_it_follows_the_wall_clock_when_clocks_change(windows, now, expected) -> None:
    assert decide(windows, [], now, PARIS) == expected


def dated(scope: str, kind: Kind, first: str, last: str | None = "", start=None, end=None):
    return Dated(
        scope,
        kind,
        date.fromisoformat(first),
        None if last is None else date.fromisoformat(last or first),
        time.fromisoformat(start) if start else None,
        time.fromisoformat(end) if end else None,
    )


HOLIDAY = dated(ESTABLISHMENT, Kind.CLOSED, "2026-01-05")

EXCEPTION_CASES = [
    ("a closed day", [CLASSROOM], [HOLIDAY], "2026-01-05 10:00", closed("2026-01-06 09:00")),
    (
        "a closed day is one day",
        [CLASSROOM],
        [HOLIDAY],
        "2026-01-06 10:00",
        opened("2026-01-06 12:00"),
    ),
    (
        "closed days in a row",
        [CLASSROOM],
        [dated(ESTABLISHMENT, Kind.CLOSED, "2026-01-05", "2026-01-09")],
        "2026-01-05 10:00",
        closed("2026-01-12 09:00"),
    ),
    (
        "closed for an hour",
        [CLASSROOM],
        [dated(ESTABLISHMENT, Kind.CLOSED, "2026-01-05", start="10:00", end="11:00")],
        "2026-01-05 09:30",
        opened("2026-01-05 10:00"),
    ),
    (
        "the establishment's closed day closes the groups' hours",
        [CLASSROOM, CELLS],
        [HOLIDAY],
        "2026-01-05 19:00",
        closed("2026-01-06 09:00"),
    ),
    (
        "a group's closed day closes its own hours only",
        [CLASSROOM, CELLS],
        [dated(A, Kind.CLOSED, "2026-01-05")],
        "2026-01-05 10:00",
        opened("2026-01-05 12:00"),
    ),
    (
        "a group's closed day",
        [CLASSROOM, CELLS],
        [dated(A, Kind.CLOSED, "2026-01-05")],
        "2026-01-05 19:00",
        closed("2026-01-06 09:00"),
    ),
    (
        "special hours replace the day's windows",
        [CLASSROOM],
        [dated(ESTABLISHMENT, Kind.OPEN, "2026-01-07", start="14:00", end="16:00")],
        "2026-01-07 10:00",
        closed("2026-01-07 14:00"),
    ),
    (
        "special hours on a day without windows",
        [CLASSROOM],
        [dated(ESTABLISHMENT, Kind.OPEN, "2026-01-10", start="10:00", end="12:00")],
        "2026-01-09 13:00",
        closed("2026-01-10 10:00"),
    ),
    (
        "no schedule: a closed day still closes",
        [],
        [HOLIDAY],
        "2026-01-05 10:00",
        closed("2026-01-06 00:00"),
    ),
    (
        "no schedule: special hours limit their day",
        [],
        [dated(ESTABLISHMENT, Kind.OPEN, "2026-01-05", start="14:00", end="16:00")],
        "2026-01-05 10:00",
        closed("2026-01-05 14:00"),
    ),
    (
        "a learner's extra hours",
        [CLASSROOM],
        [dated(LEARNER, Kind.OPEN, "2026-01-05", start="14:00", end="15:00")],
        "2026-01-05 14:30",
        opened("2026-01-05 15:00"),
    ),
    (
        "a learner's extra hours on a closed day",
        [CLASSROOM],
        [HOLIDAY, dated(LEARNER, Kind.OPEN, "2026-01-05", start="09:00", end="10:00")],
        "2026-01-05 09:30",
        opened("2026-01-05 10:00"),
    ),
    (
        "a learner blocked for two days",
        [CLASSROOM],
        [dated(LEARNER, Kind.CLOSED, "2026-01-05", "2026-01-06")],
        "2026-01-05 10:00",
        closed("2026-01-07 09:00"),
    ),
    (
        "a learner blocked until lifted",
        [CLASSROOM],
        [dated(LEARNER, Kind.CLOSED, "2026-01-05", None)],
        "2026-01-05 10:00",
        closed(None),
    ),
    (
        "a block beats the learner's extra hours",
        [CLASSROOM],
        [
            dated(LEARNER, Kind.CLOSED, "2026-01-05"),
            dated(LEARNER, Kind.OPEN, "2026-01-05", start="14:00", end="15:00"),
        ],
        "2026-01-05 14:30",
        closed("2026-01-06 09:00"),
    ),
    (
        "an exception over: the weekly windows again",
        [CLASSROOM],
        [dated(LEARNER, Kind.CLOSED, "2025-12-01", "2025-12-31")],
        "2026-01-05 10:00",
        opened("2026-01-05 12:00"),
    ),
    (
        "closed hours past midnight close the next morning",
        [window(ESTABLISHMENT, EVERY_DAY, "00:00", "00:00")],
        [dated(ESTABLISHMENT, Kind.CLOSED, "2026-01-05", start="22:00", end="06:00")],
        "2026-01-06 05:00",
        closed("2026-01-06 06:00"),
    ),
]


@pytest.mark.parametrize(
    ("windows", "exceptions", "now", "expected"),
    [pytest.param(w, x, n, e, id=name) for name, w, x, n, e in EXCEPTION_CASES],
)
def test_it_applies_exceptions_most_specific_last(windows, exceptions, now, expected) -> None:
    assert decide(windows, exceptions, at(now), PARIS) == expected


@pytest.mark.parametrize(
    ("day", "minute", "after", "expected"),
    [
        ("2026-01-05", 9 * 60, "2026-01-05 00:00", "2026-01-05 08:00"),
        ("2026-03-29", 150, "2026-03-29 00:00", "2026-03-29 01:00"),  # skipped 2:30
        ("2026-10-25", 150, "2026-10-24 12:00", "2026-10-25 00:30"),  # 2:30, first time
        ("2026-10-25", 150, "2026-10-25 00:30", "2026-10-25 01:30"),  # 2:30, second time
    ],
)
def test_it_finds_the_instant_of_a_wall_clock_time(day, minute, after, expected) -> None:
    assert instant(date.fromisoformat(day), minute, PARIS, after=utc(after)) == utc(expected)


def test_the_rule_imports_no_django() -> None:
    import ast
    from pathlib import Path

    import cartable.access.hours as module

    tree = ast.parse(Path(module.__file__).read_text(encoding="utf-8"))
    names = [
        name
        for node in ast.walk(tree)
        for name in (
            [node.module or ""]
            if isinstance(node, ast.ImportFrom)
            else [alias.name for alias in node.names]
            if isinstance(node, ast.Import)
            else []
        )
    ]
    assert names
    assert not [name for name in names if name.split(".")[0] in ("django", "cartable")]
