"""Periodic tasks while the box serves: an attempt whose time is up is closed and graded
without anyone coming back to it, once per period, by one process at a time."""

from __future__ import annotations

import fcntl
from datetime import UTC, datetime, timedelta

import pytest

from cartable.assessment import actions
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
from cartable.grades.models import Grade
from cartable.jobs import periodic
from tests import quizdata

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
# Every task of a minute's period: the quiz's sweep, and learning's completion of the grades
# whose release date has come.
EVERY_MINUTE = ["close-attempts", "complete-released-grades"]


@pytest.fixture(autouse=True)
def home(settings, tmp_path):
    settings.HOME = tmp_path
    settings.CONTENT_ROOT = tmp_path / "content"
    return tmp_path


def test_the_periodic_sweep_closes_and_grades_an_overdue_attempt(course, learner) -> None:
    assert "close-attempts" in periodic.TASKS
    quiz = quizdata.add_quiz(course, time_limit=60)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert sorted(periodic.run_due(now=T0 + timedelta(seconds=30))) == EVERY_MINUTE
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.IN_PROGRESS  # not overdue yet
    # Within the period nothing runs again, even past the deadline.
    assert periodic.run_due(now=T0 + timedelta(seconds=62)) == []
    assert sorted(periodic.run_due(now=T0 + timedelta(seconds=91))) == EVERY_MINUTE
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == T0 + timedelta(seconds=60)
    assert attempt.grade == pytest.approx(0.0)
    assert Grade.objects.filter(activity=quiz, user=learner).exists()
    assert AuditEvent.objects.filter(action="quiz.attempt_timed_out").count() == 1


def test_only_one_process_runs_the_tasks_at_a_time(home) -> None:
    folder = home / ".periodic"
    folder.mkdir()
    with (folder / "lock").open("w") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another process is sweeping
        assert periodic.run_due(now=T0) == []
    assert "close-attempts" in periodic.run_due(now=T0)


def test_a_failing_task_does_not_stop_the_others(home, monkeypatch) -> None:
    ran = []

    def broken(now: datetime) -> None:
        raise RuntimeError("boom")

    monkeypatch.setitem(periodic.TASKS, "broken", periodic.Task("broken", 60, broken))
    monkeypatch.setitem(periodic.TASKS, "fine", periodic.Task("fine", 60, ran.append))
    assert {"broken", "fine"} <= set(periodic.run_due(now=T0))
    assert ran == [T0]
