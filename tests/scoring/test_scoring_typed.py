"""Short answers, numbers with units and tolerances, graded as Moodle's own unit tests expect."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import State
from cartable.assessment.scoring.numbers import Processor, within
from cartable.assessment.scoring.responses import NumberResponse, TextResponse
from cartable.assessment.scoring.wildcard import matches
from cartable.importers import questions as q

from .make import answer, question, ready

# Moodle: question/type/shortanswer/tests/question_test.php test_compare_string_with_wildcard,
# test_compare_0_with_wildcard, test_compare_string_with_wildcard_many_stars
WILDCARDS = [
    ("Frog", "Frog", False, True),
    ("Frog", "frog", False, False),
    ("   Frog   ", "Frog", False, True),
    ("Frogs", "Frog", False, False),
    ("Frog", "frog", True, True),
    ("   FROG   ", "Frog", True, True),
    ("Frogs", "Frog", True, False),
    ("Frog", "F*og", False, True),
    ("Fog", "F*og", False, True),
    ("   Fat dog   ", "F*og", False, True),
    ("Frogs", "F*og", False, False),
    ("Fg", "F*og", False, False),
    ("frog", "F*og", False, False),
    ("   fat dog   ", "F*og", False, False),
    ("Frog", "F*og", True, True),
    ("Fog", "F*og", True, True),
    ("   Fat dog   ", "F*og", True, True),
    ("Frogs", "F*og", True, False),
    ("Fg", "F*og", True, False),
    ("frog", "F*og", True, True),
    ("   fat dog   ", "F*og", True, True),
    ("   *   ", "\\*", False, True),
    ("*", "\\*", False, True),
    ("Frog*toad", "Frog\\*toad", False, True),
    ("a", "[a-z]", False, False),
    ("[a-z]", "[a-z]", False, True),
    ("\\{}/", "\\{}/", True, True),
    ("ITÁLIE", "Itálie", True, True),
    ("départ", "DÉPART", True, True),
    ("départ", "DÉPART", False, False),
    ("d\u00e9part", "de\u0301part", False, True),
    ("d\u00e9part", "DE\u0301PART", True, True),
    ("0", "0", False, True),
    ("0", "0*", False, True),
    ("0", "*0", False, True),
    ("0", "*0*", False, True),
    ("<em></em>", "*" * 35 + "<em>" + "*" * 35 + "</em>", False, True),
]


@pytest.mark.parametrize(("response", "pattern", "ignore_case", "expected"), WILDCARDS)
def test_it_matches_wildcards_as_moodle(
    response: str, pattern: str, ignore_case: bool, expected: bool
) -> None:
    assert matches(response, pattern, ignore_case) is expected


def test_it_matches_a_long_response_against_many_stars_quickly() -> None:
    assert not matches("a" * 2000, "*a*a*a*a*a*a*a*a*a*b", False)


FROGTOAD = question(
    "shortanswer",
    q.ShortAnswerData(False, (answer("frog", 1.0), answer("toad", 0.8), answer("*", 0.0))),
)


# Moodle: shortanswer/tests/question_test.php test_grading
@pytest.mark.parametrize(
    ("text", "fraction", "state"),
    [
        ("x", 0, State.GRADED_WRONG),
        ("frog", 1, State.GRADED_RIGHT),
        ("toad", 0.8, State.GRADED_PARTIAL),
    ],
)
def test_it_grades_short_answers_first_match_wins(text: str, fraction: float, state: State) -> None:
    grade = ready(FROGTOAD).grade(TextResponse(text))
    assert (grade.fraction, grade.state) == (fraction, state)


# Moodle: shortanswer/tests/question_test.php test_is_complete_response
@pytest.mark.parametrize(
    ("form", "complete"),
    [
        ({}, False),
        ({"answer": ""}, False),
        ({"answer": "0"}, True),
        ({"answer": "0.0"}, True),
        ({"answer": "x"}, True),
    ],
)
def test_it_knows_a_short_answer_is_complete(form: dict[str, str], complete: bool) -> None:
    prepared = ready(FROGTOAD)
    assert prepared.is_complete(prepared.parse(form)) is complete


def test_it_shows_the_right_answer_with_escaped_stars_unescaped() -> None:
    # Moodle: shortanswer/tests/question_test.php test_get_correct_response_escapedwildcards
    escaped = question("shortanswer", q.ShortAnswerData(False, (answer("*x\\*y*", 1.0),)))
    assert ready(escaped).correct() == TextResponse("x*y")
    assert ready(FROGTOAD).correct() == TextResponse("frog")


def _numerical(
    answers: tuple[q.NumericalAnswer, ...], units: q.UnitOptions | None = None
) -> q.Question:
    return question("numerical", q.NumericalData(answers, units or q.UnitOptions(show_units=0)))


def _num(text: str, fraction: float, tolerance: float = 0) -> q.NumericalAnswer:
    return q.NumericalAnswer(answer(text, fraction), tolerance)


# Moodle: question/type/numerical/tests/helper.php make_numerical_question_pi
PI = (
    _num("3.14", 1.0),
    _num("3.142", 0.0, 0.005),
    _num("3.1", 0.0, 0.05),
    _num("3", 0.0, 0.5),
    _num("*", 0.0),
)
M_CM = (q.Unit("m", 1), q.Unit("cm", 100))


# Moodle: numerical/tests/question_test.php test_grading, test_grading_with_units,
# test_grading_with_units_graded
@pytest.mark.parametrize(
    ("grading", "text", "fraction"),
    [
        (0, "1.0", 0),
        (0, "3.14", 1),
        (0, "3.14 frogs", 1),
        (0, "3.14 m", 1),
        (0, "314cm", 1),
        (0, "314000000x10^-8m", 1),
        (1, "3.14 frogs", 0.8),
        (1, "3.14", 0.8),
        (1, "3.14 m", 1),
        (1, "314cm", 1),
        (1, "314000000x10^-8m", 1),
        (1, "3.14 cm", 0.8),
        (1, "314 m", 0),
    ],
)
def test_it_grades_numbers_with_units(grading: int, text: str, fraction: float) -> None:
    units = q.UnitOptions(M_CM, show_units=0, unit_grading=grading, unit_penalty=0.2)
    grade = ready(_numerical(PI, units)).grade(NumberResponse(text))
    assert grade.fraction == pytest.approx(fraction)


# Moodle: numerical/tests/question_test.php test_grading_unit (units chosen from a list)
@pytest.mark.parametrize(
    ("text", "unit", "fraction"),
    [
        ("2", "m", 0),
        ("2", "cm", 0),
        ("2", "", 0),
        ("1.25", "m", 1),
        ("125", "cm", 1),
        ("1.25", "", 0.5),
        ("1.23", "m", 0.5),
        ("123", "cm", 0.5),
        ("1.23", "", 0.25),
    ],
)
def test_it_grades_a_unit_chosen_apart(text: str, unit: str, fraction: float) -> None:
    units = q.UnitOptions(M_CM, show_units=2, unit_grading=1, unit_penalty=0.5)
    item = _numerical((_num("1.25", 1.0), _num("1.25", 0.5, 0.05), _num("*", 0.0)), units)
    prepared = ready(item)
    response = prepared.parse({"answer": text, "unit": unit})
    assert prepared.grade(response).fraction == pytest.approx(fraction)


# Moodle: numerical/tests/question_test.php test_grading_currency (units on the left)
@pytest.mark.parametrize(
    ("text", "fraction"),
    [
        ("$1332", 1),
        ("$ 1332", 1),
        ("frog 1332", 0.8),
        ("1332", 0.8),
        (" 1332", 0.8),
        ("1332 $", 0),
        ("1332 frogs", 0),
        ("$1", 0),
    ],
)
def test_it_grades_currencies_before_the_number(text: str, fraction: float) -> None:
    units = q.UnitOptions(
        (q.Unit("$", 1),), show_units=0, units_left=True, unit_grading=2, unit_penalty=0.2
    )
    item = _numerical((_num("1332", 1.0), _num("*", 0.0)), units)
    assert ready(item).grade(NumberResponse(text)).fraction == pytest.approx(fraction)


# Moodle: numerical/tests/question_test.php test_is_complete_response
@pytest.mark.parametrize(
    ("form", "complete"), [({}, False), ({"answer": "0"}, True), ({"answer": "test"}, False)]
)
def test_it_knows_a_number_is_complete(form: dict[str, str], complete: bool) -> None:
    prepared = ready(_numerical(PI))
    assert prepared.is_complete(prepared.parse(form)) is complete


def test_it_asks_for_a_number_without_the_thousands_separator() -> None:
    prepared = ready(_numerical(PI))
    (problem,) = prepared.problems(NumberResponse("3,14"))
    assert (
        str(problem.message) == "Please enter your answer without using the thousand separator (,)."
    )
    french = ready(_numerical(PI), decimal_point=",", thousands_separator=" ")
    assert french.problems(NumberResponse("3,14")) == ()
    assert french.grade(NumberResponse("3,14")).fraction == 1


# Moodle: numerical/tests/answer_test.php (tolerance types 2 nominal, 1 relative, 3 geometric)
@pytest.mark.parametrize(
    ("answer_value", "tolerance", "kind", "value", "inside"),
    [
        (7.0, 1.0, 2, 5.99, False),
        (7.0, 1.0, 2, 6, True),
        (7.0, 1.0, 2, 8, True),
        (7.0, 1.0, 2, 8.01, False),
        (1e-20, 0.0, 2, 0.9999999e-20, False),
        (1e-20, 0.0, 2, 1e-20, True),
        (1e-20, 0.0, 2, 1.0000001e-20, False),
        (0.0, 1e-24, 2, -2e-24, False),
        (0.0, 1e-24, 2, -1e-24, True),
        (0.0, 1e-24, 2, 0, True),
        (0.0, 1e-24, 2, 1e-24, True),
        (0.0, 1e-24, 2, 2e-24, False),
        (0.0, 1e-24, 2, -1e-20, False),
        (0.0, 1e-24, 2, 1e-35, True),
        (1e-20, 1e-24, 2, 1.0002e-20, False),
        (1e-20, 1e-24, 2, 1.0001e-20, True),
        (1234, 0, 2, 1234, True),
        (1234, 0, 2, 1234.000001, False),
        (7.0, 0.1, 1, 6.29, False),
        (7.0, 0.1, 1, 6.3, True),
        (7.0, 0.1, 1, 7.7, True),
        (7.0, 0.1, 1, 7.71, False),
        (7.0, 1.0, 3, 3.49, False),
        (7.0, 1.0, 3, 3.5, True),
        (7.0, 1.0, 3, 14, True),
        (7.0, 1.0, 3, 14.01, False),
        (-7.0, 1.0, 3, -3.49, False),
        (-7.0, 1.0, 3, -3.5, True),
        (-7.0, 1.0, 3, -14, True),
        (-7.0, 1.0, 3, -14.01, False),
    ],
)
def test_it_applies_the_three_tolerances(
    answer_value: float, tolerance: float, kind: int, value: float, inside: bool
) -> None:
    assert within(value, answer_value, tolerance, kind) is inside


# Moodle: numerical/tests/answerprocessor_test.php apply_units_provider, euro_provider,
# percent_provider, currency_provider
@pytest.mark.parametrize(
    ("units", "left", "point", "separator", "text", "value", "unit", "multiplier"),
    [
        (
            {"m/s": 1, "c": 3.3356409519815e-9, "mph": 2.2369362920544},
            False,
            ".",
            ",",
            "3x10^8 m/s",
            3e8,
            "m/s",
            1,
        ),
        ({"m/s": 1}, False, ".", ",", "3x10^8", 3e8, "", None),
        ({"c": 3.3356409519815e-9}, False, ".", ",", "1c", 1, "c", 299792458),
        ({"mph": 2.2369362920544}, False, ".", ",", "0001.000 mph", 1, "mph", 0.44704),
        ({"m/s": 1}, False, ".", ",", "1 frogs", 1, "frogs", None),
        ({"m/s": 1}, False, ".", ",", ". m/s", None, "", None),
        ({"m/s": 1}, False, ".", ",", "", None, "", None),
        ({}, False, ",", " ", "-1 000", -1000, "", None),
        ({}, False, ",", " ", "3,14159", 3.14159, "", None),
        ({"%": 100}, False, ".", ",", "3%", 3, "%", 0.01),
        ({"%": 100}, False, ".", ",", "1e-6 %", 1e-6, "%", 0.01),
        ({"$": 1, "£": 1}, True, ".", ",", "£1,234.56", 1234.56, "£", 1),
        ({"$": 1}, True, ".", ",", "$100.", 100, "$", 1),
        ({"$": 1}, True, ".", ",", "frog 100", 100, "frog", None),
    ],
)
def test_it_reads_numbers_and_units(
    units: dict[str, float],
    left: bool,
    point: str,
    separator: str,
    text: str,
    value: float | None,
    unit: str,
    multiplier: float | None,
) -> None:
    reading = Processor(units, left, point, separator).read(text)
    assert reading.value == (None if value is None else pytest.approx(value))
    assert reading.unit == unit
    assert reading.multiplier == (
        None if multiplier is None else pytest.approx(multiplier, rel=1e-4)
    )
