"""Access hours as one pure rule: given the weekly windows and the dated exceptions that apply to
one learner and an instant, say whether the box is open to them, until when, or when it opens.

Windows and exceptions are wall-clock times of the box's time zone: "9:00–12:00" is 9:00 on
the clock on the wall, summer or winter. A day is worked out in minutes, then the instants
that bound it are found in the time zone (a time skipped when clocks go forward is reached
when they jump; a time seen twice when they go back is taken at its next occurrence).

Who decides what, most general first:

- each *scope* (the establishment, each of the learner's groups) is open during its weekly
  windows; on a date with special hours, during those instead. A window ending at or before
  its start runs past midnight (00:00–00:00 is the whole day);
- the learner may use the box when any of their scopes is open (a learner in two groups gets
  both groups' hours); a scope's closures close its own hours, the establishment's close all;
- with no weekly window anywhere, the establishment is open all day (no schedule, no limit),
  save its closures and special hours;
- the learner's own exceptions come last: extra hours open, a block closes (a block without
  an end lasts until staff lift it).

No Django here: tested with tables of cases (tests/test_access_hours.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from enum import StrEnum

DAY = 24 * 60  # minutes
ESTABLISHMENT = "establishment"
LEARNER = "learner"
UNTIL_HORIZON = 8  # days looked ahead for the end of an open period
OPENS_HORIZON = 366  # days looked ahead for the next opening

Spans = list[tuple[int, int]]  # sorted, disjoint [start, end) minutes of one day


def group_scope(group_id: int) -> str:
    return f"group:{group_id}"


class Kind(StrEnum):
    OPEN = "open"  # special hours (establishment, group) or extra hours (learner)
    CLOSED = "closed"  # a closed day or hours; for a learner, a block


@dataclass(frozen=True, slots=True)
class Window:
    scope: str
    days: frozenset[int]  # 0 Monday … 6 Sunday
    start: time
    end: time  # at or before start: runs past midnight


@dataclass(frozen=True, slots=True)
class Dated:
    """An exception from ``first`` to ``last`` (inclusive; None: until lifted), the whole day
    or, with ``start`` and ``end``, those hours of each day."""

    scope: str
    kind: Kind
    first: date
    last: date | None = None
    start: time | None = None
    end: time | None = None

    def covers(self, day: date) -> bool:
        return self.first <= day and (self.last is None or day <= self.last)


@dataclass(frozen=True, slots=True)
class Decision:
    open: bool
    until: datetime | None = None  # open: when it closes (None: not in the next days)
    opens: datetime | None = None  # closed: when it opens (None: not in the coming year)


# --- Minutes of a day --------------------------------------------------------------------------


def _minutes(value: time) -> int:
    return value.hour * 60 + value.minute


def _split(start: time | None, end: time | None) -> tuple[Spans, Spans]:
    """A span's part on its own day and the part it runs into the next day."""
    if start is None or end is None:
        return [(0, DAY)], []
    first, last = _minutes(start), _minutes(end)
    if last > first:
        return [(first, last)], []
    return [(first, DAY)], ([(0, last)] if last else [])


def _union(*groups: Iterable[tuple[int, int]]) -> Spans:
    merged: Spans = []
    for start, end in sorted(span for group in groups for span in group):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _minus(spans: Spans, cuts: Spans) -> Spans:
    kept: Spans = []
    for start, end in spans:
        pieces = [(start, end)]
        for cut_start, cut_end in cuts:
            pieces = [
                piece
                for first, last in pieces
                for piece in ((first, min(last, cut_start)), (max(first, cut_end), last))
                if piece[0] < piece[1]
            ]
        kept += pieces
    return kept


