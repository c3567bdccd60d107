"""Per-learner and per-group quiz overrides through their actions: applied when an attempt
starts (dates, attempts, time limit, passwords), moving the deadline of attempts in progress
(and so the sweep), the learner's own override winning over their groups', audited and in
the outbox; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from cartable.accounts.models import Cohort
from cartable.assessment import actions
from cartable.assessment.models import Attempt, Override
from cartable.audit.models import AuditEvent
from cartable.importers.jsonable import to_json
from cartable.importers.model import QuizOverride
from cartable.outbox.models import Entry
from tests import quizdata

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _finished(learner, quiz, now=T0) -> Attempt:
    attempt = actions.start(actor=learner, activity=quiz, now=now)
    return actions.finish(actor=learner, attempt=attempt, now=now)


def test_a_learners_override_gives_them_more_attempts_and_no_one_else(
    course, learner, other_learner, teacher
) -> None:
    from cartable.catalog.models import Enrolment

    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    quiz = quizdata.add_quiz(course, attempts=1)
    _finished(learner, quiz)
    _finished(other_learner, quiz)
    with pytest.raises(actions.Refused, match="every attempt"):
        actions.start(actor=learner, activity=quiz, now=T0)
    actions.set_override(actor=teacher, activity=quiz, user=learner, attempts=2, now=T0)
    assert actions.start(actor=learner, activity=quiz, now=T0).number == 2
    with pytest.raises(actions.Refused, match="every attempt"):
        actions.start(actor=other_learner, activity=quiz, now=T0)


def test_a_groups_dates_open_the_quiz_and_the_learners_own_win(
    course, learner, teacher, cohort
) -> None:
    cohort.members.add(learner)
    quiz = quizdata.add_quiz(course, opens=T0 + timedelta(days=1))
    with pytest.raises(actions.Refused, match="not open yet"):
        actions.start(actor=learner, activity=quiz, now=T0)
    actions.set_override(actor=teacher, activity=quiz, cohort=cohort, open_any_time=True, now=T0)
    actions.set_override(
        actor=teacher, activity=quiz, user=learner, opens=T0 + timedelta(days=2), now=T0
    )
    with pytest.raises(actions.Refused, match="not open yet"):  # the learner's own wins
        actions.start(actor=learner, activity=quiz, now=T0)
    own = Override.objects.get(activity=quiz, user=learner)
    actions.remove_override(actor=teacher, override=own, now=T0)
    assert actions.start(actor=learner, activity=quiz, now=T0).state == Attempt.State.IN_PROGRESS


def test_among_groups_the_most_lenient_time_limit_sets_the_deadline(
    course, learner, teacher, establishment
) -> None:
    slow = Cohort.objects.create(establishment=establishment, name="Tiers temps")
    other = Cohort.objects.create(establishment=establishment, name="Cellule B")
    slow.members.add(learner)
    other.members.add(learner)
    quiz = quizdata.add_quiz(course, time_limit=600)
    actions.set_override(actor=teacher, activity=quiz, cohort=slow, time_limit=900, now=T0)
    actions.set_override(actor=teacher, activity=quiz, cohort=other, time_limit=700, now=T0)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == T0 + timedelta(seconds=900)


def test_an_override_moves_the_deadline_of_an_attempt_in_progress_and_the_sweep_follows(
    course, learner, teacher
) -> None:
    quiz = quizdata.add_quiz(course, time_limit=600)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == T0 + timedelta(minutes=10)
    row = actions.set_override(actor=teacher, activity=quiz, user=learner, time_limit=1800, now=T0)
    attempt.refresh_from_db()
    assert attempt.deadline == T0 + timedelta(minutes=30)
    assert actions.close_overdue(now=T0 + timedelta(minutes=15)) == 0
    actions.remove_override(actor=teacher, override=row, now=T0 + timedelta(minutes=15))
    attempt.refresh_from_db()
    assert attempt.deadline == T0 + timedelta(minutes=10)
    assert actions.close_overdue(now=T0 + timedelta(minutes=15)) == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == T0 + timedelta(minutes=10)


def test_a_close_date_override_lets_the_learner_start_after_the_quiz_closed(
    course, learner, teacher
) -> None:
    quiz = quizdata.add_quiz(course, closes=T0 - timedelta(hours=1))
    with pytest.raises(actions.Refused, match="closed"):
        actions.start(actor=learner, activity=quiz, now=T0)
    later = T0 + timedelta(hours=2)
    actions.set_override(actor=teacher, activity=quiz, user=learner, closes=later, now=T0)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == later


def test_group_passwords_each_open_the_quiz_and_the_learners_own_can_lift_it(
    course, learner, teacher, establishment
) -> None:
    first = Cohort.objects.create(establishment=establishment, name="A")
    second = Cohort.objects.create(establishment=establishment, name="B")
    first.members.add(learner)
    second.members.add(learner)
    quiz = quizdata.add_quiz(course, password="quiz", password_protected=True)
    actions.set_override(actor=teacher, activity=quiz, cohort=first, password="alpha", now=T0)
    actions.set_override(actor=teacher, activity=quiz, cohort=second, password="beta", now=T0)
    with pytest.raises(actions.Refused, match="password"):
        actions.start(actor=learner, activity=quiz, password="quiz", now=T0)
    attempt = actions.start(actor=learner, activity=quiz, password="beta", now=T0)
    actions.finish(actor=learner, attempt=attempt, now=T0)
    actions.set_override(actor=teacher, activity=quiz, user=learner, password="", now=T0)
    assert actions.start(actor=learner, activity=quiz, now=T0).number == 2


def test_the_backups_overrides_apply_by_username_and_group_name(
    course, learner, teacher, cohort
) -> None:
    cohort.members.add(learner)
    quiz = quizdata.add_quiz(course, attempts=1, time_limit=600)
    data = quizdata.quiz_content((quizdata.capital(), quizdata.earth()), attempts=1, time_limit=600)
    data = replace(
        data,
        overrides=(
            QuizOverride(user="lea", attempts=3),
            QuizOverride(group=cohort.name, time_limit=1200),
            QuizOverride(user="someone-else", attempts=9),
        ),
    )
    quiz.data = to_json(data)
    quiz.save(update_fields=["data"])
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == T0 + timedelta(seconds=1200)
    actions.finish(actor=learner, attempt=attempt, now=T0)
    second = actions.start(actor=learner, activity=quiz, now=T0)
    assert second.number == 2
    actions.finish(actor=learner, attempt=second, now=T0)
    # An override set on the box replaces the backup's for the same learner.
    actions.set_override(actor=teacher, activity=quiz, user=learner, attempts=1, now=T0)
    with pytest.raises(actions.Refused, match="every attempt"):
        actions.start(actor=learner, activity=quiz, now=T0)


def test_setting_and_removing_are_audited_and_in_the_outbox_without_the_password(
    course, learner, teacher
) -> None:
    quiz = quizdata.add_quiz(course)
    row = actions.set_override(
        actor=teacher, activity=quiz, user=learner, attempts=4, password="secret", now=T0
    )
    again = actions.set_override(actor=teacher, activity=quiz, user=learner, attempts=5, now=T0)
    assert again.pk == row.pk and Override.objects.count() == 1  # replaced, not added
    actions.remove_override(actor=teacher, override=again, now=T0)
    assert not Override.objects.exists()
    events = list(AuditEvent.objects.filter(action__startswith="quiz.override").order_by("seq"))
    assert [e.action for e in events] == [
        "quiz.override_set",
        "quiz.override_set",
        "quiz.override_removed",
    ]
    assert events[0].details["learner"] == "lea" and events[0].details["password"] == "set"
    entries = list(Entry.objects.filter(kind="attempt", activity=quiz).order_by("id"))
    assert [e.payload["override"]["removed"] for e in entries] == [False, False, True]
    assert entries[1].payload["override"]["attempts"] == 5
    assert entries[0].payload["override"]["learner"] == "lea" and entries[0].user is None
    # Not an attempt for the university's learning record store.
    from cartable.exchange.moodle.xapi import statement

    for entry in entries:
        as_sent = {"id": entry.pk, "kind": entry.kind, "created_at": "", "payload": entry.payload}
        assert statement(as_sent, site="https://moodle.example", box="box") is None
    assert all("secret" not in str(e.payload) for e in entries)
    assert all("secret" not in str(e.details) for e in events)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({}, "Change at least one setting"),
        ({"attempts": -1}, "attempts must be between"),
        ({"time_limit": 10**9}, "time limit must be between"),
        ({"opens": T0, "closes": T0 - timedelta(hours=1)}, "close after it opens"),
        ({"attempts": 2, "password": "x" * 256}, "too long"),
    ],
)
def test_bad_settings_are_refused_and_nothing_changes(
    course, learner, teacher, kwargs, message
) -> None:
    quiz = quizdata.add_quiz(course)
    with pytest.raises(actions.BadOverride, match=message):
        actions.set_override(actor=teacher, activity=quiz, user=learner, now=T0, **kwargs)
    assert (
        not Override.objects.exists()
        and not AuditEvent.objects.filter(action="quiz.override_set").exists()
    )


def test_a_learner_out_of_the_course_a_foreign_group_or_no_target_are_refused(
    course, outsider_learner, teacher, other_establishment, learner, cohort
) -> None:
    course.establishment = cohort.establishment
    course.save(update_fields=["establishment"])
    quiz = quizdata.add_quiz(course)
    foreign = Cohort.objects.create(establishment=other_establishment, name="Ailleurs")
    with pytest.raises(actions.BadOverride, match="not enrolled"):
        actions.set_override(actor=teacher, activity=quiz, user=outsider_learner, attempts=2)
    with pytest.raises(actions.BadOverride, match="establishment"):
        actions.set_override(actor=teacher, activity=quiz, cohort=foreign, attempts=2)
    with pytest.raises(actions.BadOverride, match="learner or a group"):
        actions.set_override(actor=teacher, activity=quiz, attempts=2)
    with pytest.raises(actions.BadOverride, match="learner or a group"):
        actions.set_override(actor=teacher, activity=quiz, user=learner, cohort=cohort, attempts=2)
    assert not Override.objects.exists()


def test_the_learners_deadlines_list_their_own_close_dates(
    course, learner, other_learner, teacher, cohort
) -> None:
    from cartable.catalog.models import Enrolment
    from cartable.people.deadlines import deadlines_for

    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    cohort.members.add(learner)
    soon = datetime.now(UTC) + timedelta(days=1)
    later = soon + timedelta(days=2)
    moved = quizdata.add_quiz(course, title="Quiz déplacé", closes=soon)
    lifted = quizdata.add_quiz(course, title="Quiz sans fin", closes=soon)
    actions.set_override(actor=teacher, activity=moved, user=learner, closes=later)
    actions.set_override(actor=teacher, activity=lifted, cohort=cohort, never_closes=True)
    mine = {row.title: row for row in deadlines_for(learner) if row.kind == "quiz"}
    assert mine["Quiz déplacé"].due == later and mine["Quiz déplacé"].extended
    assert "Quiz sans fin" not in mine
    theirs = {row.title: row for row in deadlines_for(other_learner) if row.kind == "quiz"}
    assert theirs["Quiz déplacé"].due == soon and not theirs["Quiz déplacé"].extended
    assert theirs["Quiz sans fin"].due == soon
