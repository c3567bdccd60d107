"""Completion by a grade: an activity whose completion rule is "receive a grade" is completed
when a released grade is recorded; "receive a passing grade" when the grade reaches the
imported grade to pass. The completion goes to the outbox with the grade, in the same
transaction; an unreleased grade completes nothing yet."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course
from cartable.grades.actions import record, withhold
from cartable.grades.models import Grade
from cartable.learning import grading
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


# --- A grade that drops, is removed or withheld (Moodle recomputes the grade's state) ---------


@pytest.mark.parametrize(
    ("completion", "grade", "state"),
    [
        ({"tracking": "automatic", "grade": True}, None, grading.INCOMPLETE),
        ({"tracking": "automatic", "grade": True}, 0, grading.COMPLETE),
        ({"tracking": "automatic", "grade": True, "grade_pass": 10}, 9, grading.COMPLETE_FAIL),
        (
            {"tracking": "automatic", "pass_grade": True, "grade_pass": 10},
            10,
            grading.COMPLETE_PASS,
        ),
        (
            {"tracking": "automatic", "pass_grade": True, "grade_pass": 10},
            9.5,
            grading.COMPLETE_FAIL,
        ),
        ({"tracking": "automatic", "pass_grade": True, "grade_pass": "x"}, 1, grading.COMPLETE),
        ({"tracking": "manual", "grade": True}, 5, None),
        ({"tracking": "automatic", "grade": True, "rules": [["completionsubmit", 1]]}, 5, None),
    ],
)
def test_it_names_moodles_grade_states(completion, grade, state) -> None:
    assert grading.state(completion, grade) == state


def test_a_failing_grade_still_completes_a_receive_a_grade_rule() -> None:
    # Moodle's COMPLETE_FAIL counts as complete unless the rule asks for a passing grade.
    assert grading.done({"tracking": "automatic", "grade": True, "grade_pass": 10}, 2) is True
    assert grading.done({"tracking": "automatic", "pass_grade": True, "grade_pass": 10}, 2) is False


def _completed(activity, learner) -> bool:
    row = ActivityProgress.objects.filter(activity=activity, user=learner).first()
    return row is not None and row.completed_at is not None


def test_a_grade_dropping_below_the_pass_mark_takes_the_completion_back(
    course, learner, teacher
) -> None:
    activity = quiz(course, pass_grade=True, grade_pass=12)
    give(activity, learner, teacher, 15)
    assert _completed(activity, learner)
    give(activity, learner, teacher, 10)  # regraded below the pass mark
    assert not _completed(activity, learner)
    assert [e.payload["completed"] for e in Entry.objects.filter(kind="completion")] == [
        True,
        False,
    ]
    event = AuditEvent.objects.get(action="completion.withdrawn")
    assert event.details["state"] == grading.COMPLETE_FAIL
    assert event.details["learner"] == learner.username and event.actor_id == teacher.pk
    give(activity, learner, teacher, 13)  # back above it: completed again
    assert _completed(activity, learner)


def test_a_lower_grade_keeps_a_receive_a_grade_completion(course, learner, teacher) -> None:
    activity = quiz(course, grade=True, grade_pass=12)
    give(activity, learner, teacher, 15)
    give(activity, learner, teacher, 3)
    assert _completed(activity, learner)
    assert not AuditEvent.objects.filter(action="completion.withdrawn").exists()


def test_a_removed_grade_takes_the_completion_back(course, learner, teacher) -> None:
    activity = quiz(course, grade=True)
    give(activity, learner, teacher, 15)
    record(
        actor=teacher,
        activity=activity,
        learner=learner,
        grade=None,
        max_grade=20,
        source=Grade.Source.ASSIGN,
    )
    assert not _completed(activity, learner)
    assert AuditEvent.objects.get(action="completion.withdrawn").details["state"] == "incomplete"


def test_a_withheld_grade_takes_the_completion_back(course, learner, teacher) -> None:
    activity = quiz(course, grade=True)
    give(activity, learner, teacher, 15)
    withhold(actor=teacher, activity=activity, learner=learner)
    assert not _completed(activity, learner)
    assert Entry.objects.filter(kind="completion").last().payload["completed"] is False
    give(activity, learner, teacher, 15)  # released again
    assert _completed(activity, learner)


def test_an_override_below_the_pass_mark_takes_it_back(course, learner, teacher, client) -> None:
    activity = quiz(course, pass_grade=True, grade_pass=10)
    activity.data = {"grade": 20}
    activity.save(update_fields=["data"])
    give(activity, learner, teacher, 15)
    client.force_login(teacher)
    response = client.post(
        f"/courses/{course.pk}/grades/{activity.pk}/{learner.pk}/", {"grade": "4", "release": "on"}
    )
    assert response.status_code == 302
    assert not _completed(activity, learner)
    event = AuditEvent.objects.get(action="completion.withdrawn")
    assert event.ip_address is not None  # the teacher's request is in the audit


def test_a_completion_by_hand_stands_when_the_grade_drops(course, learner, teacher) -> None:
    activity = quiz(course, pass_grade=True, grade_pass=12)
    ActivityProgress.objects.create(
        user=learner,
        activity=activity,
        course=course,
        completed_at=timezone.now(),
        completed_by=ActivityProgress.Source.MANUAL,
    )
    give(activity, learner, teacher, 2)
    assert _completed(activity, learner)


def test_another_learners_grade_leaves_this_one_alone(
    course, learner, teacher, django_user_model
) -> None:
    other = django_user_model.objects.create_user("other-grade", password="x")
    activity = quiz(course, pass_grade=True, grade_pass=12)
    give(activity, learner, teacher, 15)
    give(activity, other, teacher, 15)
    give(activity, other, teacher, 1)
    assert _completed(activity, learner) and not _completed(activity, other)


# --- A grade released at a later date ---------------------------------------------------------


def _later(activity, learner, when, grade: float = 15) -> Grade:
    return record(
        actor=None,
        activity=activity,
        learner=learner,
        grade=grade,
        max_grade=20,
        source=Grade.Source.QUIZ,
        released_at=when,
    )


def test_a_grade_released_later_completes_when_its_date_comes(course, learner) -> None:
    activity = quiz(course, grade=True)
    now = timezone.now()
    _later(activity, learner, now + timedelta(hours=2))
    assert not _completed(activity, learner)
    assert grading.complete_released(now) == 0  # not yet
    assert not _completed(activity, learner)
    assert grading.complete_released(now + timedelta(hours=2, minutes=1)) == 1
    assert _completed(activity, learner)
    assert ActivityProgress.objects.get(activity=activity).completed_by == "grade"
    # Idempotent: a second run writes nothing.
    assert grading.complete_released(now + timedelta(hours=3)) == 0
    assert Entry.objects.filter(kind="completion").count() == 1


def test_a_failing_grade_released_later_completes_nothing(course, learner) -> None:
    activity = quiz(course, pass_grade=True, grade_pass=12)
    now = timezone.now()
    _later(activity, learner, now + timedelta(minutes=5), grade=3)
    assert grading.complete_released(now + timedelta(minutes=6)) == 0
    assert not _completed(activity, learner)


def test_the_sweep_runs_with_the_periodic_tasks(course, learner, settings, tmp_path) -> None:
    from cartable.jobs import periodic

    settings.HOME = str(tmp_path)
    activity = quiz(course, grade=True)
    now = timezone.now()
    _later(activity, learner, now + timedelta(minutes=5))
    assert "complete-released-grades" in periodic.run_due(now + timedelta(minutes=6))
    assert _completed(activity, learner)


def test_a_grade_released_later_reaches_recent_feedback_then(course, learner) -> None:
    from cartable.grades.book import recent_feedback

    activity = quiz(course, grade=True)
    now = timezone.now()
    record(
        actor=None,
        activity=activity,
        learner=learner,
        grade=15,
        max_grade=20,
        source=Grade.Source.QUIZ,
        feedback="<p>Bien</p>",
        released_at=now - timedelta(seconds=1),
    )
    assert [f.title for f in recent_feedback(learner, [course.pk])] == ["Quiz"]
    Grade.objects.filter(activity=activity).update(released_at=now + timedelta(days=1))
    assert recent_feedback(learner, [course.pk]) == []  # decided when read


def test_a_later_grade_to_be_released_later_leaves_the_completion_until_then(
    course, learner
) -> None:
    # A second attempt whose mark is shown later: the first one's completion stands meanwhile,
    # and the new grade decides when its date comes.
    activity = quiz(course, pass_grade=True, grade_pass=12)
    now = timezone.now()
    _later(activity, learner, now - timedelta(minutes=1), grade=15)
    assert _completed(activity, learner)
    _later(activity, learner, now + timedelta(minutes=5), grade=4)
    assert _completed(activity, learner)
    assert not AuditEvent.objects.filter(action="completion.withdrawn").exists()
    assert grading.complete_released(now + timedelta(minutes=6)) == 1
    assert not _completed(activity, learner)
    assert AuditEvent.objects.get(action="completion.withdrawn").actor is None
    assert grading.complete_released(now + timedelta(minutes=7)) == 0  # idempotent