class _Plan:
    """The minutes open on each day, for one learner's windows and exceptions."""

    def __init__(self, windows: Sequence[Window], dated: Sequence[Dated]) -> None:
        self.windows = windows
        self.dated = dated
        self.restricted = bool(windows)
        scopes = {ESTABLISHMENT} | {w.scope for w in windows} | {d.scope for d in dated}
        self.scopes = sorted(scopes - {LEARNER})
        self._days: dict[date, Spans] = {}

    def _dated(self, scope: str, kind: Kind, day: date) -> list[Dated]:
        return [d for d in self.dated if d.scope == scope and d.kind == kind and d.covers(day)]

    def _hours(self, scope: str, day: date) -> tuple[Spans, Spans]:
        """A scope's hours starting on ``day``: on that day, and past its midnight."""
        special = self._dated(scope, Kind.OPEN, day)
        if special or scope == LEARNER:
            pieces = [_split(d.start, d.end) for d in special]
        elif scope == ESTABLISHMENT and not self.restricted:
            return [(0, DAY)], []
        else:
            pieces = [
                _split(w.start, w.end)
                for w in self.windows
                if w.scope == scope and day.weekday() in w.days
            ]
        return _union(*(p[0] for p in pieces)), _union(*(p[1] for p in pieces))

    def _open(self, scope: str, day: date) -> Spans:
        return _union(self._hours(scope, day)[0], self._hours(scope, day - timedelta(days=1))[1])

    def _closed(self, scope: str, day: date) -> Spans:
        today = [_split(d.start, d.end)[0] for d in self._dated(scope, Kind.CLOSED, day)]
        eve = day - timedelta(days=1)
        spill = [_split(d.start, d.end)[1] for d in self._dated(scope, Kind.CLOSED, eve)]
        return _union(*today, *spill)

    def day(self, day: date) -> Spans:
        found = self._days.get(day)
        if found is None:
            spans = _union(
                *(_minus(self._open(scope, day), self._closed(scope, day)) for scope in self.scopes)
            )
            spans = _minus(spans, self._closed(ESTABLISHMENT, day))
            spans = _union(spans, self._open(LEARNER, day))
            found = self._days[day] = _minus(spans, self._closed(LEARNER, day))
        return found


# --- Instants ------------------------------------------------------------------------------


def _wall(moment: datetime, zone: tzinfo) -> datetime:
    return moment.astimezone(zone).replace(tzinfo=None)


def instant(day: date, minute: int, zone: tzinfo, *, after: datetime) -> datetime:
    """The first instant after ``after`` when the wall clock of ``zone`` reads ``minute`` of
    ``day`` (in UTC): a time seen twice is taken at its next occurrence; a time the clocks
    skip is reached at the moment they jump."""
    wall = datetime.combine(day, time()) + timedelta(minutes=minute)
    found = []
    for fold in (0, 1):
        moment = wall.replace(tzinfo=zone, fold=fold).astimezone(UTC)
        if _wall(moment, zone) == wall:
            found.append(moment)
    if not found:  # skipped: the first second whose wall time is at or past it
        low = int(wall.replace(tzinfo=zone, fold=1).timestamp())
        high = int(wall.replace(tzinfo=zone, fold=0).timestamp())
        low, high = min(low, high), max(low, high)
        while high - low > 1:
            middle = (low + high) // 2
            if _wall(datetime.fromtimestamp(middle, UTC), zone) >= wall:
                high = middle
            else:
                low = middle
        found.append(datetime.fromtimestamp(high, UTC))
    later = sorted(moment for moment in found if moment > after)
    return later[0] if later else max(found)


def decide(
    windows: Sequence[Window], dated: Sequence[Dated], now: datetime, zone: tzinfo
) -> Decision:
    """Open or not at ``now`` (aware), and until when or from when."""
    plan = _Plan(windows, dated)
    local = now.astimezone(zone)
    today = local.date()
    minute = local.hour * 60 + local.minute
    spans = plan.day(today)
    current = next(((s, e) for s, e in spans if s <= minute < e), None)
    if current is not None:
        day, end = today, current[1]
        for _step in range(UNTIL_HORIZON):
            if end < DAY:
                return Decision(True, until=instant(day, end, zone, after=now))
            day += timedelta(days=1)
            following = plan.day(day)
            if not following or following[0][0] != 0:
                return Decision(True, until=instant(day, 0, zone, after=now))
            end = following[0][1]
        return Decision(True)
    # Later today (a start already passed comes again when clocks go back).
    later = [instant(today, start, zone, after=now) for start, _end in spans]
    later = [moment for moment in later if moment > now]
    if later:
        return Decision(False, opens=min(later))
    for ahead in range(1, OPENS_HORIZON + 1):
        day = today + timedelta(days=ahead)
        following = plan.day(day)
        if following:
            return Decision(False, opens=instant(day, following[0][0], zone, after=now))
    return Decision(False)


def days_open(
    windows: Sequence[Window], dated: Sequence[Dated], first: date, count: int = 7
) -> list[tuple[date, Spans]]:
    """The minutes open on each of ``count`` days from ``first`` (wall clock of the box), for
    a learner's own page of hours: the same rule as ``decide``, day by day."""
    plan = _Plan(windows, dated)
    return [(first + timedelta(days=n), plan.day(first + timedelta(days=n))) for n in range(count)]


def closed_days(dated: Sequence[Dated], first: date, last: date) -> list[Dated]:
    """Whole days closed (for every scope given) that meet ``first``–``last``, soonest first."""
    return sorted(
        (
            d
            for d in dated
            if d.kind == Kind.CLOSED
            and d.start is None
            and d.first <= last
            and (d.last is None or d.last >= first)
        ),
        key=lambda d: (d.first, d.scope),
    )
