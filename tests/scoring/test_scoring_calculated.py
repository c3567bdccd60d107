"""Calculated questions: datasets, a safe formula evaluator, tolerances and the way Moodle
writes the right answer."""

from __future__ import annotations

import math

import pytest

from cartable.assessment.scoring import StartContext, prepare, start, text
from cartable.assessment.scoring.formula import FormulaError, evaluate, format_float, substitute
from cartable.assessment.scoring.layouts import VariantLayout
from cartable.assessment.scoring.responses import ChoiceResponse, NumberResponse
from cartable.importers import questions as q

from .make import FEEDBACK, answer, question


def _dataset(name: str, *values: float) -> q.Dataset:
    items = tuple(q.DatasetItem(i, v) for i, v in enumerate(values, 1))
    return q.Dataset(name, "private", "uniform", 0, 100, 2, items)


def _calc(
    formula: str,
    fraction: float,
    tolerance: float = 0,
    kind: int = 1,
    length: int = 2,
    form: int = 1,
) -> q.CalculatedAnswer:
    return q.CalculatedAnswer(answer(formula, fraction), tolerance, kind, length, form)


# Moodle: question/type/calculated/tests/helper.php make_calculated_question_sum
SUM = question(
    "calculated",
    q.CalculatedData(
        (_calc("{a} + {b}", 1.0), _calc("{a} - {b}", 0.0), _calc("*", 0.0)),
        (_dataset("a", 1, 3, 3, 31), _dataset("b", 5, 4, 0.01416, 0.01416)),
        q.UnitOptions(show_units=3),
    ),
    text="What is {a} + {b}?",
)


def _at(variant: int, item: q.Question = SUM) -> VariantLayout:
    layout = start(item, StartContext(seed="s"))
    assert isinstance(layout, VariantLayout)
    values = tuple(
        type(v)(
            v.name,
            next(
                i.value
                for ds in item.data.datasets
                for i in ds.items
                if ds.name == v.name and i.number == variant
            ),
        )  # type: ignore[union-attr]
        for v in layout.values
    )
    return VariantLayout(variant, values)


# Moodle: calculated/tests/question_test.php test_grading, test_classify_response
@pytest.mark.parametrize("variant", [1, 2, 3, 4])
def test_it_grades_against_the_variant_values(variant: int) -> None:
    layout = _at(variant)
    values = {v.name: v.value for v in layout.values}
    prepared = prepare(SUM, layout)
    assert prepared.grade(NumberResponse(repr(values["a"] + values["b"]))).fraction == 1
    assert prepared.grade(NumberResponse(repr(values["a"] - values["b"]))).fraction == 0
    assert prepared.grade(NumberResponse(repr(7 * values["a"]))).answers == (
        SUM.data.answers[2].answer.source_id,  # type: ignore[union-attr]
    )


# Moodle: calculated/tests/question_test.php test_get_correct_response
@pytest.mark.parametrize(
    ("variant", "length", "form", "expected"),
    [
        (3, 2, 1, "3.01"),
        (3, 2, 2, "3.0"),
        (1, 2, 1, "6.00"),
        (1, 2, 2, "6.0"),
        (4, 2, 1, "31.01"),
        (4, 3, 2, "31.0"),
    ],
)
def test_it_writes_the_right_answer_as_moodle(
    variant: int, length: int, form: int, expected: str
) -> None:
    data = SUM.data
    assert isinstance(data, q.CalculatedData)
    answers = tuple(
        q.CalculatedAnswer(a.answer, a.tolerance, a.tolerance_type, length, form)
        for a in data.answers
    )
    item = question("calculated", q.CalculatedData(answers, data.datasets, data.units))
    assert prepare(item, _at(variant, item)).correct() == NumberResponse(expected)


# Moodle: calculated/tests/variablesubstituter_test.php
def test_it_computes_and_substitutes_like_moodle() -> None:
    assert evaluate("{a} + {b}", {"a": 1, "b": 2}) == 3
    assert evaluate("{a}-{b}", {"a": -1, "b": -2}) == 1
    assert substitute("{a} + {b}", {"a": 1, "b": 2}) == "1 + 2"
    assert substitute("(1) {a}\n(2) {b}", {"a": 1, "b": 2}) == "(1) 1\n(2) 2"
    assert substitute("= {={a} + {b}}", {"a": 1, "b": 2}) == "= 3"
    assert substitute("temperatures {a} and {b}", {"a": -1, "b": 2}) == "temperatures -1 and 2"
    assert (
        substitute(
            "phi ({phi}) + pi ({pi}) = {={phi} + {pi}}", {"phi": 1.61803399, "pi": 3.14159265}, ","
        )
        == "phi (1,61803399) + pi (3,14159265) = 4,75962664"
    )


