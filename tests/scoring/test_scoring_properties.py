"""Properties over every question type: any posted form parses without raising, a mark stays
within the question's bounds (also through the behaviours), and shuffling never changes a
grade."""

from __future__ import annotations

import math

from hypothesis import given, settings
from hypothesis import strategies as st

from cartable.assessment.scoring import (
    Behaviour,
    Finish,
    Prepared,
    Save,
    StartContext,
    Submit,
    TryAgain,
    begin,
    behaviour_for,
    prepare,
    process,
    start,
)
from cartable.assessment.scoring.behaviours import min_fraction
from cartable.importers import questions as q

from .make import FEEDBACK, answer, question
from .test_scoring_calculated import SUM
from .test_scoring_choice import MULTI, SINGLE
from .test_scoring_parts import (
    CLOZE,
    DD_MATHS,
    FOX,
    GAPSELECT,
    MARKER_FOX,
    MARKER_MATHS,
    MATCH,
    MATHS,
)
from .test_scoring_typed import FROGTOAD, PI, _numerical

TRUEFALSE = question("truefalse", q.TrueFalseData(answer("True", 0), answer("False", 1)))
UNITS = _numerical(PI, q.UnitOptions((q.Unit("m", 1), q.Unit("cm", 100)), 2, False, 2, 0.25))
ESSAY = question("essay", q.EssayData("editor", True, 15, 2, 0, "", "", 1, 100, ".pdf"))
DESCRIPTION = question("description", q.DescriptionData())
CALCMULTI = question(
    "calculatedmulti",
    q.CalculatedData(
        tuple(
            q.CalculatedAnswer(answer(f, fr), 0.01, 1, 2, 1)
            for f, fr in (("{={a}}", 0.5), ("{={a}*2}", 0.5), ("{=0}", -1))
        ),
        (
            q.Dataset(
                "a", "private", "uniform", 1, 9, 1, (q.DatasetItem(1, 2.0), q.DatasetItem(2, 3.0))
            ),
        ),
        q.UnitOptions(),
        single=False,
        shuffle=True,
        feedback=FEEDBACK,
    ),
)
SHORT_ANSWERS = tuple(
    question(
        "shortanswer", q.ShortAnswerData(False, (answer(word, 1), answer("*", 0))), text=f"Q{word}"
    )
    for word in ("one", "two", "three")
)
RANDOM_MATCH = question("randomsamatch", q.RandomShortAnswerMatchData(3, True, True, FEEDBACK))
BANK = q.QuestionBank((), (*SHORT_ANSWERS, RANDOM_MATCH))

SAMPLES = [
    SINGLE,
    MULTI,
    TRUEFALSE,
    FROGTOAD,
    _numerical(PI),
    UNITS,
    SUM,
    CALCMULTI,
    MATCH,
    RANDOM_MATCH,
    GAPSELECT,
    MATHS,
    FOX,
    DD_MATHS,
    MARKER_FOX,
    MARKER_MATHS,
    CLOZE,
    ESSAY,
    DESCRIPTION,
]

NAMES = [
    "answer",
    "unit",
    "choice0",
    "choice1",
    "choice2",
    "choice3",
    "sub0",
    "sub1",
    "sub2",
    "sub3",
    "p1",
    "p2",
    "p3",
    "p4",
    "c1",
    "c2",
    "c3",
    "sub1_answer",
    "sub2_answer",
    "sub1_unit",
    "sub2_choice0",
]
TEXTS = st.one_of(
    st.text(max_size=40),
    st.sampled_from(
        [
            "0",
            "1",
            "2",
            "3",
            "-1",
            "",
            " 1 ",
            "3.14",
            "3,14",
            "1e400",
            "50,50",
            "50,50;150,50",
            "9" * 30,
            "\x00",
            "NaN",
        ]
    ),
)
VALUES = st.one_of(
    TEXTS,
    st.lists(TEXTS, max_size=3),
    st.integers(),
    st.none(),
    st.binary(max_size=5),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)
FORMS = st.dictionaries(st.one_of(st.sampled_from(NAMES), st.text(max_size=8)), VALUES, max_size=8)
SEEDS = st.text(min_size=1, max_size=8)
QUESTIONS = st.sampled_from(SAMPLES)


def _ready(item: q.Question, seed: str) -> Prepared:
    return prepare(item, start(item, StartContext(seed=seed, bank=BANK)))


def _within(value: float | None, low: float, high: float) -> bool:
    return value is None or (math.isfinite(value) and low - 1e-9 <= value <= high + 1e-9)


FAST = settings(max_examples=150)  # no deadline nor timing check: tests/conftest.py


@FAST
@given(item=QUESTIONS, seed=SEEDS, form=FORMS)
def test_it_parses_any_form_without_raising_and_round_trips(
    item: q.Question, seed: str, form: dict[str, object]
) -> None:
    prepared = _ready(item, seed)
    response = prepared.parse(form)
    prepared.problems(response)
    prepared.is_gradable(response)
    prepared.clear_wrong(response)
    prepared.parts_right(response)
    assert prepared.parse(prepared.form_data(response)) == response
    assert prepared.same(response, response)


@FAST
@given(item=QUESTIONS, seed=SEEDS, form=FORMS)
def test_it_keeps_every_mark_within_the_question_bounds(
    item: q.Question, seed: str, form: dict[str, object]
) -> None:
    prepared = _ready(item, seed)
    grade = prepared.grade(prepared.parse(form))
    assert _within(grade.fraction, prepared.min_fraction(), prepared.max_fraction())
    for part in grade.parts:
        assert _within(part.fraction, -1, 1)


@FAST
@given(item=QUESTIONS, first=SEEDS, second=SEEDS, form=FORMS)
def test_it_grades_the_same_whatever_the_shuffle(
    item: q.Question, first: str, second: str, form: dict[str, object]
) -> None:
    one, other = _ready(item, first), _ready(item, second)
    response = one.parse(form)
    assert other.parse(other.form_data(response)) == response
    assert other.grade(response) == one.grade(response)


ACTIONS = st.lists(
    st.tuples(st.sampled_from(["save", "submit", "tryagain", "finish"]), FORMS), max_size=8
)
BEHAVIOURS = st.sampled_from(
    ["deferredfeedback", "immediatefeedback", "interactive", "adaptive", "adaptivenopenalty"]
)


@settings(max_examples=100)
@given(item=QUESTIONS, seed=SEEDS, preferred=BEHAVIOURS, actions=ACTIONS)
def test_it_keeps_marks_within_bounds_through_every_behaviour(
    item: q.Question, seed: str, preferred: str, actions: list[tuple[str, dict[str, object]]]
) -> None:
    hinted = question(
        item.qtype, item.data, text=item.text, hints=(q.Hint("a", True, True), q.Hint("b"))
    )
    prepared = _ready(hinted, seed)
    behaviour = behaviour_for(preferred, prepared)
    attempt = begin(behaviour, prepared, 5)
    low = min_fraction(behaviour, prepared)
    for kind, form in [*actions, ("finish", {})]:
        response = prepared.parse(form)
        action = {
            "save": Save(response),
            "submit": Submit(response),
            "tryagain": TryAgain(),
            "finish": Finish(),
        }[kind]
        attempt = process(attempt, prepared, action)
        assert _within(attempt.fraction, low, prepared.max_fraction())
    assert attempt.state.is_finished
    if behaviour in (Behaviour.MANUAL, Behaviour.INFORMATION):
        assert attempt.fraction is None
