"""Moodle's rules for a choice's results, as a table."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cartable.importers.model import ChoiceContent
from cartable.surveys import rules

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
PAST, FUTURE = NOW - timedelta(days=1), NOW + timedelta(days=1)


def _choice(show: int, closes: datetime | None) -> ChoiceContent:
    return ChoiceContent((), False, False, False, show, None, closes)


@pytest.mark.parametrize(
    ("show", "closes", "answered", "shown"),
    [
        (rules.RESULTS_NEVER, PAST, True, False),
        (rules.RESULTS_AFTER_ANSWER, None, False, False),
        (rules.RESULTS_AFTER_ANSWER, None, True, True),
        (rules.RESULTS_AFTER_CLOSE, None, True, False),
        (rules.RESULTS_AFTER_CLOSE, FUTURE, True, False),
        (rules.RESULTS_AFTER_CLOSE, PAST, False, True),
        (rules.RESULTS_ALWAYS, None, False, True),
    ],
)
def test_it_shows_results_as_moodle_does(show, closes, answered, shown) -> None:
    assert rules.choice_results_shown(_choice(show, closes), NOW, answered=answered) is shown


@pytest.mark.parametrize(
    ("opens", "closes", "expected"),
    [
        (None, None, "open"),
        (FUTURE, None, "not_open"),
        (None, PAST, "closed"),
        (PAST, FUTURE, "open"),
    ],
)
def test_it_tells_whether_it_is_open(opens, closes, expected) -> None:
    assert rules.state(opens, closes, NOW) == expected
