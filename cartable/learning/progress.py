"""Recording and reading learners' progress.

An activity is *done* when it is completed by its rule (a manual tick, a view, a grade) or,
for an activity without completion tracking, once it has been viewed. Course progress is the
share of done activities among those a learner studies (labels and question banks do not
count), and the time left is the estimated time of those not done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db import IntegrityError, transaction
from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog.models import Activity, Enrolment
from cartable.learning.models import ActivityProgress

NOT_STUDIED = ("label", "qbank")


def countable(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The activities that make a course's progress: visible, current, studied."""
    return activities.filter(visible=True, section__visible=True, retired_at__isnull=True).exclude(
        kind__in=NOT_STUDIED
    )


DONE = Q(completed_at__isnull=False) | Q(activity__tracks_completion=False, views__gt=0)


def completes_on_view(activity: Activity) -> bool:
    rule = activity.completion or {}
    return (
        rule.get("tracking") == "automatic"
        and bool(rule.get("view"))
        and not rule.get("grade")
        and not rule.get("pass_grade")
        and not rule.get("rules")
    )


def record_view(user: User, activity: Activity) -> None:
    """Count a view and remember it as where the learner is in the course (two UPDATEs in one
    transaction, in the usual case), completing the activity if viewing is its rule."""
    now = timezone.now()
    with transaction.atomic():
        Enrolment.objects.filter(user=user, course_id=activity.course_id).update(
            last_activity=activity, last_seen_at=now
        )
        _count_view(user, activity, now)


def _count_view(user: User, activity: Activity, now: datetime) -> None:
    changes: dict[str, object] = {"last_viewed_at": now, "views": F("views") + 1}
    if completes_on_view(activity):
        changes["completed_at"] = now
        changes["completed_by"] = ActivityProgress.Source.VIEW
    updated = ActivityProgress.objects.filter(user=user, activity=activity)
    if completes_on_view(activity):
        # Never move an earlier completion date.
        if updated.filter(completed_at__isnull=True).update(**changes):
            return
        changes.pop("completed_at")
        changes.pop("completed_by")
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
    except IntegrityError:  # a second tab created it meanwhile
        updated.update(last_viewed_at=now, views=F("views") + 1)


def set_done(user: User, activity: Activity, done: bool) -> bool:
    """A learner's own tick, for activities completed by hand. False if the rule is another."""
    if (activity.completion or {}).get("tracking") != "manual":
        return False
    now = timezone.now()
    row, _ = ActivityProgress.objects.get_or_create(
        user=user, activity=activity, defaults={"course_id": activity.course_id}
    )
    row.completed_at = now if done else None
    row.completed_by = ActivityProgress.Source.MANUAL if done else ""
    row.save(update_fields=["completed_at", "completed_by"])
    return True


@dataclass(frozen=True)
class CourseProgress:
    done: int
    total: int
    minutes_total: int
    minutes_left: int

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0


EMPTY = CourseProgress(0, 0, 0, 0)


def course_progress(user: User, course_ids: Iterable[int]) -> dict[int, CourseProgress]:
    """Progress in several courses at once: two queries whatever their size."""
    ids = list(course_ids)
    if not ids:
        return {}
    totals = (
        countable(Activity.objects.filter(course_id__in=ids))
        .values("course_id")
        .annotate(total=Count("id"), minutes=Sum("estimated_minutes"))
    )
    done = (
        ActivityProgress.objects.filter(user=user, course_id__in=ids)
        .filter(DONE)
        .filter(
            activity__visible=True,
            activity__section__visible=True,
            activity__retired_at__isnull=True,
        )
        .exclude(activity__kind__in=NOT_STUDIED)
        .values("course_id")
        .annotate(done=Count("id"), minutes=Sum("activity__estimated_minutes"))
    )
    done_by_course = {row["course_id"]: row for row in done}
    result = {}
    for row in totals:
        finished = done_by_course.get(row["course_id"], {"done": 0, "minutes": 0})
        minutes = row["minutes"] or 0
        result[row["course_id"]] = CourseProgress(
            done=finished["done"],
            total=row["total"],
            minutes_total=minutes,
            minutes_left=max(0, minutes - (finished["minutes"] or 0)),
        )
    return result
