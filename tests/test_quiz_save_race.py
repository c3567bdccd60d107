"""Saving a page of answers computes everything before its write transaction, then writes
only if the attempt still holds what it read (its ``seq``): a save racing another save, a
finish or the deadline is computed again from what the attempt holds, never lost and never
written over the other; the transaction itself reads nothing of the attempt."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions
from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.audit.models import AuditEvent
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def signed_in(user):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _quiz(course, **settings):
    questions = (quizdata.capital(), quizdata.earth())
    return quizdata.add_quiz(course, questions, per_page=2, shuffle_answers=False, **settings)


def _earth(answer: str) -> dict[str, str]:
    return {"q2:answer": answer}


def _steps(attempt: Attempt, slot: int) -> list:
    return AttemptQuestion.objects.get(attempt=attempt, slot=slot).actions


def _saves() -> int:
    return AuditEvent.objects.filter(action="quiz.answers_saved").count()


def test_a_save_moves_the_sequence_and_writes_each_change_once(course, learner) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course), now=T0)
    assert attempt.seq == 0
    assert actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    assert attempt.seq == 1 and Attempt.objects.get(pk=attempt.pk).seq == 1
    # The same answers again: nothing written, no transaction, the sequence stays.
    assert actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    assert Attempt.objects.get(pk=attempt.pk).seq == 1 and len(_steps(attempt, 2)) == 1
    assert _saves() == 1


def test_a_save_racing_another_is_computed_again_and_both_are_kept(
    course, learner, monkeypatch
) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course), now=T0)
    plan = actions._plan
    calls: list[int] = []

    def other_tab_saves_first(*args, **kwargs):
        planned = plan(*args, **kwargs)
        calls.append(planned.seq)
        if len(calls) == 1:  # another request commits between this read and this write
            other = Attempt.objects.get(pk=attempt.pk)
            monkeypatch.setattr(actions, "_plan", plan)
            assert actions.save(actor=learner, attempt=other, page=0, form=_earth("0"), now=T0)
            monkeypatch.setattr(actions, "_plan", other_tab_saves_first)
        return planned

    monkeypatch.setattr(actions, "_plan", other_tab_saves_first)
    assert actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    assert calls == [0, 1]  # computed again from what the other save wrote
    steps = _steps(attempt, 2)
    assert [step["response"]["value"] for step in steps] == [False, True]  # none lost
    assert Attempt.objects.get(pk=attempt.pk).seq == 2 and attempt.seq == 2
    assert _saves() == 2


def test_a_save_that_keeps_conflicting_writes_nothing_and_says_so(
    course, learner, monkeypatch
) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course), now=T0)
    plan = actions._plan

    def always_beaten(*args, **kwargs):
        planned = plan(*args, **kwargs)
        Attempt.objects.filter(pk=attempt.pk).update(seq=F("seq") + 1)
        return planned

    monkeypatch.setattr(actions, "_plan", always_beaten)
    with pytest.raises(actions.SavedElsewhere, match="reload the page"):
        actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    assert _steps(attempt, 2) == [] and _saves() == 0


def test_the_page_says_saved_elsewhere_and_keeps_the_learner_on_it(
    course, learner, monkeypatch
) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course))
    plan = actions._plan

    def always_beaten(*args, **kwargs):
        planned = plan(*args, **kwargs)
        Attempt.objects.filter(pk=attempt.pk).update(seq=F("seq") + 1)
        return planned

    monkeypatch.setattr(actions, "_plan", always_beaten)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    response = client.post(url, {**_earth("1"), "next": "1"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "changed elsewhere" in response.content.decode()
    assert _steps(attempt, 2) == []


def test_a_finish_between_the_read_and_the_write_wins(course, learner, monkeypatch) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course), now=T0)
    assert actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    plan = actions._plan

    def finished_meanwhile(*args, **kwargs):
        planned = plan(*args, **kwargs)
        if planned.state == Attempt.State.IN_PROGRESS:
            actions.finish(actor=learner, attempt=Attempt.objects.get(pk=attempt.pk), now=T0)
        return planned

    monkeypatch.setattr(actions, "_plan", finished_meanwhile)
    assert not actions.save(actor=learner, attempt=attempt, page=0, form=_earth("0"), now=T0)
    finished = Attempt.objects.get(pk=attempt.pk)
    assert finished.state == Attempt.State.FINISHED
    # The finished attempt was graded with what was saved, and nothing came after its finish.
    assert [step["type"] for step in _steps(attempt, 2)] == ["Save", "Finish"]
    assert finished.sum_marks == 1.0


def test_a_deadline_passing_before_the_write_closes_the_attempt(
    course, learner, monkeypatch
) -> None:
    attempt = actions.start(actor=learner, activity=_quiz(course, time_limit=600), now=T0)
    assert actions.save(actor=learner, attempt=attempt, page=0, form=_earth("1"), now=T0)
    plan = actions._plan

    def deadline_moved(*args, **kwargs):
        planned = plan(*args, **kwargs)
        # The time limit shortened meanwhile (an override removed): it is past now.
        Attempt.objects.filter(pk=attempt.pk).update(deadline=T0 + timedelta(minutes=1))
        return planned

    monkeypatch.setattr(actions, "_plan", deadline_moved)
    later = T0 + timedelta(minutes=5)
    assert not actions.save(actor=learner, attempt=attempt, page=0, form=_earth("0"), now=later)
    closed = Attempt.objects.get(pk=attempt.pk)
    assert closed.state == Attempt.State.FINISHED
    assert closed.finished_at == T0 + timedelta(minutes=1)
    assert AuditEvent.objects.filter(action="quiz.attempt_timed_out").count() == 1
    assert [step["type"] for step in _steps(attempt, 2)] == ["Save", "Finish"]


def test_the_write_transaction_reads_no_attempt_and_replays_nothing(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    with CaptureQueriesContext(connection) as queries:
        client.post(url, {"q1:answer": "1", "q2:answer": "1"})
    sql = [q["sql"] for q in queries.captured_queries]
    begin = next(i for i, s in enumerate(sql) if s.startswith("SAVEPOINT"))
    end = next(i for i, s in enumerate(sql) if s.startswith("RELEASE SAVEPOINT"))
    inside = sql[begin + 1 : end]
    assert not any("assessment_" in s and s.lstrip().upper().startswith("SELECT") for s in inside)
    # The attempt's guarded update, the changed questions in one statement, the audit entry
    # (the chain head read with whether counts are due, the entry, the head moved).
    assert len(inside) == 5
    assert inside[0].startswith('UPDATE "assessment_attempt" SET "seq"')
    assert inside[1].startswith('UPDATE "assessment_attemptquestion"')
