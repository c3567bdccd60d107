"""What quiz pages cost the database: a fixed number of queries whatever the number of
questions, and reading a page again writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cartable.assessment import actions, engine
from cartable.assessment.models import AttemptQuestion
from cartable.audit import verify
from cartable.audit.models import AuditEvent
from tests import quizdata
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def cost(client, method: str, url: str, data=None) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url) if method == "GET" else client.post(url, data or {})
    assert response.status_code in (200, 302)
    sql = [q["sql"] for q in queries.captured_queries]
    written = [
        s for s in sql if s.lstrip().upper().startswith(WRITES) and "django_session" not in s
    ]
    return len(sql), written


@pytest.mark.parametrize("per_page", [1, 5])
def test_quiz_pages_cost_the_same_whatever_the_questions(course, learner, per_page) -> None:
    quiz = quizdata.add_quiz(course, per_page=per_page)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    summary, written = cost(client, "GET", reverse("assessment:quiz", args=[course.pk, quiz.pk]))
    assert summary <= 9 and written == []
    page, written = cost(client, "GET", reverse("assessment:attempt", args=[attempt.pk, 1]))
    assert page <= 6 and written == []
    # Saving the same answers again writes nothing (the session aside), and opens no write
    # transaction: the page's questions and the attempt read in one query.
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    cost(client, "POST", url, {"q2:answer": "1", "save": "1"})
    saved, written = cost(client, "POST", url, {"q2:answer": "1", "save": "1"})
    assert saved <= 6 and written == []
    review_cost, _ = cost(client, "GET", reverse("assessment:summary", args=[attempt.pk]))
    assert review_cost <= 6


def test_starting_saving_and_showing_cost_a_fixed_number_of_queries(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    client = signed_in(learner)
    url = reverse("assessment:quiz", args=[course.pk, quiz.pk])
    client.get(url)
    started, written = cost(client, "POST", url + "start/")
    # The attempts counted (and the one in progress found) in one query, again in the write
    # transaction; the earlier attempts' questions are not read (no random slot); the
    # course is not read again for the outbox; the attempt and its questions in one INSERT
    # each.
    assert started <= 16 and written
    assert [s.split(" (")[0] for s in written if s.startswith("INSERT")] == [
        'INSERT INTO "assessment_attempt"',
        'INSERT INTO "assessment_attemptquestion"',
        'INSERT INTO "audit_auditevent"',
        'INSERT INTO "outbox_entry"',
    ]
    attempt = actions.in_progress(learner, quiz)
    page = reverse("assessment:attempt", args=[attempt.pk, 1])
    shown, written = cost(client, "GET", page)
    assert shown <= 6 and written == []
    # Two answers changed: both written in one statement, the attempt not read again.
    saved, written = cost(client, "POST", page, {"q1:answer": "1", "q2:answer": "1"})
    assert saved <= 14
    updates = [s for s in written if 'UPDATE "assessment_attemptquestion"' in s]
    assert len(updates) == 1 and attempt.questions.filter(state="complete").count() == 2


def test_a_page_replays_its_own_questions_only(course, learner, monkeypatch) -> None:
    quiz = quizdata.add_quiz(course, per_page=2)
    attempt = actions.start(actor=learner, activity=quiz)
    replayed: list[int] = []
    load = engine.load

    def counted(row):
        replayed.append(row.slot)
        return load(row)

    monkeypatch.setattr(engine, "load", counted)
    client = signed_in(learner)
    response = client.get(reverse("assessment:attempt", args=[attempt.pk, 2]))
    assert response.status_code == 200
    assert sorted(replayed) == sorted(attempt.pages[1])


def test_numbers_count_the_questions_of_earlier_pages_but_not_descriptions(course, learner) -> None:
    questions = (quizdata.description(), quizdata.capital(), quizdata.earth(), quizdata.river())
    quiz = quizdata.add_quiz(course, questions, per_page=2, shuffle_answers=False)
    attempt = actions.start(actor=learner, activity=quiz)
    assert attempt.pages == [[1, 2], [3, 4]]
    client = signed_in(learner)
    first = client.get(reverse("assessment:attempt", args=[attempt.pk, 1])).content.decode()
    second = client.get(reverse("assessment:attempt", args=[attempt.pk, 2])).content.decode()
    assert "Information" in first and "Question 1" in first and "Question 3" not in first
    assert "Question 2" in second and "Question 3" in second and "Question 4" not in second


def test_a_replay_kept_between_requests_is_the_full_replay(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    for answer in ("1", "0", "1"):
        client.post(url, {"q1:answer": answer, "q2:answer": answer})
    rows = list(attempt.questions.all())
    kept = {row.slot: engine.load(row).attempt for row in rows}
    engine.forget_replays()
    assert {row.slot: engine.load(row).attempt for row in rows} == kept
    assert len(kept[2].steps) == 4  # started, then three saves


def test_a_row_changed_elsewhere_is_replayed_from_the_start(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    client.post(url, {"q2:answer": "1"})
    row = attempt.questions.get(slot=2)
    assert len(engine.load(row).attempt.steps) == 2
    attempt.questions.filter(slot=2).update(actions=[])  # another process, a restored copy
    assert len(engine.load(attempt.questions.get(slot=2)).attempt.steps) == 1
    attempt.questions.filter(slot=2).update(
        actions=[{"type": "Save", "response": {"type": "TrueFalseResponse", "value": False}}]
    )
    replayed = engine.load(attempt.questions.get(slot=2)).attempt
    assert replayed.response is not None and replayed.response.value is False


def test_a_save_writes_its_answers_and_its_audit_entry_in_four_statements(
    course, learner, home, django_capture_on_commit_callbacks
) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    client.get(url)
    before = AuditEvent.objects.count()
    with django_capture_on_commit_callbacks(execute=True):
        saved, written = cost(client, "POST", url, {"q1:answer": "1", "q2:answer": "1"})
    # Written: the attempt's guarded update, both answers in one statement, the audit entry
    # and the chain head moved (after the head read with whether counts are due). Read
    # before the write transaction: the session and user, the attempt, the quiz's course and
    # activity, the page's questions with the attempt's state.
    assert [s.split(" SET ")[0].split(" (")[0] for s in written] == [
        'UPDATE "assessment_attempt"',
        'UPDATE "assessment_attemptquestion"',
        'INSERT INTO "audit_auditevent"',
        'UPDATE "audit_chainhead"',
    ]
    assert saved <= 13  # the six reads, the five statements and their savepoint (test client)
    entry = AuditEvent.objects.order_by("-seq").first()
    assert AuditEvent.objects.count() == before + 1
    assert (entry.action, entry.details) == (
        "quiz.answers_saved",
        {"attempt": attempt.pk, "page": 1, "slots": [1, 2]},
    )
    assert verify.verify(home).intact
    attempt.refresh_from_db()
    assert attempt.seq == 1
    assert sorted(attempt.questions.filter(state="complete").values_list("slot", flat=True)) == [
        1,
        2,
    ]


def test_the_compiled_page_read_finds_what_the_orm_finds(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=5)
    attempt = actions.start(actor=learner, activity=quiz)
    slots = [3, 1, 4]
    compiled = actions._page_query("default", len(slots)).all(attempt.pk, *slots)
    orm = AttemptQuestion.objects.filter(attempt_id=attempt.pk, slot__in=slots).annotate(
        attempt_seq=F("attempt__seq"),
        attempt_state=F("attempt__state"),
        attempt_deadline=F("attempt__deadline"),
        attempt_current_page=F("attempt__current_page"),
    )
    names = ["attempt_seq", "attempt_state", "attempt_deadline", "attempt_current_page"]
    assert [
        (r.pk, r.slot, r.question, r.actions, *(getattr(r, n) for n in names)) for r in compiled
    ] == [(r.pk, r.slot, r.question, r.actions, *(getattr(r, n) for n in names)) for r in orm]
    assert [r.slot for r in compiled] == [1, 3, 4]
    assert actions._page_query("default", 2).all(attempt.pk, 99, 98) == []


def test_a_page_read_finds_what_the_orm_finds_and_replays_only_its_questions(
    course, learner
) -> None:
    quiz = quizdata.add_quiz(
        course, (*(make() for make in quizdata.MIXED), quizdata.description()), per_page=2
    )
    attempt = actions.start(actor=learner, activity=quiz)
    rows = {row.slot: row for row in attempt.questions.all()}
    informational = {slot for slot, row in rows.items() if row.behaviour == "informationitem"}
    assert informational  # the description
    page = attempt.pages[1]
    loaded, shown_only, held = engine.load_page(attempt, page)
    assert sorted(loaded) == sorted(page)
    assert shown_only == informational
    assert held == {slot: (row.behaviour, row.state) for slot, row in rows.items()}
    for slot, item in loaded.items():
        row = rows[slot]
        assert item.row is not None and item.row.attempt is attempt
        assert (item.row.pk, item.row.question, item.row.layout, item.row.actions) == (
            row.pk,
            row.question,
            row.layout,
            row.actions,
        )
        assert item.attempt == engine.load(row).attempt


def test_quiz_settings_kept_between_requests_follow_the_activitys_data(course) -> None:
    quiz = quizdata.add_quiz(course, per_page=2)
    first = engine.settings_of(quiz)
    assert engine.settings_of(quiz) is first  # read once
    quiz.data["questions_per_page"] = 5  # changed in place, not saved yet
    assert engine.settings_of(quiz).questions_per_page == 5
    quiz.save()
    quiz.refresh_from_db()
    assert engine.settings_of(quiz).questions_per_page == 5
    quiz.data["questions_per_page"] = 2
    quiz.save()
    assert engine.settings_of(type(quiz).objects.get(pk=quiz.pk)) == first
