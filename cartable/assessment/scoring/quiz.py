"""The quiz around the questions: the attempt's pages and question order, its grade, the
learner's final grade over several attempts, overall feedback, and what the review may show
when (``mod/quiz/classes/grade_calculator.php``, ``mod/quiz/classes/question/
display_options.php``, ``quiz_start_new_attempt``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Literal

from cartable.importers.model import (
    GradingMethod,
    QuizFeedback,
    QuizReview,
    QuizSection,
    QuizSlot,
    ReviewWhen,
)

from . import seeding
from .behaviours import Behaviour, QuestionAttempt, applicable_hint
from .core import Prepared, State

# A sum of marks below this is no sum (grade_calculator::ALMOST_ZERO).
ALMOST_ZERO = 0.000005
# How long "immediately after the attempt" lasts (quiz_attempt::IMMEDIATELY_AFTER_PERIOD).
IMMEDIATELY_AFTER = timedelta(minutes=2)


# --- Pages and order -------------------------------------------------------------------------


def pages(
    slots: Sequence[QuizSlot],
    sections: Sequence[QuizSection],
    questions_per_page: int,
    seed: str,
) -> tuple[tuple[int, ...], ...]:
    """The attempt's pages, each the slot numbers it shows in order. A section that shuffles
    its questions shows them in a seeded order, ``questions_per_page`` to a page (all on one
    page when 0); the others keep the pages the quiz set. Each section starts a new page."""
    numbers = sorted(slot.slot for slot in slots)
    page_of = {slot.slot: slot.page for slot in slots}
    starts = sorted({max(1, s.first_slot) for s in sections} | {1})
    shuffle = {max(1, s.first_slot): s.shuffle_questions for s in sections}
    result: list[tuple[int, ...]] = []
    for index, first in enumerate(starts):
        end = starts[index + 1] if index + 1 < len(starts) else None
        members = [n for n in numbers if n >= first and (end is None or n < end)]
        if not members:
            continue
        if shuffle.get(first, False):
            members = list(seeding.shuffled(members, seed, "section", first))
            size = questions_per_page if questions_per_page > 0 else len(members)
            result.extend(tuple(members[i : i + size]) for i in range(0, len(members), size))
            continue
        page: list[int] = []
        for number in members:
            if page and page_of[number] != page_of[page[-1]]:
                result.append(tuple(page))
                page = []
            page.append(number)
        result.append(tuple(page))
    return tuple(result)


# Behaviours under which a question can finish before the attempt does (Moodle's
# ``can_finish_during_attempt``): only they can hold back the next question.
FINISH_DURING = frozenset(
    {
        Behaviour.IMMEDIATE,
        Behaviour.IMMEDIATE_CBM,
        Behaviour.INTERACTIVE,
        Behaviour.INTERACTIVE_COUNTBACK,
    }
)


def blocked_slots(
    slots: Sequence[QuizSlot],
    sections: Sequence[QuizSection],
    navigation: str,
    held: Mapping[int, tuple[str, str]],
) -> frozenset[int]:
    """The slots the learner may not answer yet (Moodle's "requires previous", in
    ``is_blocked_by_previous_question``): a slot asking for it, in a section that does not
    shuffle and after one that does not either, under free navigation, whose previous slot
    (``held``: slot -> (behaviour, state) of the attempt's questions) is not finished although
    its behaviour could finish it during the attempt."""
    if navigation == "sequential":
        return frozenset()
    starts = sorted((max(1, s.first_slot), s.shuffle_questions) for s in sections)

    def shuffled(number: int) -> bool:
        found = False
        for first, shuffles in starts:
            if first <= number:
                found = shuffles
        return found

    blocked = set()
    for slot in slots:
        number = slot.slot
        previous = held.get(number - 1)
        if not slot.require_previous or number <= 1 or previous is None or number not in held:
            continue
        if shuffled(number) or shuffled(number - 1):
            continue
        behaviour, state = previous
        if behaviour in FINISH_DURING and State(state).is_active:
            blocked.add(number)
    return frozenset(blocked)


# --- Grades ----------------------------------------------------------------------------------


def attempt_total(questions: Iterable[QuestionAttempt]) -> float | None:
    """The attempt's sum of marks; None while a question worth marks awaits a teacher
    (``question_usage_by_activity::get_total_mark``)."""
    total = 0.0
    for attempt in questions:
        if attempt.max_mark > 0 and attempt.state is State.NEEDS_GRADING:
            return None
        total += attempt.mark or 0.0
    return total


def rescale(total: float | None, grade: float, sum_grades: float) -> float | None:
    """A sum of marks as a grade out of the quiz's ``grade`` (``quiz_rescale_grade``)."""
    if total is None:
        return None
    if sum_grades < ALMOST_ZERO:
        return 0.0
    return total * grade / sum_grades


def final_grade(method: GradingMethod, totals: Sequence[float | None]) -> float | None:
    """The learner's grade over their finished attempts, in the order taken (highest,
    average, first or last attempt)."""
    if not totals:
        return None
    if method == "first":
        return totals[0]
    if method == "last":
        return totals[-1]
    graded = [total for total in totals if total is not None]
    if not graded:
        return None
    if method == "average":
        return sum(graded) / len(graded)
    return max(graded)


def overall_feedback(grade: float | None, bands: Sequence[QuizFeedback]) -> QuizFeedback | None:
    """The band a grade (out of the quiz's grade) falls in: from its lower bound included to
    its upper bound excluded; a negative grade counts as 0."""
    if grade is None:
        return None
    grade = max(grade, 0.0)
    return next((band for band in bands if band.min_grade <= grade < band.max_grade), None)


# --- Review ----------------------------------------------------------------------------------


class Moment(StrEnum):
    DURING = "during"
    IMMEDIATELY_AFTER = "immediately_after"
    LATER_WHILE_OPEN = "later_while_open"
    AFTER_CLOSE = "after_close"


def moment(*, finished_at: datetime | None, now: datetime, closes: datetime | None) -> Moment:
    """When an attempt is looked at, in the quiz's four moments (``quiz_attempt_state``):
    during (not finished), after the quiz closed, within two minutes of finishing, or later."""
    if finished_at is None:
        return Moment.DURING
    if closes is not None and now >= closes:
        return Moment.AFTER_CLOSE
    if now < finished_at + IMMEDIATELY_AFTER:
        return Moment.IMMEDIATELY_AFTER
    return Moment.LATER_WHILE_OPEN


Marks = Literal["hidden", "max_only", "mark_and_max"]


@dataclass(frozen=True, slots=True)
class ReviewOptions:
    attempt: bool = True
    correctness: bool = False
    marks: Marks = "hidden"
    specific_feedback: bool = False
    general_feedback: bool = False
    right_answer: bool = False
    overall_feedback: bool = False
    num_parts_correct: bool = False
    manual_comment: bool = False


def _at(when: ReviewWhen, moment: Moment) -> bool:
    return bool(getattr(when, moment.value))


def review_options(review: QuizReview, when: Moment) -> ReviewOptions:
    """What the quiz's review settings allow at a moment (``display_options::make_from_quiz``).
    Marks show with their maximum, or the maximum only, or not at all."""
    if not _at(review.max_marks, when):
        marks: Marks = "hidden"
    else:
        marks = "mark_and_max" if _at(review.marks, when) else "max_only"
    feedback = _at(review.specific_feedback, when)
    return ReviewOptions(
        attempt=_at(review.attempt, when),
        correctness=_at(review.correctness, when),
        marks=marks,
        specific_feedback=feedback,
        general_feedback=_at(review.general_feedback, when),
        right_answer=_at(review.right_answer, when),
        overall_feedback=_at(review.overall_feedback, when),
        num_parts_correct=feedback,
        manual_comment=feedback,
    )


def question_options(
    options: ReviewOptions, attempt: QuestionAttempt, question: Prepared
) -> ReviewOptions:
    """The review options as one question in its state may use them
    (``question_behaviour::adjust_display_options`` and the interactive and adaptive
    variants): nothing about correctness before the question is finished, except what an
    interactive hint or an adaptive check shows."""
    adjusted = options
    if attempt.max_mark <= 0 or question.informational:
        adjusted = replace(adjusted, correctness=False, num_parts_correct=False)
    if attempt.state.is_finished:
        partial = attempt.state in (State.GRADED_PARTIAL, State.MANUAL_PARTIAL)
        return replace(
            adjusted,
            num_parts_correct=adjusted.num_parts_correct
            and partial
            and question.feedback.show_num_correct,
        )
    hidden = replace(
        adjusted,
        correctness=False,
        specific_feedback=False,
        general_feedback=False,
        right_answer=False,
        num_parts_correct=False,
        manual_comment=False,
    )
    if attempt.behaviour in (Behaviour.INTERACTIVE, Behaviour.INTERACTIVE_COUNTBACK):
        if attempt.try_again_pending:
            hint = applicable_hint(attempt, question)
            shows = hint.show_num_correct if hint is not None else adjusted.num_parts_correct
            return replace(
                hidden, specific_feedback=adjusted.specific_feedback, num_parts_correct=shows
            )
        return hidden
    if attempt.behaviour in (Behaviour.ADAPTIVE, Behaviour.ADAPTIVE_NO_PENALTY) and attempt.tries:
        return replace(
            hidden,
            specific_feedback=adjusted.specific_feedback,
            correctness=adjusted.correctness,
            num_parts_correct=adjusted.num_parts_correct,
        )
    return hidden
