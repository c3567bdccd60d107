"""Moodle's access restrictions, evaluated for a learner: dates, completion, and the rest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cartable.learning.availability import OPEN, evaluate, has_conditions, may_hide, within

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
PAST = int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())
FUTURE = int(datetime(2027, 1, 1, tzinfo=UTC).timestamp())
MODULES = {41: 1041, 42: 1042}  # Moodle module id -> activity id on the box
DONE = {1041}


def verdict(tree):
    return evaluate(tree, now=NOW, activity_for=MODULES, completed=lambda pk: pk in DONE)


@pytest.mark.parametrize(
    ("tree", "available", "shown"),
    [
        (None, True, True),
        ({"op": "&", "c": [], "showc": []}, True, True),
        ({"op": "&", "c": [{"type": "date", "d": ">=", "t": PAST}], "showc": [True]}, True, True),
        (
            {"op": "&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [True]},
            False,
            True,
        ),
        (
            {"op": "&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [False]},
            False,
            False,
        ),
        ({"op": "&", "c": [{"type": "date", "d": "<", "t": PAST}], "showc": [True]}, False, True),
        ({"op": "&", "c": [{"type": "completion", "cm": 41, "e": 1}], "showc": [True]}, True, True),
        (
            {"op": "&", "c": [{"type": "completion", "cm": 42, "e": 1}], "showc": [True]},
            False,
            True,
        ),
        ({"op": "&", "c": [{"type": "completion", "cm": 42, "e": 0}], "showc": [True]}, True, True),
        ({"op": "&", "c": [{"type": "completion", "cm": 99, "e": 1}], "showc": [True]}, True, True),
        (
            {
                "op": "|",
                "c": [
                    {"type": "completion", "cm": 42, "e": 1},
                    {"type": "date", "d": ">=", "t": PAST},
                ],
                "show": True,
            },
            True,
            True,
        ),
        (
            {
                "op": "|",
                "c": [
                    {"type": "completion", "cm": 42, "e": 1},
                    {"type": "date", "d": ">=", "t": FUTURE},
                ],
                "show": False,
            },
            False,
            False,
        ),
        ({"op": "!&", "c": [{"type": "date", "d": ">=", "t": PAST}], "showc": [True]}, False, True),
        (
            {"op": "!&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [True]},
            True,
            True,
        ),
        (
            {
                "op": "&",
                "c": [
                    {"type": "date", "d": ">=", "t": PAST},
                    {"op": "|", "c": [{"type": "completion", "cm": 41, "e": 1}]},
                ],
                "showc": [True, True],
            },
            True,
            True,
        ),
        ({"op": "&", "c": [{"type": "group", "id": 3}], "showc": [True]}, True, True),
        ({"op": "&", "c": [{"type": "grade", "id": 7, "min": 50}], "showc": [True]}, True, True),
    ],
)
def test_it_evaluates_moodle_restrictions(tree, available: bool, shown: bool) -> None:
    result = verdict(tree)
    assert (result.available, result.shown) == (available, shown)


def test_it_says_why_an_activity_is_not_open_yet() -> None:
    result = verdict(
        {
            "op": "&",
            "c": [
                {"type": "date", "d": ">=", "t": FUTURE},
                {"type": "completion", "cm": 42, "e": 1},
            ],
            "showc": [True, True],
        }
    )
    kinds = [(reason.kind, reason.when, reason.activity_id) for reason in result.reasons]
    assert kinds == [("from", datetime(2027, 1, 1, tzinfo=UTC), None), ("completion", None, 1042)]


def test_it_ignores_malformed_rules() -> None:
    assert verdict({"op": "&", "c": ["nonsense", {"type": "date", "t": "x"}]}) == OPEN


def test_it_opens_an_activity_only_if_its_section_and_its_own_rule_allow_it() -> None:
    later = {"op": "&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [True]}
    hidden = {"op": "&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [False]}
    waiting = {"op": "&", "c": [{"type": "completion", "cm": 42, "e": 1}], "showc": [True]}
    assert within(OPEN, OPEN) == OPEN
    assert within(OPEN, verdict(later)) == verdict(later)
    for section in (verdict(later), verdict(hidden)):
        inside = within(section, verdict(waiting))
        # Closed with its section, and not listed apart from it (the section says why).
        assert (inside.available, inside.shown) == (False, False)
        assert [reason.kind for reason in inside.reasons] == ["from", "completion"]
    assert within(verdict(later), OPEN).reasons == verdict(later).reasons


@pytest.mark.parametrize(
    ("tree", "conditions", "hides"),
    [
        (None, False, False),
        ("nonsense", False, False),
        ({"op": "&", "c": [], "showc": []}, False, False),
        ({"op": "&", "c": [{"type": "date", "t": FUTURE}], "showc": [True]}, True, False),
        ({"op": "&", "c": [{"type": "date", "t": FUTURE}], "showc": [False]}, True, True),
        ({"op": "|", "c": [{"type": "date", "t": FUTURE}], "show": False}, True, True),
        ({"op": "|", "c": [{"type": "date", "t": FUTURE}], "show": True}, True, False),
        ({"op": "&", "c": [{"type": "date", "t": PAST}], "showc": [True, False]}, True, True),
    ],
)
def test_it_tells_which_rules_may_hide_what_they_hold(tree, conditions: bool, hides: bool) -> None:
    assert (has_conditions(tree), may_hide(tree)) == (conditions, hides)
