"""Certainty-based marking: the marks of Moodle's own walkthroughs
(question/behaviour/deferredcbm/tests/walkthrough_test.php) and its score table."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import cbm

# (Moodle test, raw fraction, certainty, max mark, expected mark)
WALKTHROUGHS = [
    ("truefalse right, high certainty", 1.0, 3, 2.0, 6.0),
    ("truefalse right, low certainty", 1.0, 1, 2.0, 2.0),
    ("truefalse right, no certainty: low assumed", 1.0, None, 2.0, 2.0),
    ("multichoice wrong, medium certainty", 0.0, 2, 1.0, -2.0),
    ("multichoice right on resume, high certainty", 1.0, 3, 1.0, 3.0),
    ("not answered: gave up, no mark", None, 3, 2.0, None),
]

# (raw fraction, certainty, adjusted fraction): the score table.
TABLE = [
    (1.0, 1, 1.0),
    (1.0, 2, 2.0),
    (1.0, 3, 3.0),
    (0.0, 1, 0.0),
    (0.0, 2, -2.0),
    (0.0, 3, -6.0),
    (0.5, 2, 1.0),  # partly right: the right score times the fraction
    (0.5, 3, 1.5),
    (0.00000001, 3, -6.0),  # within Moodle's tolerance: wrong
    (1.0, 7, 1.0),  # no such certainty: low
]


@pytest.mark.parametrize(
    ("fraction", "certainty", "max_mark", "expected"),
    [case[1:] for case in WALKTHROUGHS],
    ids=[case[0] for case in WALKTHROUGHS],
)
def test_marks_of_moodles_walkthroughs(fraction, certainty, max_mark, expected) -> None:
    assert cbm.mark(fraction, certainty, max_mark) == expected


@pytest.mark.parametrize(("fraction", "certainty", "expected"), TABLE)
def test_the_score_table(fraction, certainty, expected) -> None:
    assert cbm.adjust(fraction, certainty) == pytest.approx(expected)


def test_the_bounds_are_those_of_high_certainty() -> None:
    assert (cbm.MIN_FRACTION, cbm.MAX_FRACTION) == (-6.0, 3.0)
    for fraction in (0.0, 0.25, 0.5, 1.0):
        for certainty in (1, 2, 3):
            value = cbm.adjust(fraction, certainty)
            assert value is not None and cbm.MIN_FRACTION <= value <= cbm.MAX_FRACTION


@pytest.mark.parametrize(
    ("posted", "expected"),
    [("3", 3), (" 2 ", 2), (["1", "3"], 3), ("0", None), ("4", None), ("haut", None), ("", None)],
)
def test_the_posted_certainty_is_read_or_ignored(posted, expected) -> None:
    assert cbm.certainty_of({"q2:-certainty": posted}, "q2:") == expected
    assert cbm.certainty_of({}, "q2:") is None


@pytest.mark.parametrize(
    ("certainty", "accuracy", "best"),
    [(1, 0.5, True), (1, 0.9, False), (2, 0.7, True), (3, 0.9, True), (3, 0.7, False)],
)
def test_which_certainty_was_the_best_bet(certainty, accuracy, best) -> None:
    assert cbm.optimal(certainty, accuracy) is best