# Moodle: calculated/tests/variablesubstituter_test.php test_format_float_dot, test_format_float_comma
@pytest.mark.parametrize(
    ("value", "length", "form", "point", "expected"),
    [
        (0.12345, None, None, ".", "0.12345"),
        (0.12345, 0, 1, ".", "0"),
        (0.12345, 2, 1, ".", "0.12"),
        (0.12345, 4, 1, ".", "0.1235"),
        (0.12345, 2, 2, ".", "0.12"),
        (0.0012345, 4, 1, ".", "0.0012"),
        (0.12345, None, None, ",", "0,12345"),
        (0.12345, 2, 1, ",", "0,12"),
        (0.12345, 4, 1, ",", "0,1235"),
        (0.0012345, 4, 1, ",", "0,0012"),
    ],
)
def test_it_formats_numbers_as_moodle(
    value: float, length: int | None, form: int | None, point: str, expected: str
) -> None:
    assert format_float(value, length, form, point) == expected


# Moodle: variablesubstituter_test.php test_invalid_expression, test_tricky_invalid_expression,
# test_division_by_zero_expression; formula_validation_test.php (comments, dangerous functions,
# wrong numbers of arguments)
@pytest.mark.parametrize(
    "formula",
    [
        "{a} + {b}?",
        "{a}{b}",
        "{a} / 0",
        "# No need for this.",
        "/* Also blocked. */",
        "1 + 1 /* Blocked too. */",
        "// As is this.",
        "1/*2",
        "eval(1)",
        "system(1)",
        "base64_decode(1)",
        "cos(tan(1) + abs(cos(eval)) * pi())",
        '"eval"()',
        "?><?php()",
        "abs(-1, 1)",
        "abs()",
        "pi(1)",
        "log()",
        "log(64, 2, 3)",
        "atan2(1.0)",
        "max(1.0)",
        "2 ^ 3",
        "{c} + 1",
        "(" * 200 + "1" + ")" * 200,
        "1" + "+1" * 5000,
    ],
)
def test_it_refuses_formulas_moodle_refuses(formula: str) -> None:
    with pytest.raises(FormulaError):
        evaluate(formula, {"a": 1, "b": 2})


# Moodle: formula_validation_test.php test_simple_equations_ok, test_safe_functions_ok
@pytest.mark.parametrize(
    ("formula", "expected"),
    [
        ("1 + 1", 2),
        ("{x}*({y}+1)", 6),
        ("abs(-1)", 1),
        ("tan(pi())", math.tan(math.pi)),
        ("log(10)", math.log(10)),
        ("log(64, 2)", 6),
        ("atan2(1.0, 1.0)", math.pi / 4),
        ("max(1.0, 1.0, 2, 3)", 3),
        ("-2**2", -4),
        ("2**-1", 0.5),
        ("7 % 3", 1),
        ("-7 % 3", -1),
        ("round(2.5)", 3),
        ("round(0.285, 2)", 0.29),
        ("sqrt(-1) != sqrt(-1)", 1),
        ("{x} > 1 ? 10 : 20", 10),
        ("1e3 + .5", 1000.5),
    ],
)
def test_it_computes_what_moodle_computes(formula: str, expected: float) -> None:
    assert evaluate(formula, {"x": 2, "y": 2}) == pytest.approx(expected)


def test_it_draws_a_stable_variant_that_moves_on_with_each_attempt() -> None:
    first = start(SUM, StartContext(seed="x", user="7", attempt_number=1))
    again = start(SUM, StartContext(seed="y", user="7", attempt_number=1))
    second = start(SUM, StartContext(seed="x", user="7", attempt_number=2))
    assert isinstance(first, VariantLayout) and isinstance(second, VariantLayout)
    assert first == again
    assert second.variant == first.variant % 4 + 1


def test_it_shows_calculated_texts_with_the_values_and_grades_calculatedmulti() -> None:
    data = q.CalculatedData(
        (_calc("{={a}+{b}}", 1.0), _calc("{={a}-{b}}", 0.0)),
        (_dataset("a", 2), _dataset("b", 3)),
        q.UnitOptions(),
        feedback=FEEDBACK,
    )
    item = question("calculatedmulti", data, text="What is {a} + {b}?")
    prepared = prepare(item, start(item, StartContext(seed="s", shuffle_answers=False)))
    assert text(prepared, item.text) == "What is 2 + 3?"
    assert text(prepared, "{={a}+{b}}", 2, 1) == "5.00"
    assert prepared.grade(ChoiceResponse(0)).fraction == 1
    assert prepared.grade(prepared.parse({"answer": "1"})).fraction == 0
