"""Answering a survey: required items and ranges checked, one response unless more are allowed,
only while open; an anonymous response keeps no link to the learner, whose answering is
marked apart; audited (without the answers when anonymous), sent, completing the activity."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from cartable.surveys import actions
from cartable.surveys.models import FeedbackMark, FeedbackResponse, FeedbackValue
from tests.surveys import GOOD_ANSWERS, add_feedback


def _values(response: FeedbackResponse) -> dict[int, str]:
    return dict(FeedbackValue.objects.filter(response=response).values_list("item", "value"))


def test_it_keeps_an_anonymous_response_without_the_learner(course: Course, learner: User) -> None:
    survey = add_feedback(course, anonymous=True)
    response = actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    response.refresh_from_db()
    assert response.user_id is None and response.submitted_at is None
    assert _values(response) == {
        2: "2",
        3: "12.5",
        5: "1|3",
        7: "Rien.",
        10: timezone.localdate().isoformat(),
    }
    assert FeedbackMark.objects.get(activity=survey, user=learner).responses == 1
    event = AuditEvent.objects.get(action="feedback.submit")
    assert event.actor_id == learner.pk
    assert event.details == {"anonymous": True, "response": 1}  # who answered, never what
    sent = Entry.objects.get(kind="survey")
    assert sent.user_id is None and "user" not in sent.payload and "at" not in sent.payload
    assert {answer["item"]: answer["shown"] for answer in sent.payload["answers"]}[5] == (
        "Tablette; Papier"
    )
    progress = ActivityProgress.objects.get(user=learner, activity=survey)
    assert progress.completed_by == ActivityProgress.Source.ANSWER


def test_it_names_the_learner_of_a_survey_that_is_not_anonymous(
    course: Course, learner: User
) -> None:
    survey = add_feedback(course, anonymous=False)
    response = actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    assert response.user == learner and response.submitted_at is not None
    event = AuditEvent.objects.get(action="feedback.submit")
    assert event.details["answers"]["3"] == "12.5"
    assert Entry.objects.get(kind="survey").user == learner


def test_it_refuses_missing_and_wrong_answers_and_writes_nothing(
    course: Course, learner: User
) -> None:
    survey = add_feedback(course)
    with pytest.raises(actions.Invalid) as invalid:
        actions.submit_feedback(
            actor=learner, activity=survey, posted={"item-3": ["99"], "item-5": ["7"]}
        )
    assert invalid.value.errors == {2: "required", 3: "range", 5: "option"}
    assert not FeedbackResponse.objects.exists() and not FeedbackMark.objects.exists()
    assert not AuditEvent.objects.filter(action="feedback.submit").exists()
    assert not Entry.objects.exists()


def test_it_takes_one_response_unless_more_are_allowed(course: Course, learner: User) -> None:
    once = add_feedback(course, title="Une fois")
    actions.submit_feedback(actor=learner, activity=once, posted=GOOD_ANSWERS)
    with pytest.raises(actions.Refused) as refused:
        actions.submit_feedback(actor=learner, activity=once, posted=GOOD_ANSWERS)
    assert refused.value.code == "once"
    assert FeedbackResponse.objects.filter(activity=once).count() == 1

    again = add_feedback(course, title="Plusieurs", position=86, multiple_submit=True)
    actions.submit_feedback(actor=learner, activity=again, posted=GOOD_ANSWERS)
    actions.submit_feedback(actor=learner, activity=again, posted=GOOD_ANSWERS)
    assert FeedbackResponse.objects.filter(activity=again).count() == 2  # anonymous: added
    assert FeedbackMark.objects.get(activity=again, user=learner).responses == 2
    assert Entry.objects.filter(kind="completion", activity=again).count() == 1


def test_it_replaces_a_named_response_when_answered_again(course: Course, learner: User) -> None:
    survey = add_feedback(course, anonymous=False, multiple_submit=True)
    actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    actions.submit_feedback(
        actor=learner, activity=survey, posted={**GOOD_ANSWERS, "item-3": ["3"]}
    )
    response = FeedbackResponse.objects.get(activity=survey)
    assert _values(response)[3] == "3"


def test_it_takes_no_response_before_opening_or_after_closing(
    course: Course, learner: User
) -> None:
    now = timezone.now()
    early = add_feedback(course, title="Bientôt", opens=now + timedelta(days=1))
    late = add_feedback(course, title="Fini", position=86, closes=now - timedelta(days=1))
    for survey, code in [(early, "not_open"), (late, "closed")]:
        with pytest.raises(actions.Refused) as refused:
            actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
        assert refused.value.code == code
    assert not FeedbackResponse.objects.exists()


def test_it_refuses_a_choice_posted_as_a_survey(course: Course, learner: User) -> None:
    from tests.surveys import add_choice

    choice = add_choice(course)
    with pytest.raises(actions.Refused):
        actions.submit_feedback(actor=learner, activity=choice, posted=GOOD_ANSWERS)


@pytest.mark.django_db(transaction=True)
def test_it_keeps_one_response_when_a_learner_sends_twice_at_once(
    settings, tmp_path, course: Course, learner: User
) -> None:
    import threading

    from django.db import connection, connections

    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database is shared between threads without locking")
    settings.HOME = tmp_path
    survey = add_feedback(course)
    start = threading.Barrier(4)
    outcomes: list[str] = []

    def send() -> None:
        try:
            start.wait()
            actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
            outcomes.append("ok")
        except actions.Refused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=send) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["ok", "once", "once", "once"]
    assert FeedbackResponse.objects.filter(activity=survey).count() == 1
