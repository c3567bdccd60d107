"""The gradebook keeps a grade within its item's bounds, as Moodle's gradebook stores it
(``grade_item::bounded_grade``): a quiz with certainty-based marking may reckon a grade above
its maximum or below zero (its attempts keep that figure, as ``quiz_attempts`` and
``quiz_grades`` do); the gradebook, a learner's records brought from another box and the
grades sent to the university's Moodle hold it within 0 and the maximum."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.utils import timezone

from cartable.assessment import actions
from cartable.assessment.engine import settings_of
from cartable.assessment.models import Attempt
from cartable.exchange import university
from cartable.grades.bounds import bounded
from cartable.grades.models import Grade
from cartable.records import transfer
from tests import quizdata


@pytest.mark.parametrize(
    ("value", "grade_max", "grade_min", "kept"),
    [
        (7.5, 10, 0, 7.5),  # within: as it is
        (10, 10, 0, 10),
        (0, 10, 0, 0),
        (30, 10, 0, 10),  # CBM: all right at "quite sure" (3 x the C=1 maximum)
        (16.666667, 10, 0, 10),
        (-60, 10, 0, 0),  # CBM: all wrong at "quite sure" (-6 x)
        (-0.01, 10, 0, 0),
        (5, 10, 2, 5),  # another minimum
        (1, 10, 2, 2),
        (None, 10, 0, None),  # no grade
        (float("nan"), 10, 0, None),
        (4, 5, 5, 5),  # no range: its maximum
        (4, 2, 5, None),  # bounds upside down: no grade
    ],
)
def test_a_grade_is_bounded_as_moodles_gradebook_bounds_it(
    value, grade_max, grade_min, kept
) -> None:
    assert bounded(value, grade_max, grade_min) == kept


def finished(quiz, learner, grades: list[float]) -> None:
    now = timezone.now()
    for number, grade in enumerate(grades, start=1):
        Attempt.objects.create(
            user=learner,
            activity=quiz,
            number=number,
            seed=str(number),
            started_at=now,
            finished_at=now,
            state=Attempt.State.FINISHED,
            sum_marks=grade * 3 / 10,
            grade=grade,
            max_grade=10,
        )


# A quiz out of 10 over three questions of 1 mark with deferred CBM: each right answer counts
# 1, 2 or 3, a wrong one 0, -2 or -6 (question_cbm), so a grade lies between -60 and 30. The
# method takes the attempts' own grades; the gradebook then bounds it (Moodle rescales and
# averages quiz_attempts.sumgrades unbounded, and grade_item::bounded_grade bounds the result).
@pytest.mark.parametrize(
    ("method", "attempts", "book"),
    [
        ("highest", [30.0], 10.0),  # all right at C=3
        ("highest", [-60.0], 0.0),  # all wrong at C=3
        ("highest", [50 / 3], 10.0),  # 3 + 1 + 1
        ("highest", [20 / 3], 20 / 3),  # two right at C=1, one wrong at C=1: within
        ("highest", [-10.0, 20 / 3], 20 / 3),
        ("average", [30.0, 20 / 3], 10.0),  # (30 + 6.67) / 2 = 18.33, not (10 + 6.67) / 2
        ("average", [30.0, -60.0], 0.0),  # -15
        ("average", [20.0, -10.0], 5.0),  # 5: the bounded average is not the average of bounds
        ("first", [-20.0, 30.0], 0.0),
        ("last", [-20.0, 30.0], 10.0),
    ],
)
@pytest.mark.django_db
def test_a_cbm_quiz_grade_reaches_the_gradebook_bounded(
    course, learner, method, attempts, book
) -> None:
    quiz = quizdata.add_quiz(
        course,
        (quizdata.capital(), quizdata.earth(), quizdata.river()),
        preferred_behaviour="deferredcbm",
        grading_method=method,
    )
    finished(quiz, learner, attempts)
    actions.grade_learner(activity=quiz, learner=learner, quiz=settings_of(quiz))
    grade = Grade.objects.get(activity=quiz, user=learner)
    assert (grade.grade, grade.max_grade) == (pytest.approx(book), 10)
    # The quiz keeps its attempts' own figures, as its review shows them.
    assert sorted(Attempt.objects.filter(activity=quiz).values_list("grade", flat=True)) == (
        sorted(attempts)
    )


@pytest.mark.parametrize(
    ("payload", "score"),
    [
        ({"grade": 14.5, "max": 20}, Decimal("14.5")),
        ({"grade": 25.0, "max": 20}, Decimal("20.0")),  # from a box before the bounds
        ({"grade": -3, "max": 20}, Decimal("0.0")),
        ({"grade": 25.0}, Decimal("25.0")),  # no maximum to bound it by: as it came
        ({"grade": None, "max": 20}, None),
    ],
)
def test_a_grade_sent_to_the_university_is_bounded(payload, score) -> None:
    assert university._scored(payload, "quiz-1", university._Scales(None)) == score  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("given", "max_grade", "kept"),
    [(14.0, 20.0, 14.0), (26.0, 20.0, 20.0), (-4.0, 20.0, 0.0), (2.0, 0.0, 2.0)],
)
@pytest.mark.django_db
def test_a_grade_brought_from_another_box_is_bounded(
    course, learner, given, max_grade, kept
) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.capital(),))
    item = {
        "grade": given,
        "max_grade": max_grade,
        "scale_item": "",
        "feedback": "",
        "source": Grade.Source.QUIZ,
        "graded_at": timezone.now().isoformat(),
        "released_at": None,
    }
    assert transfer._restore_grade(learner, course, quiz, item) == 1
    assert Grade.objects.get(activity=quiz, user=learner).grade == kept
