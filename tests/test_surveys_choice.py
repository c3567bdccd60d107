"""Answering a choice: one option or several as the choice says, places per option, changing
an answer only when allowed, only while it is open; audited, sent to the university, and
completing the activity."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest
from django.db import connection, connections
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from cartable.surveys import actions
from cartable.surveys.models import ChoiceAnswer
from tests.conftest import make_user
from tests.surveys import add_choice


def _chosen(activity, user) -> list[int]:
    return sorted(
        ChoiceAnswer.objects.filter(activity=activity, user=user).values_list("option", flat=True)
    )


def _refusal(**kwargs) -> str:
    with pytest.raises(actions.Refused) as refused:
        actions.answer_choice(**kwargs)
    return refused.value.code


def test_it_records_an_answer_audits_it_sends_it_and_completes(
    course: Course, learner: User
) -> None:
    choice = add_choice(course)
    actions.answer_choice(actor=learner, activity=choice, options=[12])
    assert _chosen(choice, learner) == [12]
    event = AuditEvent.objects.get(action="choice.answer")
    assert (event.actor_id, event.target_id) == (learner.pk, str(choice.pk))
    assert event.details == {"options": [12], "previous": []}
    sent = Entry.objects.get(kind="choice")
    assert sent.user == learner and sent.payload["options"] == [{"id": 12, "text": "Mardi"}]
    progress = ActivityProgress.objects.get(user=learner, activity=choice)
    assert progress.completed_by == ActivityProgress.Source.ANSWER
    assert Entry.objects.filter(kind="completion", user=learner, activity=choice).count() == 1


def test_it_leaves_a_choice_completed_by_hand_to_the_learners_tick(
    course: Course, learner: User
) -> None:
    choice = add_choice(course)
    choice.completion_mode = "manual"
    choice.save(update_fields=["completion_mode"])
    actions.answer_choice(actor=learner, activity=choice, options=[12])
    assert not ActivityProgress.objects.filter(activity=choice, completed_at__isnull=False).exists()


@pytest.mark.parametrize(
    ("options", "code"),
    [([], "empty"), ([99], "unknown"), ([11, 12], "one_only"), ([12, 99], "unknown")],
)
def test_it_refuses_bad_answers_and_writes_nothing(
    course: Course, learner: User, options: list[int], code: str
) -> None:
    choice = add_choice(course)
    assert _refusal(actor=learner, activity=choice, options=options) == code
    assert _chosen(choice, learner) == []
    assert not AuditEvent.objects.filter(action="choice.answer").exists()
    assert not Entry.objects.exists()


def test_it_takes_several_options_when_the_choice_allows_it(course: Course, learner: User) -> None:
    choice = add_choice(course, allow_multiple=True)
    actions.answer_choice(actor=learner, activity=choice, options=[11, 12, 12])
    assert _chosen(choice, learner) == [11, 12]


def test_it_refuses_a_change_unless_the_choice_allows_updates(
    course: Course, learner: User
) -> None:
    fixed = add_choice(course, title="Fixe")
    actions.answer_choice(actor=learner, activity=fixed, options=[11])
    assert _refusal(actor=learner, activity=fixed, options=[12]) == "no_update"
    assert _chosen(fixed, learner) == [11]

    open_to_change = add_choice(course, title="Modifiable", position=81, allow_update=True)
    actions.answer_choice(actor=learner, activity=open_to_change, options=[11])
    actions.answer_choice(actor=learner, activity=open_to_change, options=[12])
    assert _chosen(open_to_change, learner) == [12]
    last = AuditEvent.objects.filter(action="choice.answer").order_by("-seq").first()
    assert last is not None and last.details == {"options": [12], "previous": [11]}
    # Completed once; the university hears of both answers.
    assert Entry.objects.filter(kind="completion", activity=open_to_change).count() == 1
    assert Entry.objects.filter(kind="choice", activity=open_to_change).count() == 2


def test_it_writes_nothing_for_the_same_answer_again(course: Course, learner: User) -> None:
    choice = add_choice(course, allow_update=True)
    actions.answer_choice(actor=learner, activity=choice, options=[11])
    actions.answer_choice(actor=learner, activity=choice, options=[11])
    assert AuditEvent.objects.filter(action="choice.answer").count() == 1


def test_it_refuses_answers_before_opening_and_after_closing(course: Course, learner: User) -> None:
    now = timezone.now()
    early = add_choice(course, title="Bientôt", opens=now + timedelta(hours=1))
    late = add_choice(course, title="Fini", position=81, closes=now - timedelta(minutes=1))
    assert _refusal(actor=learner, activity=early, options=[11]) == "not_open"
    assert _refusal(actor=learner, activity=late, options=[11]) == "closed"
    assert not ChoiceAnswer.objects.exists()


def test_it_keeps_to_the_places_of_each_option(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, limit_answers=True, allow_update=True)
    actions.answer_choice(actor=learner, activity=choice, options=[11])  # Lundi: 1 place
    assert _refusal(actor=other_learner, activity=choice, options=[11]) == "full"
    # A limit of 0 leaves no place at all (as in Moodle).
    assert _refusal(actor=other_learner, activity=choice, options=[13]) == "full"
    actions.answer_choice(actor=other_learner, activity=choice, options=[12])
    # The learner holding the last place may give the same answer again.
    actions.answer_choice(actor=learner, activity=choice, options=[11])
    assert _chosen(choice, learner) == [11] and _chosen(choice, other_learner) == [12]


def test_it_ignores_limits_when_the_choice_sets_none(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course)
    actions.answer_choice(actor=learner, activity=choice, options=[13])
    actions.answer_choice(actor=other_learner, activity=choice, options=[13])
    assert ChoiceAnswer.objects.filter(option=13).count() == 2


@pytest.mark.django_db(transaction=True)
def test_it_gives_the_last_place_to_one_learner_only_under_concurrency(
    settings, tmp_path, course: Course
) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database is shared between threads without locking")
    settings.HOME = tmp_path
    choice = add_choice(course, limit_answers=True)
    people = [make_user(f"eleve{n}", "learner", course.establishment) for n in range(6)]
    start = threading.Barrier(len(people))
    outcomes: list[str] = []

    def answer(person: User) -> None:
        try:
            start.wait()
            actions.answer_choice(actor=person, activity=choice, options=[11])
            outcomes.append("ok")
        except actions.Refused as refused:
            outcomes.append(refused.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer, args=(person,)) for person in people]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["full"] * 5 + ["ok"]
    assert ChoiceAnswer.objects.filter(activity=choice, option=11).count() == 1


def test_it_removes_an_answer_when_changes_are_allowed_and_the_choice_is_to_do_again(
    course: Course, learner: User
) -> None:
    choice = add_choice(course, allow_update=True)
    actions.answer_choice(actor=learner, activity=choice, options=[12])
    assert actions.remove_choice(actor=learner, activity=choice) is True
    assert _chosen(choice, learner) == []
    progress = ActivityProgress.objects.get(user=learner, activity=choice)
    assert progress.completed_at is None
    undone = Entry.objects.filter(kind="completion", activity=choice).order_by("pk").last()
    assert undone is not None and undone.payload["completed"] is False
    assert AuditEvent.objects.get(action="choice.remove").details == {"previous": [12]}
    assert actions.remove_choice(actor=learner, activity=choice) is False  # nothing left


def test_it_keeps_an_answer_the_choice_does_not_let_change(course: Course, learner: User) -> None:
    fixed = add_choice(course)
    actions.answer_choice(actor=learner, activity=fixed, options=[12])
    with pytest.raises(actions.Refused) as refused:
        actions.remove_choice(actor=learner, activity=fixed)
    assert refused.value.code == "no_update" and _chosen(fixed, learner) == [12]
    closed = add_choice(
        course,
        title="Fermé",
        position=81,
        allow_update=True,
        closes=timezone.now() - timedelta(seconds=1),
    )
    with pytest.raises(actions.Refused):
        actions.remove_choice(actor=learner, activity=closed)
