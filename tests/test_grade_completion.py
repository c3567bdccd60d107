"""Completion by a grade: an activity whose completion rule is "receive a grade" is completed
when a released grade is recorded; "receive a passing grade" when the grade reaches the
imported grade to pass. The completion goes to the outbox with the grade, in the same
transaction; an unreleased grade completes nothing yet."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cartable.catalog.models import Activity, Course
from cartable.grades.actions import record
from cartable.grades.models import Grade
from cartable.learning.grading import completes
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("completion", "grade", "done"),
    [
        ({"tracking": "automatic", "grade": True}, 0, True),
        ({"tracking": "automatic", "pass_grade": True, "grade_pass": 12}, 11.99, False),
        ({"tracking": "automatic", "pass_grade": True, "grade_pass": 12}, 12, True),
        ({"tracking": "automatic", "pass_grade": True}, 3, True),  # no grade to pass
        ({"tracking": "automatic", "rules": [["completionpass", 1]], "grade_pass": 10}, 9, False),
        ({"tracking": "automatic", "rules": [["completionpass", 1]], "grade_pass": 10}, 10, True),
        # It asks for a submission too: the assignment's app decides.
        ({"tracking": "automatic", "grade": True, "rules": [["completionsubmit", 1]]}, 5, False),
        ({"tracking": "manual", "grade": True}, 5, False),
        ({"tracking": "automatic"}, 5, False),  # a rule without a grade
        ({}, 5, False),
    ],
)
def test_it_completes_on_a_grade_as_moodle_does(completion, grade, done) -> None:
    assert completes(completion, grade) is done


def quiz(course: Course, **completion) -> Activity:
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=90,
        kind="quiz",
        title="Quiz",
        review_status=Activity.Review.APPROVED,
        completion={"tracking": "automatic", **completion},
        completion_mode="answer",
    )


def give(activity, learner, teacher, grade: float, *, released: bool = True) -> Grade:
    return record(
        actor=teacher,
        activity=activity,
        learner=learner,
        grade=grade,
        max_grade=20,
        source=Grade.Source.ASSIGN,
        released_at=timezone.now() if released else None,
    )


def test_a_released_grade_completes_the_activity_once(course, learner, teacher) -> None:
    activity = quiz(course, grade=True, grade_item=7001)
    give(activity, learner, teacher, 8, released=False)
    assert not ActivityProgress.objects.filter(completed_at__isnull=False).exists()
    give(activity, learner, teacher, 9)
    row = ActivityProgress.objects.get(user=learner, activity=activity)
    assert row.completed_at is not None and row.completed_by == "grade"
    give(activity, learner, teacher, 10)  # a later grade: the completion stands, told once
    entries = Entry.objects.filter(kind="completion")
    assert [e.payload["by"] for e in entries] == ["grade"]


def test_a_passing_grade_completes_only_once_reached(course, learner, teacher) -> None:
    activity = quiz(course, pass_grade=True, grade_pass=12)
    give(activity, learner, teacher, 11)
    assert not ActivityProgress.objects.filter(completed_at__isnull=False).exists()
    give(activity, learner, teacher, 12)
    assert ActivityProgress.objects.get(activity=activity).completed_by == "grade"


def test_a_teachers_override_completes_too(course, learner, teacher, client) -> None:
    activity = quiz(course, grade=True)
    activity.data = {"grade": 20}
    activity.save(update_fields=["data"])
    client.force_login(teacher)
    response = client.post(
        f"/courses/{course.pk}/grades/{activity.pk}/{learner.pk}/", {"grade": "4", "release": "on"}
    )
    assert response.status_code == 302
    assert ActivityProgress.objects.get(activity=activity, user=learner).completed_at is not None


def test_a_grade_without_a_grade_rule_completes_nothing(course, learner, teacher) -> None:
    give(quiz(course), learner, teacher, 20)
    assert not ActivityProgress.objects.exists()
