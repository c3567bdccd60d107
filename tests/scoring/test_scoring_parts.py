"""Questions graded by parts: matching, random short-answer matching, gaps, drag and drop
onto an image, markers, and cloze; each table from Moodle's own unit tests."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import StartContext, State, prepare, start
from cartable.assessment.scoring.layouts import DrawnMatchLayout
from cartable.assessment.scoring.responses import (
    ChoiceResponse,
    ClozeResponse,
    GapResponse,
    MarkerDrops,
    MarkerResponse,
    MatchResponse,
    Point,
    TextResponse,
)
from cartable.importers import questions as q

from .make import FEEDBACK, answer, multichoice, question, ready

# Moodle: question/engine/tests/helpers.php make_a_matching_question (Dog, Frog, Toad, Cat
# -> Mammal, Amphibian, Insect)
MATCH = question(
    "match",
    q.MatchData(
        True,
        (
            q.MatchPair(1, "Dog", "Mammal"),
            q.MatchPair(2, "Frog", "Amphibian"),
            q.MatchPair(3, "Toad", "Amphibian"),
            q.MatchPair(4, "Cat", "Mammal"),
            q.MatchPair(5, "", "Insect"),
        ),
        FEEDBACK,
    ),
)
MAMMAL, AMPHIBIAN, INSECT = 0, 1, 2


# Moodle: question/type/match/tests/question_test.php test_grading
@pytest.mark.parametrize(
    ("chosen", "fraction", "state"),
    [
        ((MAMMAL, AMPHIBIAN, AMPHIBIAN, MAMMAL), 1, State.GRADED_RIGHT),
        ((MAMMAL, None, None, None), 0.25, State.GRADED_PARTIAL),
        ((AMPHIBIAN, INSECT, MAMMAL, AMPHIBIAN), 0, State.GRADED_WRONG),
    ],
)
def test_it_grades_matching(chosen: tuple[int | None, ...], fraction: float, state: State) -> None:
    grade = ready(MATCH, shuffle=True).grade(MatchResponse(chosen))
    assert (grade.fraction, grade.state) == (fraction, state)
    assert [part.fraction for part in grade.parts] == [
        float(c == r) for c, r in zip(chosen, (0, 1, 1, 0), strict=True)
    ]


# Moodle: match/tests/question_test.php test_is_complete_response, test_is_gradable_response
@pytest.mark.parametrize(
    ("form", "complete", "gradable"),
    [
        ({}, False, False),
        ({"sub0": "1", "sub1": "1", "sub2": "1", "sub3": "0"}, False, True),
        ({"sub1": "1"}, False, True),
        ({"sub0": "1", "sub1": "1", "sub2": "1", "sub3": "1"}, True, True),
        ({"sub0": "0", "sub1": "0", "sub2": "0", "sub3": "0"}, False, False),
    ],
)
def test_it_knows_a_matching_is_complete(
    form: dict[str, str], complete: bool, gradable: bool
) -> None:
    prepared = ready(MATCH, shuffle=True)
    response = prepared.parse(form)
    assert prepared.is_complete(response) is complete
    assert prepared.is_gradable(response) is gradable


def test_it_credits_stems_right_on_earlier_tries() -> None:
    # The example of question/behaviour/interactivecountback/behaviour.php: 4 stems, 3 tries.
    prepared = ready(MATCH)
    tries = [
        MatchResponse((MAMMAL, AMPHIBIAN, INSECT, INSECT)),
        MatchResponse((MAMMAL, INSECT, AMPHIBIAN, INSECT)),
        MatchResponse((MAMMAL, AMPHIBIAN, AMPHIBIAN, INSECT)),
    ]
    assert prepared.final_grade(tries, 1 / 3) == pytest.approx((1 + 1 / 3 + 2 / 3 + 0) / 4)


def _sa(text: str, *answers: q.Answer, category: int = 1) -> q.Question:
    return question(
        "shortanswer", q.ShortAnswerData(False, answers), text=text, category_id=category
    )


def test_it_draws_short_answers_for_random_matching() -> None:
    # Moodle: question/type/randomsamatch/tests/helper.php make_randomsamatch_question_animals
    # and question_test.php test_grading
    bank_questions = (
        _sa("Dog", answer("Mammal", 1), answer("Animal", 0.5), answer("*", 0)),
        _sa("Frog", answer("Amphibian", 1), answer("A Prince", 1), answer("*", 0)),
        _sa("Toad", answer("Amphibian", 1), answer("*", 0)),
        _sa("Cat", answer("Mammal", 1)),
        _sa("Elsewhere", answer("Bird", 1), category=2),
    )
    item = question("randomsamatch", q.RandomShortAnswerMatchData(4, False, True, FEEDBACK))
    bank = q.QuestionBank((), (*bank_questions, item))
    layout = start(item, StartContext(seed="s", bank=bank))
    assert isinstance(layout, DrawnMatchLayout)
    assert sorted(stem.text for stem in layout.stems) == ["Cat", "Dog", "Frog", "Toad"]
    assert sorted(layout.choices) == ["Amphibian", "Mammal"]
    prepared = prepare(item, layout)
    right = prepared.correct()
    assert isinstance(right, MatchResponse)
    assert prepared.grade(right).fraction == 1
    first_only = MatchResponse((right.choices[0], None, None, None))
    assert prepared.grade(first_only).fraction == 0.25
    wrong = MatchResponse(tuple(1 - c if c is not None else None for c in right.choices))
    assert prepared.grade(wrong).fraction == 0
    assert start(item, StartContext(seed="s", bank=bank)) == layout


# Moodle: question/type/gapselect/tests/helper.php make_a_gapselect_question
GAPSELECT = question(
    "gapselect",
    q.GapData(
        True,
        (
            q.GapChoice("quick", 1),
            q.GapChoice("fox", 2),
            q.GapChoice("lazy", 3),
            q.GapChoice("slow", 1),
            q.GapChoice("dog", 2),
            q.GapChoice("assiduous", 3),
        ),
        FEEDBACK,
    ),
    text="The [[1]] brown [[2]] jumped over the [[3]] dog.",
)
# Moodle: gapselect/tests/helper.php make_a_maths_gapselect_question
MATHS = question(
    "ddwtos",
    q.GapData(
        True,
        tuple(q.GapChoice(op, 1, True) for op in "+-*/"),
        FEEDBACK,
    ),
    text="7 [[1]] 11 [[2]] 13 [[1]] 17 [[2]] 19 = 3",
)


# Moodle: gapselect/tests/question_test.php test_grading, test_grading_maths
@pytest.mark.parametrize(
    ("item", "form", "fraction", "state"),
    [
        (GAPSELECT, {"p1": "1", "p2": "1", "p3": "1"}, 1, State.GRADED_RIGHT),
        (GAPSELECT, {"p1": "1"}, 1 / 3, State.GRADED_PARTIAL),
        (GAPSELECT, {"p1": "2", "p2": "2", "p3": "2"}, 0, State.GRADED_WRONG),
        (MATHS, {"p1": "1", "p2": "2", "p3": "1", "p4": "2"}, 1, State.GRADED_RIGHT),
        (MATHS, {"p1": "1", "p2": "1", "p3": "1", "p4": "1"}, 0.5, State.GRADED_PARTIAL),
        (MATHS, {"p1": "0", "p2": "1", "p3": "2", "p4": "1"}, 0, State.GRADED_WRONG),
    ],
)
def test_it_grades_gaps(
    item: q.Question, form: dict[str, str], fraction: float, state: State
) -> None:
    prepared = ready(item)
    grade = prepared.grade(prepared.parse(form))
    assert grade.fraction == pytest.approx(fraction)
    assert grade.state is state


def test_it_clears_wrong_gaps_and_counts_right_ones() -> None:
    # Moodle: gapselect/tests/question_test.php test_clear_wrong_from_response,
    # test_get_num_parts_right, test_get_num_parts_right_maths
    maths = ready(MATHS)
    response = maths.parse({"p1": "1", "p2": "1", "p3": "1", "p4": "1"})
    assert maths.form_data(maths.clear_wrong(response)) == {"p1": "1", "p3": "1"}
    assert maths.parts_right(response) == (2, 4)
    gaps = ready(GAPSELECT)
    assert gaps.parts_right(gaps.parse({"p1": "1", "p2": "1", "p3": "2"})) == (2, 3)
    assert gaps.parts_right(gaps.parse({"p1": "1", "p2": "1", "p3": "1"})) == (3, 3)


# Moodle: gapselect/tests/question_test.php test_is_complete_response
@pytest.mark.parametrize(
    ("form", "complete"),
    [
        ({}, False),
        ({"p1": "1", "p2": "1", "p3": "0"}, False),
        ({"p1": "1"}, False),
        ({"p1": "1", "p2": "1", "p3": "1"}, True),
    ],
)
def test_it_knows_gaps_are_filled(form: dict[str, str], complete: bool) -> None:
    prepared = ready(GAPSELECT, shuffle=True)
    assert prepared.is_complete(prepared.parse(form)) is complete


def _drag(number: int, group: int, label: str) -> q.DragItem:
    return q.DragItem(number, group, False, label)


def _drop(number: int, choice: int) -> q.DropZone:
    return q.DropZone(number, 0, 0, choice, "")


# Moodle: question/type/ddimageortext/tests/helper.php make_ddimageortext_question_fox and
# _maths, as the importer reads them (a drop zone names its drag item by number)
FOX = question(
    "ddimageortext",
    q.DragImageData(
        None,
        (_drag(1, 1, "quick"), _drag(2, 1, "fox"), _drag(3, 2, "lazy"), _drag(4, 2, "dog")),
        (_drop(1, 1), _drop(2, 2), _drop(3, 3), _drop(4, 4)),
        True,
        FEEDBACK,
    ),
)
DD_MATHS = question(
    "ddimageortext",
    q.DragImageData(
        None,
        (_drag(1, 1, "+"), _drag(2, 1, "-")),
        (_drop(1, 1), _drop(2, 2), _drop(3, 1), _drop(4, 2)),
        True,
        FEEDBACK,
    ),
)


# Moodle: ddimageortext/tests/question_test.php test_grading, test_grading_maths
@pytest.mark.parametrize(
    ("item", "form", "fraction"),
    [
        (FOX, {"p1": "1", "p2": "2", "p3": "1", "p4": "2"}, 1),
        (FOX, {"p1": "1"}, 0.25),
        (FOX, {"p1": "2", "p2": "1", "p3": "2", "p4": "1"}, 0),
        (DD_MATHS, {"p1": "1", "p2": "2", "p3": "1", "p4": "2"}, 1),
        (DD_MATHS, {"p1": "1", "p2": "1", "p3": "1", "p4": "1"}, 0.5),
        (DD_MATHS, {"p1": "", "p2": "1", "p3": "2", "p4": "1"}, 0),
    ],
)
def test_it_grades_drops_onto_an_image(
    item: q.Question, form: dict[str, str], fraction: float
) -> None:
    prepared = ready(item)
    assert prepared.grade(prepared.parse(form)).fraction == fraction


def test_it_names_the_drag_items_dropped() -> None:
    prepared = ready(FOX)
    assert prepared.parse({"p1": "1", "p2": "2", "p3": "1", "p4": "2"}) == GapResponse((1, 2, 3, 4))
    assert prepared.parts_right(GapResponse((1, 1, 4, 4))) == (2, 4)


def _marker(number: int, label: str, infinite: bool = False) -> q.Marker:
    return q.Marker(number, label, infinite, 1)


def _zone(number: int, shape: str, coords: str, choice: int) -> q.MarkerZone:
    return q.MarkerZone(number, shape, coords, choice)


# Moodle: question/type/ddmarker/tests/helper.php make_ddmarker_question_fox and _maths
MARKER_FOX = question(
    "ddmarker",
    q.DragMarkerData(
        None,
        (_marker(1, "quick"), _marker(2, "fox"), _marker(3, "lazy")),
        (
            _zone(1, "circle", "50,50;50", 1),
            _zone(2, "rectangle", "100,0;100,100", 2),
            _zone(3, "polygon", "0,100;200,100;200,200;0,200", 3),
        ),
        False,
        False,
        FEEDBACK,
    ),
)
MARKER_MATHS = question(
    "ddmarker",
    q.DragMarkerData(
        None,
        tuple(_marker(i, op, True) for i, op in enumerate("+-*/", 1)),
        (
            _zone(1, "circle", "50,50;50", 1),
            _zone(2, "rectangle", "100,0;100,100", 1),
            _zone(3, "polygon", "0,100;100,100;100,200;0,200", 1),
        ),
        False,
        False,
        FEEDBACK,
    ),
)


# Moodle: ddmarker/tests/question_test.php test_grading, test_grading_maths,
# test_get_num_parts_right
@pytest.mark.parametrize(
    ("item", "form", "fraction", "parts"),
    [
        (MARKER_FOX, {"c1": "50,50", "c2": "150,50", "c3": "100,150"}, 1, (3, 3)),
        (MARKER_FOX, {"c1": "50,50", "c2": "50,50", "c3": "100,150"}, 2 / 3, (2, 3)),
        (MARKER_FOX, {"c1": "150,50", "c2": "50,50", "c3": "100,50"}, 0, (0, 3)),
        (MARKER_MATHS, {"c1": "50,50;150,50;50,150", "c2": "", "c3": ""}, 1, (3, 3)),
        (MARKER_MATHS, {"c1": "50,50;150,50;50,150", "c2": "", "c3": "50,150"}, 0.75, (3, 4)),
        (MARKER_MATHS, {"c1": "", "c2": "50,50;150,50", "c3": "100,50"}, 0, (0, 3)),
        (MARKER_MATHS, {"c1": "300,300", "c2": "50,50;150,50", "c3": "100,50"}, 0, (0, 4)),
    ],
)
def test_it_grades_markers(
    item: q.Question, form: dict[str, str], fraction: float, parts: tuple[int, int]
) -> None:
    prepared = ready(item)
    response = prepared.parse(form)
    assert prepared.grade(response).fraction == pytest.approx(fraction)
    assert prepared.parts_right(response) == parts


def test_it_keeps_only_the_markers_that_hit_when_clearing() -> None:
    # Moodle: ddmarker/tests/question_test.php test_clear_wrong_from_response
    prepared = ready(MARKER_MATHS)
    response = prepared.parse({"c1": "50,50", "c2": "100,100", "c3": "100,100;200,200"})
    assert prepared.clear_wrong(response) == MarkerResponse((MarkerDrops(1, (Point(50, 50),)),))


def test_it_places_markers_at_the_zones_for_the_right_answer() -> None:
    # Moodle: ddmarker/tests/question_test.php test_get_correct_response
    assert ready(MARKER_FOX).form_data(ready(MARKER_FOX).correct() or MarkerResponse()) == {
        "c1": "50,50",
        "c2": "150,50",
        "c3": "100,150",
    }


# Moodle: ddmarker/tests/shapes_test.php test_polygon_hit_test, test_circle_hit_test,
# test_rectangle_hit_test
@pytest.mark.parametrize(
    ("shape", "coords", "point", "inside"),
    [
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20", (15, 15), True),
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20", (5, 5), False),
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20", (25, 15), False),
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20", (10, 10), True),
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20", (15, 20), True),
        ("polygon", "10, 10; 20, 10; 20, 20; 10, 20; 10, 10", (19, 19), True),
        ("polygon", "10, 10; 15, 5; 20, 10; 20, 20; 10, 20", (15, 9), True),
        ("polygon", "15, 5; 20, 10; 20, 20; 10, 20; 10, 10", (25, 10), False),
        ("polygon", "0, 0; 500, 0; 600, 1000; 0, 1200; 10, 10", (25, 10), True),
        ("circle", "10, 10; 10", (20, 10), True),
        ("circle", "10, 10; 10", (21, 10), False),
        ("circle", "10, 10; 10", (10, 0), True),
        ("circle", "10, 10; 10", (3, 3), True),
        ("circle", "10, 10; 10", (2, 2), False),
        ("circle", "10, 10; 10", (16, 18), True),
        ("rectangle", "1000, 4000; 500, 400", (999, 4200), False),
        ("rectangle", "1000, 4000; 500, 400", (1000, 4200), True),
        ("rectangle", "1000, 4000; 500, 400", (1500, 4200), True),
        ("rectangle", "1000, 4000; 500, 400", (1501, 4200), False),
        ("rectangle", "1000, 4000; 500, 400", (1250, 3999), False),
        ("rectangle", "1000, 4000; 500, 400", (1250, 4400), True),
    ],
)
def test_it_tests_drop_zones_as_moodle(
    shape: str, coords: str, point: tuple[int, int], inside: bool
) -> None:
    from cartable.assessment.scoring.shapes import parse

    zone = parse(shape, coords)
    assert zone is not None
    assert zone.contains(*point) is inside


@pytest.mark.parametrize(
    ("shape", "coords"),
    [
        ("polygon", "10, 10; 20, 10"),
        ("polygon", "10, 10; 20, ; 20, 20; 10, 20"),
        ("polygon", "70,220;90,200;150,230;150,230;150,240"),
        ("circle", "1,2"),
        ("square", "1,1;2"),
    ],
)
def test_it_refuses_zones_moodle_refuses(shape: str, coords: str) -> None:
    # Moodle: ddmarker/tests/shapes_test.php test_polygon_valdiation_test_*
    from cartable.assessment.scoring.shapes import parse

    assert parse(shape, coords) is None


def _cloze() -> q.Question:
    """Moodle: question/type/multianswer/tests/helper.php make_multianswer_question_twosubq."""
    short = question(
        "shortanswer",
        q.ShortAnswerData(
            True, (answer("Dog", 0.0), answer("Owl", 1.0, "Well done!"), answer("*", 0.0))
        ),
        text="{1:SHORTANSWER:Dog#Wrong, silly!~=Owl#Well done!~*#Wrong answer}",
    )
    choice = question(
        "multichoice",
        multichoice(
            answer("Bow-wow", 0), answer("Wiggly worm", 0), answer("Pussy-cat", 1), shuffle=False
        ),
    )
    return question(
        "multianswer",
        q.MultianswerData((short, choice)),
        text='Complete this opening line of verse: "The {#1} and the {#2} went to sea".',
    )


CLOZE = _cloze()
PUSSYCAT = 2


# Moodle: question/type/multianswer/tests/question_test.php test_grading
@pytest.mark.parametrize(
    ("form", "fraction", "state"),
    [
        ({"sub1_answer": "Owl", "sub2_answer": str(PUSSYCAT)}, 1, State.GRADED_RIGHT),
        ({"sub1_answer": "Owl"}, 0.5, State.GRADED_PARTIAL),
        ({"sub1_answer": "Goat", "sub2_answer": str(PUSSYCAT)}, 0.5, State.GRADED_PARTIAL),
        ({"sub1_answer": "Dog"}, 0, State.GRADED_WRONG),
    ],
)
def test_it_grades_cloze_parts(form: dict[str, str], fraction: float, state: State) -> None:
    prepared = ready(CLOZE)
    grade = prepared.grade(prepared.parse(form))
    assert (grade.fraction, grade.state) == (fraction, state)


# Moodle: multianswer/tests/question_test.php test_is_complete_response, test_is_gradable_response
@pytest.mark.parametrize(
    ("form", "complete", "gradable"),
    [
        ({}, False, False),
        ({"sub1_answer": "Owl", "sub2_answer": "2"}, True, True),
        ({"sub1_answer": "0", "sub2_answer": "0"}, True, True),
        ({"sub1_answer": "Owl"}, False, True),
    ],
)
def test_it_knows_a_cloze_is_complete(form: dict[str, str], complete: bool, gradable: bool) -> None:
    prepared = ready(CLOZE)
    response = prepared.parse(form)
    assert prepared.is_complete(response) is complete
    assert prepared.is_gradable(response) is gradable


def test_it_counts_clears_and_gives_each_part_its_feedback() -> None:
    # Moodle: multianswer/tests/question_test.php test_get_num_parts_right,
    # test_clear_wrong_from_response
    prepared = ready(CLOZE)
    frog = prepared.parse({"sub1_answer": "Frog", "sub2_answer": "2"})
    assert prepared.parts_right(frog) == (1, 2)
    assert prepared.clear_wrong(frog) == ClozeResponse((TextResponse(""), ChoiceResponse(PUSSYCAT)))
    owl = prepared.parse({"sub1_answer": "Owl", "sub2_answer": "2"})
    assert prepared.parts_right(owl) == (2, 2)
    owl_answer = CLOZE.data.subquestions[0].data.answers[1].source_id  # type: ignore[union-attr]
    assert prepared.grade(owl).parts[0].answers == (owl_answer,)
    (problem,) = prepared.problems(prepared.parse({"sub1_answer": "Owl"}))
    assert (str(problem.message), problem.part) == ("Please select an answer.", 2)


# Moodle: multianswer/tests/question_test.php test_compute_final_grade (penalty 0.2, the second
# part weighs 2)
@pytest.mark.parametrize(
    ("tries", "expected"),
    [
        ([("Dog", "w"), ("Owl", "w"), ("Owl", "r")], 1 / 3 * (1 - 0.2) + 2 / 3 * (1 - 2 * 0.2)),
        (
            [("Dog", "w"), ("Cat", "r"), ("Owl", "r"), ("Owl", "r")],
            1 / 3 * (1 - 2 * 0.2) + 2 / 3 * (1 - 0.2),
        ),
        ([("Dog", "r"), ("Dog", "r"), ("Dog", "r"), ("Owl", "r")], 1 / 3 * (1 - 3 * 0.2) + 2 / 3),
        (
            [("Dog", "r"), ("Cat", "w"), ("Frog", "r"), ("Owl", "r")],
            1 / 3 * (1 - 3 * 0.2) + 2 / 3 * (1 - 2 * 0.2),
        ),
        (
            [("Dog", ""), ("Cat", ""), ("Frog", "r"), ("Owl", "r")],
            1 / 3 * (1 - 3 * 0.2) + 2 / 3 * (1 - 2 * 0.2),
        ),
    ],
)
def test_it_credits_cloze_parts_from_their_last_change(
    tries: list[tuple[str, str]], expected: float
) -> None:
    short, choice = CLOZE.data.subquestions  # type: ignore[union-attr]
    heavier = q.Question(
        **{**{f: getattr(choice, f) for f in choice.__dataclass_fields__}, "default_mark": 2.0}
    )
    item = question("multianswer", q.MultianswerData((short, heavier)), penalty=0.2)
    prepared = ready(item)
    values = {"r": str(PUSSYCAT), "w": "0", "": None}
    responses = [
        prepared.parse(
            {"sub1_answer": a} | ({"sub2_answer": v} if (v := values[b]) is not None else {})
        )
        for a, b in tries
    ]
    assert prepared.final_grade(responses, 0.2) == pytest.approx(expected)
