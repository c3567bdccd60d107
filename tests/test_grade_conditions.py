"""Moodle's "grade" access condition: the learner's grade in an activity, as a percentage, at
least ``min`` and below ``max`` (each when set), read from their released grades; a condition
on a grade item the box does not hold is taken as met (and listed for staff)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.actions import record
from cartable.grades.models import Grade
from cartable.ingest.imports import import_file
from cartable.learning.availability import Grades, evaluate
from cartable.learning.gate import Gate
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields
from tests.importers.test_grade_items import grades_xml

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
ITEMS = {7001: 1001}  # Moodle grade item id -> activity id on the box


def rule(condition: dict, *, op: str = "&") -> dict:
    return {"op": op, "c": [{"type": "grade", "id": 7001, **condition}], "showc": [True]}


def verdict(tree: dict, percent: float | None) -> bool:
    grades = Grades(ITEMS, lambda pk: percent if pk == 1001 else None)
    return evaluate(
        tree, now=NOW, activity_for={}, completed=lambda pk: False, grades=grades
    ).available


@pytest.mark.parametrize(
    ("condition", "percent", "available"),
    [
        ({}, None, False),  # any grade: none yet
        ({}, 0.0, True),  # any grade, even 0
        ({"min": 60}, 59.99, False),
        ({"min": 60}, 60.0, True),  # at least min
        ({"max": 80}, 80.0, False),  # below max
        ({"max": 80}, 79.9, True),
        ({"max": 80}, None, False),  # no grade is not "below 80 %"
        ({"min": 50, "max": 80}, 65.0, True),
        ({"min": 50, "max": 80}, 85.0, False),
        ({"min": "50.00000"}, 50.0, True),  # numbers as Moodle may write them
    ],
)
def test_it_decides_a_grade_condition_as_moodle_does(condition, percent, available) -> None:
    assert verdict(rule(condition), percent) is available


@pytest.mark.parametrize(("percent", "available"), [(None, True), (70.0, False), (40.0, True)])
def test_a_negated_grade_condition_is_met_outside_its_range(percent, available) -> None:
    assert verdict(rule({"min": 50, "max": 80}, op="!&"), percent) is available


def test_a_condition_on_an_item_the_box_does_not_hold_is_taken_as_met() -> None:
    tree = {"op": "&", "c": [{"type": "grade", "id": 999, "min": 50}], "showc": [True]}
    found = evaluate(tree, now=NOW, activity_for={}, completed=lambda pk: False)
    assert found.available and found.reasons == ()
    grades = Grades(ITEMS, lambda pk: None)
    found = evaluate(tree, now=NOW, activity_for={}, completed=lambda pk: False, grades=grades)
    assert found.available


def test_the_reason_names_the_activity_and_the_range() -> None:
    grades = Grades(ITEMS, lambda pk: 30.0)
    found = evaluate(
        rule({"min": 50}), now=NOW, activity_for={}, completed=lambda pk: False, grades=grades
    )
    (reason,) = found.reasons
    assert (reason.kind, reason.activity_id, reason.minimum, reason.maximum) == (
        "grade",
        1001,
        50.0,
        None,
    )


# --- On the box ---------------------------------------------------------------------------


def graded_quiz(course: Course) -> Activity:
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=90,
        kind="quiz",
        title="Quiz d'entrée",
        review_status=Activity.Review.APPROVED,
        data={"grade": 20},
        completion={"tracking": "automatic", "grade_item": 7001},
    )


def waiting(course: Course, condition: dict) -> Activity:
    page = course.activities.filter(kind="page").order_by("pk").last()
    page.availability = rule(condition)
    page.save(update_fields=["availability"])
    return page


def grade(quiz: Activity, learner, points: float, *, released: bool = True) -> None:
    Grade.objects.create(
        course_id=quiz.course_id,
        activity=quiz,
        user=learner,
        grade=points,
        max_grade=20,
        source=Grade.Source.QUIZ,
        released_at=timezone.now() - timedelta(minutes=1) if released else None,
    )


def test_it_opens_an_activity_once_the_released_grade_is_high_enough(course, learner) -> None:
    quiz = graded_quiz(course)
    page = waiting(course, {"min": 50})
    url = f"/courses/{course.pk}/activities/{page.pk}/"
    client = signed_in(learner)
    response = client.get(url)
    assert response.status_code == 403
    assert "au moins 50" in response.content.decode() and "Quiz d&#x27;entrée" in (
        response.content.decode()
    )
    grade(quiz, learner, 14, released=False)  # not released: as if not graded
    assert client.get(url).status_code == 403
    Grade.objects.filter(activity=quiz).update(released_at=timezone.now(), grade=8)
    assert client.get(url).status_code == 403  # 40 %
    Grade.objects.filter(activity=quiz).update(grade=10)
    assert client.get(url).status_code == 200  # 50 %


def test_it_reads_grades_only_when_a_rule_asks(course, learner) -> None:
    quiz = graded_quiz(course)
    page = waiting(course, {"min": 50})
    grade(quiz, learner, 12)
    gate = Gate(learner, [course.pk])
    assert gate.verdict(course.pk, page.availability).available
    assert gate.verdict(course.pk, None).available


def test_teachers_are_held_by_no_grade_condition(course, teacher) -> None:
    graded_quiz(course)
    page = waiting(course, {"min": 50})
    assert signed_in(teacher).get(f"/courses/{course.pk}/activities/{page.pk}/").status_code == 200


def test_the_course_page_says_which_grade_opens_it(course, learner) -> None:
    graded_quiz(course)
    waiting(course, {"min": 50, "max": 80})
    page = signed_in(learner).get(f"/courses/{course.pk}/").content.decode()
    assert "au moins 50\u202f% et de moins de 80\u202f%" in page


def test_it_honours_a_grade_condition_of_an_imported_course(tmp_path, learner, teacher) -> None:
    """From the backup to the learner: the quiz's grade item is read from grades.xml, and the
    page that waits for 60 % of the quiz opens once the learner's released grade reaches it."""
    b = Backup(shortname="NOTES")
    s0 = b.section(0)
    quiz = b.activity("quiz", fields(intro="", introformat=1), title="Quiz", section=s0)
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(8123, quiz.instance_id, "0", learner_grade=False),
    )
    b.activity(
        "page",
        fields(content="<p>Suite</p>", contentformat=1),
        title="Suite",
        section=s0,
        availability='{"op":"&","c":[{"type":"grade","id":8123,"min":60}],"showc":[true]}',
    )
    outcome = import_file(b.build(tmp_path / "notes.mbz"), actor=None, publish=True)
    course = Course.objects.get(pk=outcome.course.pk)
    Enrolment.objects.create(user=learner, course=course)
    found_quiz = course.activities.get(kind="quiz")
    assert found_quiz.completion["grade_item"] == 8123
    url = f"/courses/{course.pk}/activities/{course.activities.get(kind='page').pk}/"
    client = signed_in(learner)
    assert client.get(url).status_code == 403
    record(actor=teacher, activity=found_quiz, learner=learner, grade=12, max_grade=20,
           source=Grade.Source.OVERRIDE, released_at=timezone.now())  # fmt: skip
    assert client.get(url).status_code == 200
