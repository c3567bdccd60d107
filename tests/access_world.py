"""Helpers for the access tests: access hours made in a few words, and the box's clock moved."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from cartable.access import gate
from cartable.access.models import Rule

PARIS = ZoneInfo("Europe/Paris")
WEEKDAYS = 0b0011111  # Monday to Friday


def paris(text: str) -> datetime:
    """A wall-clock time in Paris ("2026-01-05 10:00" is a Monday), as an aware instant."""
    return datetime.fromisoformat(text).replace(tzinfo=PARIS)


def move_clock(monkeypatch: pytest.MonkeyPatch, text: str) -> datetime:
    moment = paris(text)
    monkeypatch.setattr(gate, "now", lambda: moment)
    return moment


def weekly(establishment, start: str, end: str, *, days: int = WEEKDAYS, cohort=None) -> Rule:
    return Rule.objects.create(
        establishment=establishment,
        cohort=cohort,
        kind=Rule.Kind.WEEKLY,
        days=days,
        start=time.fromisoformat(start),
        end=time.fromisoformat(end),
    )


def dated(establishment, kind: str, first: str, last: str | None = "", **scope) -> Rule:
    return Rule.objects.create(
        establishment=establishment,
        kind=kind,
        first_day=date.fromisoformat(first),
        last_day=None if last is None else date.fromisoformat(last or first),
        **scope,
    )
