"""The quiz around the questions: pages, grades, grading methods, overall feedback, review
options, and random questions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cartable.assessment.scoring import (
    Behaviour,
    Comment,
    Finish,
    Save,
    State,
    begin,
    draw,
    process,
)
from cartable.assessment.scoring.quiz import (
    Moment,
    ReviewOptions,
    attempt_total,
    final_grade,
    moment,
    overall_feedback,
    pages,
    question_options,
    rescale,
    review_options,
)
from cartable.assessment.scoring.responses import ChoiceResponse, EssayResponse
from cartable.importers import model
from cartable.importers import questions as q
from cartable.importers.moodle.quiz import review_when

from .make import answer, multichoice, question, ready

MC = question("multichoice", multichoice(answer("A", 1), answer("B", 0)))
ESSAY = question("essay", q.EssayData("editor", True, 15, 0, 0, "", ""))


def _slots(*pages_of: int) -> tuple[model.QuizSlot, ...]:
    return tuple(
        model.QuizSlot(slot=i, page=p, max_mark=1.0, question_id=i)
        for i, p in enumerate(pages_of, 1)
    )


def test_it_keeps_the_quiz_pages_of_sections_that_do_not_shuffle() -> None:
    sections = (model.QuizSection(1, "", False), model.QuizSection(4, "Part 2", False))
    assert pages(_slots(1, 1, 2, 3, 3), sections, 0, "seed") == ((1, 2), (3,), (4, 5))


def test_it_shuffles_sections_that_shuffle_the_same_way_on_every_resume() -> None:
    sections = (model.QuizSection(1, "", True), model.QuizSection(6, "", False))
    layout = pages(_slots(1, 1, 1, 1, 1, 2), sections, 2, "attempt-7")
    assert layout == pages(_slots(1, 1, 1, 1, 1, 2), sections, 2, "attempt-7")
    assert [len(page) for page in layout] == [2, 2, 1, 1]
    assert sorted(n for page in layout[:3] for n in page) == [1, 2, 3, 4, 5]
    assert layout[3] == (6,)
    orders = {pages(_slots(1, 1, 1, 1, 1, 2), sections, 2, f"attempt-{i}") for i in range(20)}
    assert len(orders) > 1


def test_it_sums_marks_and_waits_for_the_teacher() -> None:
    choice, essay = ready(MC), ready(ESSAY)
    right = process(
        process(begin(Behaviour.DEFERRED, choice, 2), choice, Save(ChoiceResponse(0))),
        choice,
        Finish(),
    )
    written = process(
        process(begin(Behaviour.MANUAL, essay, 3), essay, Save(EssayResponse("An essay"))),
        essay,
        Finish(),
    )
    assert written.state is State.NEEDS_GRADING
    assert attempt_total([right, written]) is None
    graded = process(written, essay, Comment(0.5))
    assert attempt_total([right, graded]) == 3.5
    assert rescale(3.5, 10, 5) == 7
    assert rescale(3.5, 10, 0) == 0
    assert rescale(None, 10, 5) is None


# Moodle: mod/quiz/classes/grade_calculator.php compute_final_grade_from_attempts
@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", 8.0), ("average", 6.0), ("first", 4.0), ("last", 6.0)],
)
def test_it_combines_attempts_by_the_grading_method(
    method: model.GradingMethod, expected: float
) -> None:
    assert final_grade(method, [4.0, 8.0, 6.0]) == expected


def test_it_skips_ungraded_attempts_in_averages() -> None:
    assert final_grade("average", [4.0, None, 8.0]) == 6
    assert final_grade("highest", [None]) is None
    assert final_grade("first", [None, 5.0]) is None
    assert final_grade("last", []) is None


def test_it_picks_the_overall_feedback_band() -> None:
    bands = (
        model.QuizFeedback("Excellent", 8.0, 11.0),
        model.QuizFeedback("Good", 5.0, 8.0),
        model.QuizFeedback("Keep going", 0.0, 5.0),
    )
    assert overall_feedback(8.0, bands) == bands[0]
    assert overall_feedback(7.99, bands) == bands[1]
    assert overall_feedback(-1.0, bands) == bands[2]
    assert overall_feedback(None, bands) is None


def test_it_tells_the_moment_of_a_review() -> None:
    done = datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
    assert moment(finished_at=None, now=done, closes=None) is Moment.DURING
    assert (
        moment(finished_at=done, now=done + timedelta(seconds=119), closes=None)
        is Moment.IMMEDIATELY_AFTER
    )
    assert (
        moment(finished_at=done, now=done + timedelta(minutes=2), closes=None)
        is Moment.LATER_WHILE_OPEN
    )
    assert (
        moment(finished_at=done, now=done + timedelta(seconds=5), closes=done) is Moment.AFTER_CLOSE
    )


def _review(**masks: int) -> model.QuizReview:
    fields = (
        "attempt",
        "correctness",
        "marks",
        "max_marks",
        "specific_feedback",
        "general_feedback",
        "right_answer",
        "overall_feedback",
    )
    return model.QuizReview(**{name: review_when(masks.get(name, 0)) for name in fields})


def test_it_reads_the_review_settings_at_each_moment() -> None:
    # mod/quiz/classes/question/display_options.php: the bits 0x10000 during, 0x01000
    # immediately after, 0x00100 later while open, 0x00010 after close
    review = _review(
        attempt=0x11110,
        marks=0x00110,
        max_marks=0x01110,
        right_answer=0x00010,
        specific_feedback=0x11000,
    )
    during = review_options(review, Moment.DURING)
    assert (during.attempt, during.marks, during.right_answer, during.specific_feedback) == (
        True,
        "hidden",
        False,
        True,
    )
    after = review_options(review, Moment.IMMEDIATELY_AFTER)
    assert (after.marks, after.specific_feedback) == ("max_only", True)
    later = review_options(review, Moment.LATER_WHILE_OPEN)
    assert (later.marks, later.right_answer, later.specific_feedback) == (
        "mark_and_max",
        False,
        False,
    )
    closed = review_options(review, Moment.AFTER_CLOSE)
    assert (closed.marks, closed.right_answer) == ("mark_and_max", True)


def test_it_hides_feedback_of_unfinished_questions() -> None:
    everything = ReviewOptions(True, True, "mark_and_max", True, True, True, True, True, True)
    choice = ready(MC)
    attempt = process(begin(Behaviour.DEFERRED, choice, 1), choice, Save(ChoiceResponse(1)))
    shown = question_options(everything, attempt, choice)
    assert (shown.correctness, shown.specific_feedback, shown.right_answer) == (False, False, False)
    finished = process(attempt, choice, Finish())
    assert question_options(everything, finished, choice).specific_feedback


def _category(source_id: int, parent: int | None) -> q.QuestionCategory:
    return q.QuestionCategory(source_id, f"c{source_id}", "", parent, "course", 1)


def test_it_draws_random_questions_from_the_category_and_below() -> None:
    top, child, other = _category(1, None), _category(2, 1), _category(3, None)
    kept = [
        question("shortanswer", q.ShortAnswerData(False, ()), category_id=c, source_id=10 + i)
        for i, c in enumerate((1, 2, 2))
    ]
    left_out = [
        question("shortanswer", q.ShortAnswerData(False, ()), category_id=3, source_id=20),
        question(
            "shortanswer",
            q.ShortAnswerData(False, ()),
            category_id=1,
            source_id=21,
            status="hidden",
        ),
        question("description", q.DescriptionData(), category_id=1, source_id=22),
        question(
            "shortanswer", q.ShortAnswerData(False, ()), category_id=1, source_id=23, parent_id=99
        ),
        question(
            "shortanswer",
            q.ShortAnswerData(False, ()),
            category_id=1,
            source_id=24,
            bank_entry_id=5,
            version=1,
        ),
    ]
    newer = question(
        "shortanswer",
        q.ShortAnswerData(False, ()),
        category_id=1,
        source_id=25,
        bank_entry_id=5,
        version=2,
    )
    bank = q.QuestionBank((top, child, other), (*kept, *left_out, newer))
    drawn = {draw(bank, 1, True, seed=f"s{i}").source_id for i in range(60)}  # type: ignore[union-attr]
    assert drawn == {10, 11, 12, 25}
    only_top = {draw(bank, 1, False, seed=f"s{i}").source_id for i in range(40)}  # type: ignore[union-attr]
    assert only_top == {10, 25}
    assert draw(bank, 1, False, used={10, 25}, seed="s") is None
    assert draw(bank, 1, True, seed="same") == draw(bank, 1, True, seed="same")
    least = draw(bank, 1, True, previous_uses={10: 2, 11: 1, 12: 1, 25: 3}, used={12}, seed="s")
    assert least is not None and least.source_id == 11
