"""Grades and completions are recorded through actions: audited where it matters, and written
to the outbox the exchange will carry to the university, in the same transaction."""

from __future__ import annotations

import pytest
from django.db import transaction

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity
from cartable.grades.actions import record
from cartable.grades.models import Grade
from cartable.learning.actions import complete, record_view, set_done
from cartable.outbox.actions import add
from cartable.outbox.models import Entry
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def page(course) -> Activity:
    return course.activities.filter(kind="page").order_by("pk").first()


def test_it_records_a_grade_once_audited_and_in_the_outbox(course, learner, teacher) -> None:
    activity = page(course)
    graded = record(
        actor=teacher,
        activity=activity,
        learner=learner,
        grade=14,
        max_grade=20,
        source=Grade.Source.ASSIGN,
        feedback="<p>Bien <strong>argumenté</strong></p>",
    )
    assert (graded.grade, graded.max_grade, graded.graded_by) == (14, 20, teacher)
    assert graded.percent == 70
    event = AuditEvent.objects.get(action="grade.recorded")
    assert event.actor == teacher and event.details["learner"] == "lea"
    entry = Entry.objects.get(kind="grade")
    assert entry.user == learner and entry.activity == activity
    assert entry.payload["grade"] == 14 and entry.payload["feedback"] == "Bien argumenté"
    assert entry.payload["course"]["shortname"] == "HIST101"
    assert entry.payload["user"] == {"username": "lea"}
    # The same grade again changes nothing; another one is a change.
    record(actor=teacher, activity=activity, learner=learner, grade=14, max_grade=20,
           source=Grade.Source.ASSIGN, feedback="<p>Bien <strong>argumenté</strong></p>")  # fmt: skip
    assert (
        Entry.objects.count() == 1
        and AuditEvent.objects.filter(action__startswith="grade.").count() == 1
    )
    record(actor=teacher, activity=activity, learner=learner, grade=16, max_grade=20,
           source=Grade.Source.OVERRIDE)  # fmt: skip
    assert AuditEvent.objects.filter(action="grade.changed").count() == 1
    assert [e.payload["grade"] for e in Entry.objects.all()] == [14, 16]


@pytest.mark.parametrize("grade", [-1, 20.5])
def test_it_refuses_a_grade_outside_its_bounds(course, learner, teacher, grade: float) -> None:
    with pytest.raises(ValueError, match="between"):
        record(actor=teacher, activity=page(course), learner=learner, grade=grade,
               max_grade=20, source=Grade.Source.OVERRIDE)  # fmt: skip
    assert not Grade.objects.exists() and not Entry.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_it_writes_outbox_entries_only_inside_the_change_they_carry(course, learner) -> None:
    with pytest.raises(RuntimeError, match="transaction"):
        add("grade", course=course, payload={})
    with transaction.atomic():
        add("grade", course=course, payload={"x": 1})
    assert Entry.objects.get().payload["x"] == 1


def test_it_tells_the_university_when_an_activity_is_completed(course, learner) -> None:
    activity = page(course)  # no completion rule: viewing it completes it
    signed_in(learner).get(f"/courses/{course.pk}/activities/{activity.pk}/")
    record_view(actor=learner, activity=activity)
    entry = Entry.objects.get(kind="completion")
    assert entry.payload["completed"] is True and entry.payload["by"] == "view"
    assert complete(actor=None, activity=activity, learner=learner, by="answer") is False
    assert Entry.objects.count() == 1


def test_it_tells_the_university_of_a_learners_tick_and_untick(course, learner) -> None:
    activity = page(course)
    Activity.objects.filter(pk=activity.pk).update(completion_mode="manual")
    activity.refresh_from_db()
    set_done(actor=learner, activity=activity, done=True)
    set_done(actor=learner, activity=activity, done=True)  # again: nothing new
    set_done(actor=learner, activity=activity, done=False)
    assert [e.payload["completed"] for e in Entry.objects.filter(kind="completion")] == [
        True,
        False,
    ]


def test_a_teachers_override_stands_when_the_activity_grades_again(
    course, learner, teacher
) -> None:
    activity = page(course)
    record(actor=None, activity=activity, learner=learner, grade=8, max_grade=20,
           source=Grade.Source.QUIZ)  # fmt: skip
    record(actor=teacher, activity=activity, learner=learner, grade=12, max_grade=20,
           source=Grade.Source.OVERRIDE)  # fmt: skip
    kept = record(actor=None, activity=activity, learner=learner, grade=9, max_grade=20,
                  source=Grade.Source.QUIZ)  # fmt: skip
    assert (kept.grade, kept.source, kept.graded_by) == (12, "override", teacher)
    assert Grade.objects.get().grade == 12
    assert [e.payload["grade"] for e in Entry.objects.filter(kind="grade")] == [8, 12]
    record(actor=teacher, activity=activity, learner=learner, grade=14, max_grade=20,
           source=Grade.Source.OVERRIDE)  # fmt: skip
    assert Grade.objects.get().grade == 14
