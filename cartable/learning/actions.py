"""Learners' own writes, each in one transaction with the acting learner explicit: a view of an
activity (counted at most once a minute, completing it when viewing is its rule), a tick of an
activity completed by hand, a tick of a study-plan item. Progress and ticks are what the
exchange will carry back to the university, read from these tables."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta

from django.db import IntegrityError, router, transaction
from django.db.models import F
from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.compiled import PLACEHOLDERS, Models, compile_models
from cartable.learning.models import ActivityProgress, StudyPlanItem, StudyPlanTick
from cartable.learning.progress import completes_on_view
from cartable.outbox.actions import add as outbox

# Views of the same activity closer together than this count once (and write nothing): a page
# reloaded, or opened again from the course, should not queue a database write each time.
VIEW_WINDOW = timedelta(minutes=1)


def record_view(*, actor: User, activity: Activity) -> ActivityProgress | None:
    """Record a view: count it, remember the activity as where the learner is in the course,
    and complete the activity if viewing is its rule. Returns the learner's progress row as it
    was before this view (None on a first view).

    One SELECT; then, unless the same activity was viewed within ``VIEW_WINDOW``, two UPDATEs
    (or an INSERT) in one transaction."""
    user = actor
    now = timezone.now()
    row: ActivityProgress | None = _progress_row(router.db_for_read(ActivityProgress)).first(
        user.pk, activity.pk
    )
    if (
        row is not None
        and row.last_viewed_at is not None
        and now - row.last_viewed_at < VIEW_WINDOW
        and not (completes_on_view(activity) and row.completed_at is None)
    ):
        return row
    with transaction.atomic():
        Enrolment.objects.filter(user=user, course_id=activity.course_id).update(
            last_activity=activity, last_seen_at=now
        )
        _count_view(user, activity, now)
    return row


@functools.cache
def _progress_row(alias: str) -> Models:
    """The learner's progress row on an activity, compiled once (every activity page reads
    it)."""
    rows = ActivityProgress.objects.filter(user_id=PLACEHOLDERS[0], activity_id=PLACEHOLDERS[1])
    only = rows.only("id", "views", "last_viewed_at", "completed_at").order_by("pk")[:1]
    return compile_models(only, alias)


def _count_view(user: User, activity: Activity, now: datetime) -> None:
    changes: dict[str, object] = {"last_viewed_at": now, "views": F("views") + 1}
    updated = ActivityProgress.objects.filter(user=user, activity=activity)
    if completes_on_view(activity):
        # Never move an earlier completion date.
        completing = {**changes, "completed_at": now, "completed_by": ActivityProgress.Source.VIEW}
        if updated.filter(completed_at__isnull=True).update(**completing):
            _completed(user, activity, now, ActivityProgress.Source.VIEW)
            return
    if updated.update(**changes):
        return
    try:
        with transaction.atomic():
            ActivityProgress.objects.create(
                user=user,
                activity=activity,
                course_id=activity.course_id,
                first_viewed_at=now,
                last_viewed_at=now,
                views=1,
                completed_at=now if completes_on_view(activity) else None,
                completed_by=ActivityProgress.Source.VIEW if completes_on_view(activity) else "",
            )
            if completes_on_view(activity):
                _completed(user, activity, now, ActivityProgress.Source.VIEW)
    except IntegrityError:  # a second tab created it meanwhile
        updated.update(last_viewed_at=now, views=F("views") + 1)


def _completed(user: User, activity: Activity, when: datetime, by: str) -> None:
    """Tell the university (through the outbox) that ``user`` completed ``activity``."""
    outbox(
        "completion",
        course=Course.objects.get(pk=activity.course_id),
        activity=activity,
        user=user,
        payload={"completed": True, "at": when.isoformat(), "by": by},
    )


@transaction.atomic
def complete(*, actor: User | None, activity: Activity, learner: User, by: str) -> bool:
    """Complete ``activity`` for ``learner`` by something the box recorded (a grade, a
    submission, an attempt); an earlier completion stands. True if this completed it."""
    now = timezone.now()
    row, _created = ActivityProgress.objects.select_for_update().get_or_create(
        user=learner, activity=activity, defaults={"course_id": activity.course_id}
    )
    if row.completed_at is not None:
        return False
    row.completed_at, row.completed_by = now, by
    row.save(update_fields=["completed_at", "completed_by"])
    _completed(learner, activity, now, by)
    return True


@transaction.atomic
def uncomplete(*, actor: User | None, activity: Activity, learner: User, by: str) -> bool:
    """Undo a completion that ``by`` made, when what the box recorded is withdrawn (a choice's
    answer the learner removes, as Moodle allows): the activity is to do again. A completion
    made otherwise stands. True if this undid it."""
    row = (
        ActivityProgress.objects.select_for_update()
        .filter(user=learner, activity=activity, completed_by=by, completed_at__isnull=False)
        .first()
    )
    if row is None:
        return False
    row.completed_at, row.completed_by = None, ""
    row.save(update_fields=["completed_at", "completed_by"])
    outbox(
        "completion",
        course=Course.objects.get(pk=activity.course_id),
        activity=activity,
        user=learner,
        payload={"completed": False, "at": None, "by": by},
    )
    return True


def set_done(*, actor: User, activity: Activity, done: bool) -> bool:
    """A learner's own tick, for activities completed by hand. False if the rule is another."""
    if activity.completion_mode != "manual":
        return False
    user = actor
    now = timezone.now()
    with transaction.atomic():
        row, _ = ActivityProgress.objects.select_for_update().get_or_create(
            user=user, activity=activity, defaults={"course_id": activity.course_id}
        )
        if (row.completed_at is not None) == done:
            return True  # as it was: nothing to tell anyone
        row.completed_at = now if done else None
        row.completed_by = ActivityProgress.Source.MANUAL if done else ""
        row.save(update_fields=["completed_at", "completed_by"])
        if done:
            _completed(user, activity, now, ActivityProgress.Source.MANUAL)
        else:
            outbox(
                "completion",
                course=Course.objects.get(pk=activity.course_id),
                activity=activity,
                user=user,
                payload={"completed": False, "at": None, "by": ActivityProgress.Source.MANUAL},
            )
    return True


@transaction.atomic
def tick(*, actor: User, item: StudyPlanItem, done: bool) -> None:
    """The learner ticks (or unticks) a study-plan item handed to them."""
    if done:
        StudyPlanTick.objects.get_or_create(item=item, learner=actor)
    else:
        StudyPlanTick.objects.filter(item=item, learner=actor).delete()
