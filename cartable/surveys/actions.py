"""Learners' answers to choices and surveys: each in one transaction with the learner
explicit, audited, written to the outbox for the university, and completing the activity
when answering is its rule."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Count
from django.http import HttpRequest
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.actions import record as audit
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course
from cartable.importers.model import ChoiceContent, FeedbackContent
from cartable.learning.actions import complete, uncomplete
from cartable.learning.models import ActivityProgress
from cartable.outbox.actions import add as outbox
from cartable.surveys import items, rules
from cartable.surveys.models import (
    ChoiceAnswer,
    FeedbackDraft,
    FeedbackMark,
    FeedbackResponse,
    FeedbackValue,
)

Refused = rules.Refused


class Invalid(Exception):
    """Answers that need the learner's attention: item id -> code (see ``items.read``)."""

    def __init__(self, errors: items.Errors) -> None:
        super().__init__(errors)
        self.errors = errors


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
def remove_choice(*, actor: User, activity: Activity, request: HttpRequest | None = None) -> bool:
    """Remove ``actor``'s answer to a choice that allows changes, while it is open (Moodle's
    "Remove my choice"): the choice is to do again. False if there was no answer."""
    found = _locked(activity, "choice")
    data = kind_of("choice").read(found.data)
    if not isinstance(data, ChoiceContent):
        raise Refused("unknown")
    when = rules.state(data.opens, data.closes, timezone.now())
    if when != "open":
        raise Refused(when)
    if not data.allow_update:
        raise Refused("no_update")
    current = sorted(
        ChoiceAnswer.objects.filter(activity=found, user=actor).values_list("option", flat=True)
    )
    if not current:
        return False
    ChoiceAnswer.objects.filter(activity=found, user=actor).delete()
    outbox(
        "choice",
        course=Course.objects.get(pk=found.course_id),
        activity=found,
        user=actor,
        payload={"options": [], "at": timezone.now().isoformat(), "changed": True},
    )
    uncomplete(actor=actor, activity=found, learner=actor, by=ActivityProgress.Source.ANSWER)
    audit(
        "choice.remove",
        actor=actor,
        target=found,
        details={"previous": current},
        request=request,
    )
    return True


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
        "choice",
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


def feedback_values(asked: Sequence[items.Question], course: Course) -> dict[int, str]:
    """What the box fills in itself: info items (the day, the course)."""
    filled: dict[int, str] = {}
    for one in asked:
        if one.kind == "info" and one.info == "time":
            filled[one.item.source_id] = timezone.localdate().isoformat()
        elif one.kind == "info" and one.info == "course":
            filled[one.item.source_id] = course.title
    return filled


@transaction.atomic
def submit_feedback(
    *,
    actor: User,
    activity: Activity,
    posted: Mapping[str, Sequence[str]],
    request: HttpRequest | None = None,
) -> FeedbackResponse:
    """Record ``actor``'s response to a survey: ``Refused`` (not open, closed, ``once``: already
    answered and one response only) or ``Invalid`` (answers to fix), else the response.

    Not anonymous, answering again (when allowed) replaces the learner's response, as Moodle
    does; anonymous, it adds one. An anonymous response keeps no link to the learner: the
    audit row says who answered, never what; the university gets the answers without a name."""
    found = _locked(activity, "feedback")
    data = kind_of("feedback").read(found.data)
    if not isinstance(data, FeedbackContent):
        raise Refused("unknown")
    now = timezone.now()
    when = rules.state(data.opens, data.closes, now)
    if when != "open":
        raise Refused(when)
    mark = FeedbackMark.objects.filter(activity=found, user=actor).first()
    if mark is not None and mark.responses and not data.multiple_submit:
        raise Refused("once")
    asked = items.questions(data.items)
    values, errors = items.read(asked, posted)
    if errors:
        raise Invalid(errors)
    course = Course.objects.get(pk=found.course_id)
    values.update(feedback_values(asked, course))
    response = None
    if not data.anonymous:
        response = (
            FeedbackResponse.objects.filter(activity=found, user=actor)
            .order_by("-submitted_at")
            .first()
        )
    if response is None:
        response = FeedbackResponse(activity=found, establishment_id=actor.establishment_id)
        if not data.anonymous:
            response.user = actor
    changed = response._state.adding is False
    response.submitted_on = timezone.localdate()
    response.submitted_at = None if data.anonymous else now
    response.save()
    if changed:
        FeedbackValue.objects.filter(response=response).delete()
    FeedbackValue.objects.bulk_create(
        FeedbackValue(response=response, item=item, value=value)
        for item, value in sorted(values.items())
    )
    FeedbackDraft.objects.filter(activity=found, user=actor).delete()  # sent: no longer a draft
    if mark is None:
        mark = FeedbackMark.objects.create(activity=found, user=actor, responses=1)
    else:
        mark.responses += 1
        mark.save(update_fields=["responses"])
    by_id = {one.item.source_id: one for one in asked}
    answers = [
        {
            "item": item,
            "label": by_id[item].item.label,
            "name": by_id[item].item.name,
            "value": value,
            "shown": items.shown(value, by_id[item]),
        }
        for item, value in sorted(values.items())
    ]
    outbox(
        "survey",
        course=course,
        activity=found,
        user=None if data.anonymous else actor,
        payload={
            "anonymous": data.anonymous,
            "answers": answers,
            **({} if data.anonymous else {"at": now.isoformat(), "replaces": changed}),
        },
    )
    _completed(actor, found)
    details: dict[str, object] = {"anonymous": data.anonymous, "response": mark.responses}
    if not data.anonymous:
        details["answers"] = {str(item): value[:200] for item, value in sorted(values.items())}
    # Known limit: the anonymous response's outbox entry is written next to this learner's
    # completion entry; the exchange should carry anonymous responses apart (batched).
    audit("feedback.submit", actor=actor, target=found, details=details, request=request)
    return response


@transaction.atomic
def save_feedback_page(
    *,
    actor: User,
    activity: Activity,
    answers: Mapping[str, Sequence[str]],
    page: int,
    request: HttpRequest | None = None,
) -> FeedbackDraft:
    """Keep ``actor``'s answers to a survey of several pages as they turn a page, and the page
    to show them next (``Refused`` when the survey takes no answer now). The audit row says
    which page, never what was answered."""
    found = _locked(activity, "feedback")
    data = kind_of("feedback").read(found.data)
    if not isinstance(data, FeedbackContent):
        raise Refused("unknown")
    when = rules.state(data.opens, data.closes, timezone.now())
    if when != "open":
        raise Refused(when)
    mark = FeedbackMark.objects.filter(activity=found, user=actor).first()
    if mark is not None and mark.responses and not data.multiple_submit:
        raise Refused("once")
    kept = {str(key): [str(value) for value in values] for key, values in answers.items()}
    draft, created = FeedbackDraft.objects.get_or_create(
        activity=found, user=actor, defaults={"page": page, "answers": kept}
    )
    if not created:
        if draft.page == page and draft.answers == kept:
            return draft
        draft.page, draft.answers = page, kept
        draft.save(update_fields=["page", "answers", "updated_at"])
    audit(
        "survey.page_saved",
        actor=actor,
        target=found,
        request=request,
        details={"activity": found.pk, "page": page + 1},
    )
    return draft
