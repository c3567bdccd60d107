"""Certainty-based marking (Moodle's ``question_cbm``, behaviours deferredcbm and
immediatecbm): the learner says how sure they are (1 low, 2 medium, 3 high) and the fraction
is rescaled: right answers earn 1, 2 or 3 times their fraction, wrong ones (a fraction of 0,
within Moodle's tolerance) cost 0, 2 or 6. Without a certainty, low is assumed. Pure.

What is built here is the score table and its reading; the behaviours that ask for the
certainty on the page are not wired to it yet.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "HIGH",
    "LOW",
    "MAX_FRACTION",
    "MED",
    "MIN_FRACTION",
    "adjust",
    "certainty_of",
    "mark",
    "optimal",
]

LOW, MED, HIGH = 1, 2, 3
CERTAINTIES = (LOW, MED, HIGH)
RIGHT_SCORE = {LOW: 1.0, MED: 2.0, HIGH: 3.0}
WRONG_SCORE = {LOW: 0.0, MED: -2.0, HIGH: -6.0}
# The probabilities of being right for which each certainty is the best bet.
LOW_LIMIT = {LOW: 0.0, MED: 2 / 3, HIGH: 0.8}
HIGH_LIMIT = {LOW: 2 / 3, MED: 0.8, HIGH: 1.0}
MARK_TOLERANCE = 0.00000005
MIN_FRACTION = WRONG_SCORE[HIGH]
MAX_FRACTION = RIGHT_SCORE[HIGH]


def adjust(fraction: float | None, certainty: int | None) -> float | None:
    """The fraction with its certainty (None: low, as Moodle assumes); None stays None (not
    answered: no mark)."""
    if fraction is None:
        return None
    level = certainty if certainty in CERTAINTIES else LOW
    if fraction <= MARK_TOLERANCE:
        return WRONG_SCORE[level]
    return RIGHT_SCORE[level] * fraction


def mark(fraction: float | None, certainty: int | None, max_mark: float) -> float | None:
    """The question's mark under certainty-based marking."""
    adjusted = adjust(fraction, certainty)
    return None if adjusted is None else adjusted * max_mark


def certainty_of(form: Mapping[str, object], prefix: str) -> int | None:
    """The certainty posted for a question (``<prefix>-certainty``), or None."""
    value = form.get(f"{prefix}-certainty")
    if isinstance(value, list):
        value = value[-1] if value else None
    if isinstance(value, str) and value.strip() in ("1", "2", "3"):
        return int(value.strip())
    return None


def optimal(certainty: int, accuracy: float) -> bool:
    """Whether ``certainty`` was the best bet for a learner right ``accuracy`` of the time
    (Moodle's feedback on the certainties chosen)."""
    level = certainty if certainty in CERTAINTIES else LOW
    return LOW_LIMIT[level] <= accuracy <= HIGH_LIMIT[level]
