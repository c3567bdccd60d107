"""Recording grades: every grade, whoever gives it (the quiz's own grading, a teacher), goes
through ``record``: one transaction, audited, and written to the outbox for the university.

Every change of a grade (recorded, changed, withheld) is told to whoever listens to ``changed``,
in the same transaction: learning completes the activity when its completion rule asks for a
grade the learner may read, and takes a grade's completion back when the grade no longer
earns it (learning sits above grades, and connects itself when the app is ready)."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.dispatch import Signal
from django.http import HttpRequest
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.actions import record as audit
from cartable.catalog.models import Activity
from cartable.grades.models import Grade
from cartable.lib.html import text_of
from cartable.outbox.actions import add as outbox

# Sent with ``grade`` (the Grade row as it is now), ``actor`` and ``request`` when a grade is
# recorded, changed (its value, its release) or withheld.
changed = Signal()


@transaction.atomic
def record(
    *,
    actor: User | None,
    activity: Activity,
    learner: User,
    grade: float | None,
    max_grade: float,
    source: str,
    feedback: str = "",
    scale_item: str = "",
    scale_value: int | None = None,
    released_at: datetime | None = None,
    request: HttpRequest | None = None,
) -> Grade:
    """Set ``learner``'s grade for ``activity`` (idempotent: the same grade again changes
    nothing and writes nothing). ``feedback`` is sanitised HTML; ``actor`` is the teacher,
    or None for the box's own grading (a quiz). A teacher's override stands, as in Moodle's
    gradebook: the activity's own grading (a quiz regraded, a later attempt) leaves it as it
    is; only another override changes it. ``scale_value``: the scale item's position (from 1),
    the number Moodle stores for a grade on a scale, carried to the university with the item."""
    if grade is not None and not (0 <= grade <= max_grade):
        raise ValueError("a grade lies between 0 and its maximum")
    now = timezone.now()
    row, created = Grade.objects.select_for_update().get_or_create(
        activity=activity,
        user=learner,
        defaults={"course_id": activity.course_id, "max_grade": max_grade, "source": source},
    )
    row.activity, row.user = activity, learner  # for ``changed``'s listeners, without a query
    wanted = {
        "grade": grade,
        "max_grade": max_grade,
        "scale_item": scale_item[:255],
        "feedback": feedback,
        "source": source,
        "released_at": released_at if released_at is not None else row.released_at,
    }
    if not created and all(getattr(row, name) == value for name, value in wanted.items()):
        return row
    if not created and row.source == Grade.Source.OVERRIDE and source != Grade.Source.OVERRIDE:
        return row
    for name, value in wanted.items():
        setattr(row, name, value)
    row.graded_by = actor
    row.graded_at = now
    row.save()
    details = {
        "activity": activity.pk,
        "learner": learner.username,
        "grade": grade,
        "max": max_grade,
        "source": source,
    }
    audit(
        "grade.recorded" if created else "grade.changed",
        actor=actor,
        target=activity,
        request=request,
        details=details,
    )
    outbox(
        "grade",
        course=activity.course,
        activity=activity,
        user=learner,
        payload={
            "grade": grade,
            "max": max_grade,
            "scale_item": row.scale_item,
            **({"scale_value": scale_value} if row.scale_item and scale_value else {}),
            "feedback": text_of(feedback),
            "feedback_html": feedback,
            "graded_at": now.isoformat(),
            "graded_by": actor.username if actor is not None else None,
            "source": source,
            # Whether the learner may read it yet (an assignment's marking workflow, a quiz's
            # review options hold some back).
            "released": row.released_at is not None and row.released_at <= now,
        },
    )
    changed.send(sender=Grade, grade=row, actor=actor, request=request)
    return row


@transaction.atomic
def withhold(
    *, actor: User | None, activity: Activity, learner: User, request: HttpRequest | None = None
) -> Grade | None:
    """Hide ``learner``'s grade for ``activity`` from them again (an assignment's marking
    workflow taken back from "released"): kept for the teachers, not shown to the learner
    until it is released again. Idempotent."""
    row = Grade.objects.select_for_update().filter(activity=activity, user=learner).first()
    if row is None or row.released_at is None:
        return row
    row.activity, row.user = activity, learner
    row.released_at = None
    row.save(update_fields=["released_at", "updated_at"])
    audit(
        "grade.withheld",
        actor=actor,
        target=activity,
        request=request,
        details={"activity": activity.pk, "learner": learner.username},
    )
    changed.send(sender=Grade, grade=row, actor=actor, request=request)
    return row
