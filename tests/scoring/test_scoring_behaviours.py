"""Behaviours walked through step by step as Moodle's walkthrough tests walk them: each row
is an action and the state and mark that follow."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import (
    Behaviour,
    Comment,
    Finish,
    Prepared,
    Save,
    State,
    Submit,
    TryAgain,
    applicable_hint,
    begin,
    behaviour_for,
    process,
    try_again_response,
)
from cartable.assessment.scoring.behaviours import Action
from cartable.assessment.scoring.responses import (
    ChoiceResponse,
    ChoicesResponse,
    MatchResponse,
    NumberResponse,
    TextResponse,
)
from cartable.importers import questions as q

from .make import FEEDBACK, answer, multichoice, question, ready

MC = question(
    "multichoice",
    multichoice(answer("A", 1), answer("B", -0.3333333), answer("C", -0.3333333)),
)
MC_MULTI = question(
    "multichoice",
    multichoice(answer("A", 0.5), answer("B", -1), answer("C", 0.5), answer("D", -1), single=False),
)
SA = question(
    "shortanswer",
    q.ShortAnswerData(False, (answer("frog", 1.0), answer("toad", 0.8), answer("*", 0.0))),
)
PI = question(
    "numerical",
    q.NumericalData(
        (
            q.NumericalAnswer(answer("3.14", 1.0), 0),
            q.NumericalAnswer(answer("3.142", 0.0), 0.005),
            q.NumericalAnswer(answer("3.1", 0.0), 0.05),
            q.NumericalAnswer(answer("3", 0.0), 0.5),
            q.NumericalAnswer(answer("*", 0.0), 0),
        ),
        q.UnitOptions(show_units=0),
    ),
)
RIGHT, WRONG = ChoiceResponse(0), ChoiceResponse(1)
Row = tuple[Action, State, float | None]


def walk(
    item: q.Question | Prepared, behaviour: Behaviour, max_mark: float, rows: list[Row]
) -> None:
    prepared = item if isinstance(item, Prepared) else ready(item)
    attempt = begin(behaviour, prepared, max_mark)
    assert attempt.state is State.TODO
    for number, (action, state, mark) in enumerate(rows, 1):
        attempt = process(attempt, prepared, action)
        assert attempt.state is state, f"row {number}"
        if mark is None:
            assert attempt.mark is None, f"row {number}"
        else:
            assert attempt.mark == pytest.approx(mark, abs=1e-6), f"row {number}"


P = 0.3333333


# Moodle: question/behaviour/adaptive/tests/walkthrough_test.php, one case per test
ADAPTIVE = {
    # test_adaptive_multichoice (mark out of 3)
    "multichoice": (
        MC,
        3,
        [
            (Submit(WRONG), State.TODO, 0),
            (Save(RIGHT), State.TODO, 0),
            (Submit(RIGHT), State.COMPLETE, 3 * (1 - P)),
            (Finish(), State.GRADED_RIGHT, 3 * (1 - P)),
            (Comment(1 / 3, "Not good enough!"), State.MANUAL_PARTIAL, 1),
        ],
    ),
    # test_adaptive_multichoice2 (mark out of 2; saving the same answer again changes nothing)
    "multichoice2": (
        MC_MULTI,
        2,
        [
            (Submit(ChoicesResponse((0, 2))), State.COMPLETE, 2),
            (Save(ChoicesResponse((0, 2))), State.COMPLETE, 2),
            (Finish(), State.GRADED_RIGHT, 2),
        ],
    ),
    # test_adaptive_shortanswer_partially_right
    "partially_right": (
        SA,
        1,
        [
            (Submit(TextResponse("toad")), State.TODO, 0.8),
            (Submit(TextResponse("bumblebee")), State.TODO, 0.8),
            (Submit(TextResponse("frog")), State.COMPLETE, 0.8),
            (Finish(), State.GRADED_RIGHT, 0.8),
        ],
    ),
    # test_adaptive_shortanswer_wrong_right_wrong (mark out of 6)
    "wrong_right_wrong": (
        SA,
        6,
        [
            (Submit(TextResponse("hippopotamus")), State.TODO, 0),
            (Submit(TextResponse("hippopotamus")), State.TODO, 0),
            (Submit(TextResponse("frog")), State.COMPLETE, 4),
            (Submit(TextResponse("bumblebee")), State.COMPLETE, 4),
            (Finish(), State.GRADED_WRONG, 4),
        ],
    ),
    # test_adaptive_shortanswer_invalid_after_complete
    "invalid_after_complete": (
        SA,
        1,
        [
            (Submit(TextResponse("hippopotamus")), State.TODO, 0),
            (Submit(TextResponse("frog")), State.COMPLETE, 0.6666667),
            (Submit(TextResponse("")), State.INVALID, 0.6666667),
            (Submit(TextResponse("bumblebee")), State.COMPLETE, 0.6666667),
            (Finish(), State.GRADED_WRONG, 0.6666667),
        ],
    ),
    # test_adaptive_shortanswer_try_to_submit_blank
    "submit_blank": (
        SA,
        1,
        [
            (Submit(TextResponse("")), State.INVALID, None),
            (Submit(TextResponse("toad")), State.TODO, 0.8),
            (Submit(TextResponse("")), State.INVALID, 0.8),
        ],
    ),
    # test_adaptive_numerical
    "numerical": (
        PI,
        1,
        [
            (Submit(NumberResponse("3.14")), State.COMPLETE, 1),
            (Submit(NumberResponse("-5")), State.COMPLETE, 1),
            (Finish(), State.GRADED_WRONG, 1),
        ],
    ),
}


@pytest.mark.parametrize("case", sorted(ADAPTIVE))
def test_it_walks_adaptive_as_moodle(case: str) -> None:
    item, mark, rows = ADAPTIVE[case]
    walk(item, Behaviour.ADAPTIVE, mark, rows)


def test_it_applies_no_penalty_in_adaptive_no_penalty() -> None:
    # Moodle: adaptive/tests/walkthrough_test.php test_adaptive_shortanswer_zero_penalty (a
    # question without penalty behaves as adaptivenopenalty does)
    rows: list[Row] = [
        (Submit(TextResponse("hippopotamus")), State.TODO, 0),
        (Submit(TextResponse("frog")), State.COMPLETE, 1),
        (Finish(), State.GRADED_RIGHT, 1),
    ]
    walk(SA, Behaviour.ADAPTIVE_NO_PENALTY, 1, rows)


def _with_hints(item: q.Question, *hints: q.Hint) -> q.Question:
    return question(item.qtype, item.data, hints=hints, penalty=item.penalty)


# Moodle: question/behaviour/interactive/tests/walkthrough_test.php
def test_it_walks_interactive_right_on_the_second_try() -> None:
    # test_interactive_feedback_multichoice_right
    item = _with_hints(
        MC, q.Hint("This is the first hint."), q.Hint("This is the second hint.", True, True)
    )
    prepared = ready(item)
    attempt = begin(Behaviour.INTERACTIVE, prepared, 1)
    assert attempt.tries_left == 3
    attempt = process(attempt, prepared, Save(WRONG))
    assert (attempt.state, attempt.mark) == (State.TODO, None)
    attempt = process(attempt, prepared, Submit(WRONG))
    assert (attempt.state, attempt.mark, attempt.tries_left) == (State.TODO, None, 2)
    assert attempt.try_again_pending
    hint = applicable_hint(attempt, prepared)
    assert hint is not None and hint.text == "This is the first hint."
    assert process(attempt, prepared, Submit(RIGHT)) is attempt  # only "Try again" now
    attempt = process(attempt, prepared, TryAgain())
    assert (attempt.state, attempt.try_again_pending) == (State.TODO, False)
    attempt = process(attempt, prepared, Submit(RIGHT))
    assert attempt.state is State.GRADED_RIGHT
    assert attempt.mark == pytest.approx(0.6666667)
    assert process(attempt, prepared, Finish()) is attempt
    attempt = process(attempt, prepared, Comment(0.5, "Not good enough!"))
    assert (attempt.state, attempt.mark) == (State.MANUAL_PARTIAL, 0.5)


def test_it_grades_the_last_try_when_finished_while_try_again_shows() -> None:
    # test_interactive_finish_when_try_again_showing
    item = _with_hints(MC, q.Hint("This is the first hint."))
    walk(
        item,
        Behaviour.INTERACTIVE,
        1,
        [(Submit(WRONG), State.TODO, None), (Finish(), State.GRADED_WRONG, 0)],
    )


def test_it_refuses_a_blank_check_without_using_a_try() -> None:
    # test_interactive_shortanswer_try_to_submit_blank
    item = _with_hints(SA, q.Hint("This is the first hint."), q.Hint("This is the second hint."))
    rows: list[Row] = [
        (Submit(TextResponse("")), State.INVALID, None),
        (Submit(TextResponse("newt")), State.TODO, None),
        (TryAgain(), State.TODO, None),
        (Submit(TextResponse("")), State.INVALID, None),
        (Submit(TextResponse("frog")), State.GRADED_RIGHT, 0.6666667),
    ]
    walk(item, Behaviour.INTERACTIVE, 1, rows)


def test_it_grades_the_last_try_with_every_penalty() -> None:
    item = _with_hints(MC, q.Hint("one"), q.Hint("two"))
    rows: list[Row] = [
        (Submit(WRONG), State.TODO, None),
        (TryAgain(), State.TODO, None),
        (Submit(ChoiceResponse(2)), State.TODO, None),
        (TryAgain(), State.TODO, None),
        (Submit(RIGHT), State.GRADED_RIGHT, 1 - 2 * P),
    ]
    walk(item, Behaviour.INTERACTIVE, 1, rows)


def test_it_clears_wrong_parts_and_credits_parts_right_earlier() -> None:
    # The example of question/behaviour/interactivecountback/behaviour.php: 12 marks, 4 stems.
    match = question(
        "match",
        q.MatchData(
            False,
            tuple(
                q.MatchPair(i, stem, kind)
                for i, (stem, kind) in enumerate(
                    [
                        ("Dog", "Mammal"),
                        ("Frog", "Amphibian"),
                        ("Toad", "Amphibian"),
                        ("Cat", "Mammal"),
                        ("", "Insect"),
                    ],
                    1,
                )
            ),
            FEEDBACK,
        ),
        hints=(q.Hint("first", True, True), q.Hint("second", True, False)),
        penalty=1 / 3,
    )
    prepared = ready(match)
    assert behaviour_for("interactive", prepared) is Behaviour.INTERACTIVE_COUNTBACK
    attempt = begin(Behaviour.INTERACTIVE_COUNTBACK, prepared, 12)
    first = MatchResponse((0, 1, 2, 2))
    attempt = process(attempt, prepared, Submit(first))
    assert try_again_response(attempt, prepared) == MatchResponse((0, 1, None, None))
    attempt = process(
        process(attempt, prepared, TryAgain()), prepared, Submit(MatchResponse((0, 2, 1, 2)))
    )
    attempt = process(
        process(attempt, prepared, TryAgain()), prepared, Submit(MatchResponse((0, 1, 1, 2)))
    )
    assert attempt.state is State.GRADED_PARTIAL
    assert attempt.mark == pytest.approx(6)


def test_it_grades_at_once_with_immediate_feedback() -> None:
    rows: list[Row] = [
        (Save(RIGHT), State.TODO, None),
        (Submit(ChoiceResponse(None)), State.INVALID, None),
        (Submit(WRONG), State.GRADED_WRONG, -P),
        (Submit(RIGHT), State.GRADED_WRONG, -P),
    ]
    walk(MC, Behaviour.IMMEDIATE, 1, rows)


def test_it_defers_grading_until_the_attempt_is_finished() -> None:
    rows: list[Row] = [
        (Save(WRONG), State.COMPLETE, None),
        (Save(RIGHT), State.COMPLETE, None),
        (Finish(), State.GRADED_RIGHT, 1),
        (Save(WRONG), State.GRADED_RIGHT, 1),
    ]
    walk(MC, Behaviour.DEFERRED, 1, rows)
    walk(MC, Behaviour.DEFERRED, 1, [(Finish(), State.GAVE_UP, None)])


def test_it_leaves_essays_to_a_teacher_and_descriptions_unmarked() -> None:
    essay = question("essay", q.EssayData("editor", True, 15, 0, 0, "", ""))
    prepared = ready(essay)
    assert behaviour_for("interactive", prepared) is Behaviour.MANUAL
    attempt = begin(Behaviour.MANUAL, prepared, 10)
    attempt = process(attempt, prepared, Save(prepared.parse({"answer": "<p>My essay</p>"})))
    assert attempt.state is State.COMPLETE
    attempt = process(attempt, prepared, Finish())
    assert (attempt.state, attempt.mark) == (State.NEEDS_GRADING, None)
    assert process(attempt, prepared, Comment(1.5, "too much")) is attempt
    attempt = process(attempt, prepared, Comment(0.75, "Good"))
    assert (attempt.state, attempt.mark, attempt.comment) == (State.MANUAL_PARTIAL, 7.5, "Good")

    description = ready(question("description", q.DescriptionData()))
    assert behaviour_for("deferredfeedback", description) is Behaviour.INFORMATION
    seen = process(begin(Behaviour.INFORMATION, description, 0), description, Finish())
    assert (seen.state, seen.mark) == (State.FINISHED, None)
