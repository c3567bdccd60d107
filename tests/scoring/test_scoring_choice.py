"""Multiple choice and true/false graded as Moodle's own unit tests expect."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import State
from cartable.assessment.scoring.responses import ChoiceResponse, ChoicesResponse, TrueFalseResponse
from cartable.importers import questions as q

from .make import answer, multichoice, question, ready

# Moodle: question/engine/tests/helpers.php make_a_multichoice_single_question
SINGLE = question(
    "multichoice",
    multichoice(answer("A", 1, "A is right"), answer("B", -0.3333333), answer("C", -0.3333333)),
)
# Moodle: helpers.php make_a_multichoice_multi_question
MULTI = question(
    "multichoice",
    multichoice(answer("A", 0.5), answer("B", -1), answer("C", 0.5), answer("D", -1), single=False),
)
LETTERS = "ABCD"


# Moodle: question/type/multichoice/tests/question_single_test.php test_grading
@pytest.mark.parametrize(
    ("letter", "fraction", "state"),
    [
        ("A", 1, State.GRADED_RIGHT),
        ("B", -0.3333333, State.GRADED_WRONG),
        ("C", -0.3333333, State.GRADED_WRONG),
    ],
)
def test_it_grades_one_answer_with_negative_fractions(
    letter: str, fraction: float, state: State
) -> None:
    grade = ready(SINGLE).grade(ChoiceResponse(LETTERS.index(letter)))
    assert grade.fraction == pytest.approx(fraction)
    assert grade.state is state


# Moodle: question/type/multichoice/tests/question_multi_test.php test_grading
@pytest.mark.parametrize(
    ("ticked", "fraction", "state"),
    [
        ("AC", 1, State.GRADED_RIGHT),
        ("A", 0.5, State.GRADED_PARTIAL),
        ("ABC", 0, State.GRADED_WRONG),
        ("B", 0, State.GRADED_WRONG),
    ],
)
def test_it_grades_several_answers_clamped_to_zero_one(
    ticked: str, fraction: float, state: State
) -> None:
    grade = ready(MULTI).grade(ChoicesResponse(tuple(LETTERS.index(c) for c in ticked)))
    assert grade.fraction == pytest.approx(fraction)
    assert grade.state is state


def test_it_sums_three_thirds_to_full_marks() -> None:
    # Moodle: question_single_test.php test_grading_rounding_three_right
    odd = question(
        "multichoice",
        multichoice(
            *(answer(str(n), 0.3333333 if n % 2 else -1) for n in range(1, 7)), single=False
        ),
    )
    grade = ready(odd).grade(ChoicesResponse((0, 2, 4)))
    assert grade.fraction == pytest.approx(1, abs=1e-6)
    assert grade.state is State.GRADED_RIGHT


# Moodle: question_single_test.php test_is_complete_response (the form as posted)
@pytest.mark.parametrize(
    ("form", "complete"),
    [({}, False), ({"answer": "0"}, True), ({"answer": "2"}, True), ({"answer": "-1"}, False)],
)
def test_it_knows_when_one_answer_is_chosen(form: dict[str, str], complete: bool) -> None:
    prepared = ready(SINGLE)
    assert prepared.is_complete(prepared.parse(form)) is complete


# Moodle: question_multi_test.php test_is_complete_response
@pytest.mark.parametrize(
    ("form", "complete"),
    [
        ({}, False),
        ({"choice0": "0", "choice1": "0", "choice2": "0", "choice3": "0"}, False),
        ({"choice1": "1"}, True),
        ({"choice0": "1", "choice1": "1", "choice2": "1", "choice3": "1"}, True),
    ],
)
def test_it_knows_when_several_answers_are_ticked(form: dict[str, str], complete: bool) -> None:
    prepared = ready(MULTI)
    assert prepared.is_complete(prepared.parse(form)) is complete


def test_it_reads_positions_through_the_shuffle_and_shows_the_chosen_answer_feedback() -> None:
    prepared = ready(SINGLE, shuffle=True, seed="s")
    position = prepared.form_data(ChoiceResponse(0))["answer"]
    response = prepared.parse({"answer": position})
    grade = prepared.grade(response)
    assert response == ChoiceResponse(0)
    assert grade.answers == (SINGLE.data.answers[0].source_id,)  # type: ignore[union-attr]
    assert grade.combined == "correct"


def test_it_gives_the_reason_moodle_gives() -> None:
    prepared = ready(MULTI)
    (problem,) = prepared.problems(prepared.parse({"choice0": "0"}))
    assert problem.message == "Please select at least one answer."


def test_it_clears_wrong_choices_and_counts_right_ones() -> None:
    prepared = ready(MULTI)
    response = ChoicesResponse((0, 1))
    assert prepared.clear_wrong(response) == ChoicesResponse((0,))
    assert prepared.parts_right(response) == (1, 4)
    assert prepared.correct() == ChoicesResponse((0, 2))


# Moodle: question/type/truefalse/tests/question_test.php test_grading, test_is_complete_response
@pytest.mark.parametrize(
    ("form", "fraction", "complete"),
    [({"answer": "0"}, 0, True), ({"answer": "1"}, 1, True), ({}, 0, False)],
)
def test_it_grades_true_false(form: dict[str, str], fraction: float, complete: bool) -> None:
    data = q.TrueFalseData(answer("True", 1, "yes"), answer("False", 0, "no"))
    prepared = ready(question("truefalse", data))
    response = prepared.parse(form)
    assert prepared.grade(response).fraction == fraction
    assert prepared.is_complete(response) is complete
    assert prepared.correct() == TrueFalseResponse(True)
