"""Learners' answers to choices and surveys: each in one transaction with the learner
explicit, audited, written to the outbox for the university, and completing the activity
when answering is its rule."""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.actions import record as audit
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course
from cartable.importers.model import ChoiceContent
from cartable.learning.actions import complete
from cartable.learning.models import ActivityProgress
from cartable.outbox.actions import add as outbox
from cartable.surveys import rules
from cartable.surveys.models import ChoiceAnswer

Refused = rules.Refused


def _locked(activity: Activity, kind: str) -> Activity:
    """The activity, locked until the end of the transaction: answers to one choice or survey
    are taken one at a time (on SQLite every write transaction already is), so that two
    learners never take an option's last place together."""
    found = Activity.objects.select_for_update().get(pk=activity.pk)
    if found.kind != kind or found.retired_at is not None:
        raise Refused("unknown")
    return found


def choice_counts(activity: Activity) -> dict[int, int]:
    """How many learners chose each option of a choice."""
    return dict(
        ChoiceAnswer.objects.filter(activity=activity)
        .values_list("option")
        .annotate(n=Count("id"))
        .values_list("option", "n")
    )


def _completed(actor: User, activity: Activity) -> None:
    if activity.completion_mode == "answer":
        complete(actor=actor, activity=activity, learner=actor, by=ActivityProgress.Source.ANSWER)


@transaction.atomic
def answer_choice(
    *,
    actor: User,
    activity: Activity,
    options: Sequence[int],
    request: HttpRequest | None = None,
) -> frozenset[int]:
    """Set ``actor``'s answer to a choice: the options they chose (``Refused`` as
    ``rules.choice_answer`` says). An answer given again unchanged writes nothing."""
    found = _locked(activity, "choice")
    data = kind_of("choice").read(found.data)
    if not isinstance(data, ChoiceContent):
        raise Refused("unknown")
    now = timezone.now()
    current = frozenset(
        ChoiceAnswer.objects.filter(activity=found, user=actor).values_list("option", flat=True)
    )
    picked = rules.choice_answer(
        data, options, current=current, counts=choice_counts(found), now=now
    )
    if picked == current:
        return picked
    ChoiceAnswer.objects.filter(activity=found, user=actor).exclude(option__in=picked).delete()
    ChoiceAnswer.objects.bulk_create(
        ChoiceAnswer(activity=found, user=actor, option=option, answered_at=now)
        for option in sorted(picked - current)
    )
    texts = {option.source_id: option.text for option in data.options}
    chosen = [{"id": option, "text": texts[option]} for option in sorted(picked)]
    outbox(
        "choice_answer",
        course=Course.objects.get(pk=found.course_id),
        activity=found,
        user=actor,
        payload={"options": chosen, "at": now.isoformat(), "changed": bool(current)},
    )
    _completed(actor, found)
    audit(
        "choice.answer",
        actor=actor,
        target=found,
        details={"options": sorted(picked), "previous": sorted(current)},
        request=request,
    )
    return picked
