"""Recording and reading learners' progress.

An activity is *done* when it is completed by its rule (a manual tick, a view, a grade) or,
for an activity without completion tracking, once it has been viewed. Course progress is the
share of done activities among those a learner studies (labels and question banks do not
count), and the time left is the estimated time of those not done.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog.access import opened, opened_sql
from cartable.catalog.models import Activity, Enrolment, Section
from cartable.learning.models import ActivityProgress

NOT_STUDIED = ("label", "qbank")


def countable(activities: QuerySet[Activity]) -> QuerySet[Activity]:
    """The activities that make a course's progress: visible, approved, current, studied."""
    return activities.filter(opened()).exclude(kind__in=NOT_STUDIED)


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


# Views of the same activity closer together than this count once (and write nothing): a page
# reloaded, or opened again from the course, should not queue a database write each time.
VIEW_WINDOW = timedelta(minutes=1)


def record_view(user: User, activity: Activity) -> ActivityProgress | None:
    """Record a view: count it, remember the activity as where the learner is in the course,
    and complete the activity if viewing is its rule. Returns the learner's progress row as it
    was before this view (None on a first view).

    One SELECT; then, unless the same activity was viewed within ``VIEW_WINDOW``, two UPDATEs
    (or an INSERT) in one transaction."""
    now = timezone.now()
    row = (
        ActivityProgress.objects.filter(user=user, activity=activity)
        .only("id", "views", "last_viewed_at", "completed_at")
        .first()
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


def _count_view(user: User, activity: Activity, now: datetime) -> None:
    changes: dict[str, object] = {"last_viewed_at": now, "views": F("views") + 1}
    updated = ActivityProgress.objects.filter(user=user, activity=activity)
    if completes_on_view(activity):
        # Never move an earlier completion date.
        completing = {**changes, "completed_at": now, "completed_by": ActivityProgress.Source.VIEW}
        if updated.filter(completed_at__isnull=True).update(**completing):
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
    """Progress in several courses at once, in one statement whatever their size.

    This is the learner home's hot path, so it is one hand-written, portable SQL statement
    (SQLite and PostgreSQL): the ORM spent ten times longer building its two queries than
    the database spent running them. It applies ``countable`` and ``DONE``, as above.
    """
    ids = [int(pk) for pk in course_ids]
    if not ids:
        return {}
    activity = Activity._meta.db_table
    section = Section._meta.db_table
    row = ActivityProgress._meta.db_table
    done = "(p.completed_at IS NOT NULL OR (a.tracks_completion = %s AND p.views > 0))"
    rule, rule_params = opened_sql("a", "s")
    sql = (
        f"SELECT a.course_id, COUNT(*), COALESCE(SUM(a.estimated_minutes), 0), "  # noqa: S608 (names from the models, values as parameters)
        f"SUM(CASE WHEN {done} THEN 1 ELSE 0 END), "
        f"COALESCE(SUM(CASE WHEN {done} THEN a.estimated_minutes ELSE 0 END), 0) "
        f"FROM {activity} a JOIN {section} s ON s.id = a.section_id "
        f"LEFT JOIN {row} p ON p.activity_id = a.id AND p.user_id = %s "
        f"WHERE a.course_id IN ({', '.join(['%s'] * len(ids))}) AND {rule} "
        f"AND a.kind NOT IN ({', '.join(['%s'] * len(NOT_STUDIED))}) "
        f"GROUP BY a.course_id"
    )
    params: list[Any] = [False, False, user.pk, *ids, *rule_params, *NOT_STUDIED]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        course_id: CourseProgress(
            done=int(finished or 0),
            total=int(total),
            minutes_total=int(minutes),
            minutes_left=max(0, int(minutes) - int(finished_minutes or 0)),
        )
        for course_id, total, minutes, finished, finished_minutes in rows
    }
