"""Certainty-based marking (Moodle's ``question_cbm``, behaviours deferredcbm and
immediatecbm): the learner says how sure they are (1 low, 2 medium, 3 high) and the fraction
is rescaled: right answers earn 1, 2 or 3 times their fraction, wrong ones (a fraction of 0,
within Moodle's tolerance) cost 0, 2 or 6. Without a certainty, low is assumed. Pure.

The score table, the certainty's reading from a form, and the summary a review shows under
the attempt's grade (``qbehaviour_deferredcbm_type::summarise_usage``: average CBM mark,
accuracy, CBM bonus, and per certainty how well the learner judged). The behaviours are in
``behaviours``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "HIGH",
    "LOW",
    "MAX_FRACTION",
    "MED",
    "MIN_FRACTION",
    "Marked",
    "Summary",
    "adjust",
    "bonus",
    "certainty_of",
    "mark",
    "optimal",
    "summarise",
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


# --- The summary under a review's grade ------------------------------------------------------

Judgement = Literal[
    "none",
    "ok",
    "overconfident",
    "slightlyoverconfident",
    "underconfident",
    "slightlyunderconfident",
]


@dataclass(frozen=True, slots=True)
class Marked:
    """One question of an attempt under certainty-based marking: its mark out of
    ``max_mark``, its grade before the certainty (None: never graded) and the learner's last
    certainty."""

    max_mark: float
    raw_fraction: float | None
    certainty: int | None
    mark: float | None


@dataclass(frozen=True, slots=True)
class Totals:
    questions: int
    average: float  # average CBM mark, per unit of mark
    accuracy: float  # 0..1
    bonus: float
    accuracy_and_bonus: float


@dataclass(frozen=True, slots=True)
class Level:
    certainty: int
    responses: int
    accuracy: float | None
    low: float
    high: float
    judgement: Judgement


@dataclass(frozen=True, slots=True)
class Summary:
    whole: Totals
    answered: Totals | None  # only when some questions were not answered, and some were
    levels: tuple[Level, ...]  # high, medium, low as Moodle lists them


def bonus(average: float, accuracy: float) -> float:
    """The CBM bonus: a tenth of how far the average CBM mark is above what the best
    certainty would earn for that accuracy (Moodle's ``calculate_bonus``)."""
    expected = max(
        accuracy * RIGHT_SCORE[level] + (1 - accuracy) * WRONG_SCORE[level] for level in CERTAINTIES
    )
    return 0.1 * (average - expected)


def _totals(count: int, weight: float, raw: float, marks: float) -> Totals:
    accuracy = raw / weight if weight else 0.0
    average = marks / weight if weight else 0.0
    extra = bonus(average, accuracy)
    return Totals(count, average, accuracy, extra, accuracy + extra)


def _judgement(accuracy: float, low: float, high: float, count: int) -> Judgement:
    if accuracy < low - 0.0000005:
        return "overconfident" if (accuracy - low) ** 2 * count > 0.5 else "slightlyoverconfident"
    if accuracy > high + 0.0000005:
        return (
            "underconfident" if (accuracy - high) ** 2 * count > 0.5 else "slightlyunderconfident"
        )
    return "ok"


def summarise(questions: Iterable[Marked]) -> Summary | None:
    """The summary of an attempt's questions under certainty-based marking (questions worth
    no mark left out); None when there are none."""
    unanswered, unanswered_weight = 0, 0.0
    count = dict.fromkeys(CERTAINTIES, 0)
    weight = dict.fromkeys(CERTAINTIES, 0.0)
    raw = dict.fromkeys(CERTAINTIES, 0.0)
    marks = dict.fromkeys(CERTAINTIES, 0.0)
    seen = 0
    for item in questions:
        if item.max_mark < 0.0000005:
            continue
        seen += 1
        if item.raw_fraction is None:
            unanswered += 1
            unanswered_weight += item.max_mark
            continue
        level = item.certainty if item.certainty in CERTAINTIES else LOW
        count[level] += 1
        weight[level] += item.max_mark
        raw[level] += item.max_mark * item.raw_fraction
        marks[level] += item.mark or 0.0
    if not seen:
        return None
    answered = sum(count.values())
    whole = _totals(
        unanswered + answered,
        unanswered_weight + sum(weight.values()),
        sum(raw.values()),
        sum(marks.values()),
    )
    only = (
        _totals(answered, sum(weight.values()), sum(raw.values()), sum(marks.values()))
        if unanswered and answered
        else None
    )
    levels = []
    for level in (HIGH, MED, LOW):
        low, high = LOW_LIMIT[level], HIGH_LIMIT[level]
        if not count[level]:
            levels.append(Level(level, 0, None, low, high, "none"))
            continue
        accuracy = raw[level] / weight[level]
        levels.append(
            Level(
                level,
                count[level],
                accuracy,
                low,
                high,
                _judgement(accuracy, low, high, count[level]),
            )
        )
    return Summary(whole, only, tuple(levels))
