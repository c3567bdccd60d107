"""Certainty-based marking walked through as Moodle's walkthrough tests walk it
(question/behaviour/deferredcbm/tests/walkthrough_test.php and
question/behaviour/immediatecbm/tests/walkthrough_test.php): each row is an action, the
state and the mark that follow."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import (
    Behaviour,
    Comment,
    Finish,
    Save,
    State,
    Submit,
    begin,
    behaviour_for,
    cbm,
    process,
)
from cartable.assessment.scoring.behaviours import Action, max_fraction, min_fraction
from cartable.assessment.scoring.responses import (
    ChoiceResponse,
    TextResponse,
    TrueFalseResponse,
)
from cartable.importers import questions as q

from .make import answer, multichoice, question, ready

TF = question("truefalse", q.TrueFalseData(answer("True", 1.0), answer("False", 0.0)))
MC = question(
    "multichoice",
    multichoice(answer("A", 1), answer("B", -0.3333333), answer("C", -0.3333333)),
)
SA = question(
    "shortanswer",
    q.ShortAnswerData(False, (answer("frog", 1.0), answer("toad", 0.8), answer("*", 0.0))),
)
TRUE = TrueFalseResponse(True)
RIGHT, WRONG = ChoiceResponse(0), ChoiceResponse(1)
D, IM = Behaviour.DEFERRED_CBM, Behaviour.IMMEDIATE_CBM

# (action, state after, mark after, steps added)
Row = tuple[Action, State, float | None, int]

WALKTHROUGHS: dict[str, tuple[q.Question, Behaviour, float, list[Row]]] = {
    # deferredcbm: test_deferred_cbm_truefalse_high_certainty (out of 2)
    "deferred_tf_high": (
        TF,
        D,
        2,
        [
            (Save(TRUE, 3), State.COMPLETE, None, 1),
            (Save(TRUE, 3), State.COMPLETE, None, 0),  # the same again: no new step
            (Save(TRUE, 1), State.COMPLETE, None, 1),  # another certainty: a new step
            (Save(TRUE, 3), State.COMPLETE, None, 1),
            (Finish(), State.GRADED_RIGHT, 6, 1),
            (Comment(2.5, "Not good enough!"), State.MANUAL_RIGHT, 5, 1),
        ],
    ),
    # test_deferred_cbm_truefalse_low_certainty
    "deferred_tf_low": (
        TF,
        D,
        2,
        [(Save(TRUE, 1), State.COMPLETE, None, 1), (Finish(), State.GRADED_RIGHT, 2, 1)],
    ),
    # test_deferred_cbm_truefalse_default_certainty: no certainty, low assumed; the answer
    # alone is not complete
    "deferred_tf_default": (
        TF,
        D,
        2,
        [(Save(TRUE), State.TODO, None, 1), (Finish(), State.GRADED_RIGHT, 2, 1)],
    ),
    # test_deferredcbm_resume_multichoice_single, first attempt: wrong at medium certainty
    "deferred_mc_wrong_medium": (
        MC,
        D,
        1,
        [(Save(WRONG, 2), State.COMPLETE, None, 1), (Finish(), State.GRADED_WRONG, -2, 1)],
    ),
    # ... then right at high certainty
    "deferred_mc_right_high": (
        MC,
        D,
        1,
        [(Save(RIGHT, 3), State.COMPLETE, None, 1), (Finish(), State.GRADED_RIGHT, 3, 1)],
    ),
    # test_deferred_cbm_truefalse_no_certainty_feedback_when_not_answered
    "deferred_not_answered": (TF, D, 2, [(Finish(), State.GAVE_UP, None, 1)]),
    # immediatecbm: test_immediatecbm_feedback_multichoice_right
    "immediate_mc_right": (
        MC,
        IM,
        1,
        [
            (Save(WRONG, 1), State.TODO, None, 1),
            (Submit(RIGHT, 2), State.GRADED_RIGHT, 2, 1),
            (Finish(), State.GRADED_RIGHT, 2, 0),  # finishing adds no step
            (Comment(0.5, "Not good enough!"), State.MANUAL_PARTIAL, 0.5, 1),
        ],
    ),
    # test_immediatecbm_feedback_multichoice_try_to_submit_blank
    "immediate_blank": (
        MC,
        IM,
        1,
        [
            (Submit(ChoiceResponse(None)), State.INVALID, None, 1),
            (Finish(), State.GAVE_UP, None, 1),
            (Comment(0.5, "Not good enough!"), State.MANUAL_PARTIAL, 0.5, 1),
        ],
    ),
    # test_immediatecbm_feedback_shortanswer_try_to_submit_no_certainty
    "immediate_sa_no_certainty": (
        SA,
        IM,
        1,
        [
            (Submit(TextResponse("frog")), State.INVALID, None, 1),
            (Submit(TextResponse("frog"), 3), State.GRADED_RIGHT, 3, 1),
        ],
    ),
    # test_immediatecbm_feedback_multichoice_wrong_on_finish
    "immediate_mc_wrong_on_finish": (
        MC,
        IM,
        1,
        [(Save(WRONG, 3), State.TODO, None, 1), (Finish(), State.GRADED_WRONG, -6, 1)],
    ),
    # test_immediatecbm_cbm_truefalse_no_certainty_feedback_when_not_answered
    "immediate_not_answered": (TF, IM, 2, [(Finish(), State.GAVE_UP, None, 1)]),
}


@pytest.mark.parametrize("name", list(WALKTHROUGHS))
def test_walkthrough(name: str) -> None:
    item, behaviour, max_mark, rows = WALKTHROUGHS[name]
    prepared = ready(item)
    attempt = begin(behaviour, prepared, max_mark)
    assert attempt.state is State.TODO
    for number, (action, state, mark, added) in enumerate(rows, 1):
        before = len(attempt.steps)
        attempt = process(attempt, prepared, action)
        assert attempt.state is state, f"row {number}"
        assert len(attempt.steps) - before == added, f"row {number}"
        if mark is None:
            assert attempt.mark is None, f"row {number}"
        else:
            assert attempt.mark == pytest.approx(mark, abs=1e-6), f"row {number}"


def test_preferred_behaviours_run_with_certainty() -> None:
    prepared = ready(TF)
    assert behaviour_for("deferredcbm", prepared) is Behaviour.DEFERRED_CBM
    assert behaviour_for("immediatecbm", prepared) is Behaviour.IMMEDIATE_CBM


def test_the_grade_keeps_the_raw_fraction_and_the_assumed_certainty() -> None:
    prepared = ready(TF)
    attempt = begin(D, prepared, 2)
    attempt = process(attempt, prepared, Save(TRUE))
    attempt = process(attempt, prepared, Finish())
    assert attempt.raw_fraction == 1.0
    assert attempt.assumed_certainty == cbm.LOW
    assert attempt.certainty is None
    chosen = process(process(begin(D, prepared, 2), prepared, Save(TRUE, 2)), prepared, Finish())
    assert chosen.certainty == 2 and chosen.assumed_certainty is None
    assert chosen.mark == pytest.approx(4)


def test_the_last_step_certainty_counts_when_finishing() -> None:
    """Moodle takes the certainty of the last step only: a save without one after a save
    with one is graded at the low certainty assumed."""
    prepared = ready(MC)
    attempt = begin(D, prepared, 1)
    for action in (Save(RIGHT, 3), Save(WRONG), Save(RIGHT), Finish()):
        attempt = process(attempt, prepared, action)
    assert attempt.mark == pytest.approx(1)
    assert attempt.assumed_certainty == cbm.LOW


def test_a_certainty_out_of_range_is_no_certainty() -> None:
    prepared = ready(TF)
    attempt = process(begin(D, prepared, 1), prepared, Save(TRUE, 7))
    assert attempt.state is State.TODO and attempt.certainty is None


def test_other_behaviours_ignore_a_certainty() -> None:
    prepared = ready(TF)
    attempt = process(begin(Behaviour.DEFERRED, prepared, 1), prepared, Save(TRUE, 3))
    attempt = process(attempt, prepared, Save(TRUE, 1))  # the same answer: nothing new
    assert len(attempt.steps) == 2
    assert process(attempt, prepared, Finish()).mark == pytest.approx(1)


def test_bounds_of_a_teacher_grade_under_cbm() -> None:
    prepared = ready(MC)
    assert min_fraction(D, prepared) == -6
    assert max_fraction(D, prepared) == 3
    attempt = process(process(begin(D, prepared, 1), prepared, Save(RIGHT, 3)), prepared, Finish())
    assert process(attempt, prepared, Comment(3.5)) is attempt
    assert process(attempt, prepared, Comment(-6.5)) is attempt
    assert process(attempt, prepared, Comment(-6)).mark == pytest.approx(-6)


# --- The summary under the review's grade (qbehaviour_deferredcbm_type::summarise_usage) -----


def test_summary_of_an_attempt_with_an_unanswered_question() -> None:
    summary = cbm.summarise(
        [
            cbm.Marked(1, 1.0, 3, 3.0),
            cbm.Marked(1, 0.0, 2, -2.0),
            cbm.Marked(1, None, None, None),
            cbm.Marked(0, 1.0, 3, 0.0),  # worth no mark: left out
        ]
    )
    assert summary is not None
    assert summary.whole.questions == 3
    assert summary.whole.accuracy == pytest.approx(1 / 3)
    assert summary.whole.average == pytest.approx(1 / 3)
    assert summary.whole.bonus == pytest.approx(0)
    assert summary.answered is not None and summary.answered.questions == 2
    assert summary.answered.accuracy == pytest.approx(0.5)
    high, medium, low = summary.levels
    assert (high.certainty, high.responses, high.judgement) == (3, 1, "ok")
    assert (medium.responses, medium.accuracy, medium.judgement) == (
        1,
        0.0,
        "slightlyoverconfident",
    )
    assert (low.responses, low.accuracy, low.judgement) == (0, None, "none")


def test_bonus_is_negative_when_too_cautious() -> None:
    summary = cbm.summarise([cbm.Marked(2, 1.0, 1, 2.0)] * 5)
    assert summary is not None and summary.answered is None
    assert summary.whole.accuracy == pytest.approx(1)
    assert summary.whole.bonus == pytest.approx(-0.2)
    assert summary.whole.accuracy_and_bonus == pytest.approx(0.8)
    assert summary.levels[2].judgement == "underconfident"  # 5 x (1 - 2/3)^2 > 0.5


def test_no_summary_without_marked_questions() -> None:
    assert cbm.summarise([]) is None
    assert cbm.summarise([cbm.Marked(0, None, None, None)]) is None
