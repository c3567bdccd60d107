"""Staff's approvals and rejections: what learners may see. Each is audited, with its comment.

A course never published is approved as a whole (it becomes visible, with every activity still
waiting) or rejected; each of its activities can be approved or rejected on its own. A newer
version of a published course waits whole as an update (``ingest.Revision``): staff decide
each changed activity (approving a new text applies it at once, keeping the approved one
rejects it), then approve the update (everything in it goes live but the rejected changes) or
reject it (the course stays exactly as it was).
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.audit.actions import record
from cartable.catalog.access import manages
from cartable.catalog.models import Activity, Course
from cartable.exchange import actions as exchange
from cartable.ingest import plan as plans
from cartable.ingest.models import Revision
from cartable.ingest.publication import (
    approve_everything,
    close,
    decide,
    staged_of,
    waiting_revision,
)
from cartable.review.report import waiting


class ReviewError(ValueError):
    """A review decision that cannot be made; the message is for the user, translated."""


def _check(actor: User | None, course: Course) -> None:
    if actor is not None and (actor.role not in STAFF_ROLES or not manages(actor, course)):
        raise ReviewError(_("Only the staff who manage this course review it."))


def _comment(comment: str, *, required: bool) -> str:
    comment = comment.strip()[:2000]
    if required and not comment:
        raise ReviewError(_("Say why: the comment is kept with the decision."))
    return comment


def waiting_count(course: Course) -> int:
    return Activity.objects.filter(waiting(), course=course).count()


@transaction.atomic
def approve_course(
    *, actor: User | None, course: Course, comment: str = "", request: HttpRequest | None = None
) -> None:
    """Publish the course, or apply its waiting update."""
    _check(actor, course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    count = waiting_count(course)
    revision = waiting_revision(course)
    course.review_comment = _comment(comment, required=False)
    newly = approve_everything(course, actor=actor)
    record(
        "review.course_approved",
        actor=actor,
        target=course,
        request=request,
        details={
            "comment": course.review_comment,
            "approved_items": count,
            "published": newly,
            "update": revision.pk if revision is not None else None,
        },
    )
    # Grades from the hub that came before the course are given now.
    exchange.apply_parked(actor=actor, course=course)


@transaction.atomic
def reject_course(
    *, actor: User | None, course: Course, comment: str, request: HttpRequest | None = None
) -> None:
    """A course never published is rejected as a whole; for a published course, this rejects
    its waiting update: learners keep exactly what was approved."""
    _check(actor, course)
    comment = _comment(comment, required=True)
    course = Course.objects.select_for_update().get(pk=course.pk)
    now = timezone.now()
    details: dict[str, Any] = {"comment": comment}
    if course.status == Course.Status.PUBLISHED:
        revision = waiting_revision(course, lock=True)
        if revision is not None:
            revision.comment = comment
            revision.save(update_fields=["comment"])
            close(revision, Revision.Status.REJECTED, actor=actor, now=now)
            details["update"] = revision.pk
        Activity.objects.filter(
            course=course, retired_at__isnull=True, review_status=Activity.Review.PENDING
        ).update(review_status=Activity.Review.REJECTED, reviewed_by=actor, reviewed_at=now)
        action = "review.changes_rejected"
    else:
        course.status = Course.Status.REJECTED
        action = "review.course_rejected"
    course.review_comment = comment
    course.reviewed_by = actor
    course.reviewed_at = now
    course.save(update_fields=["status", "review_comment", "reviewed_by", "reviewed_at"])
    record(action, actor=actor, target=course, request=request, details=details)


@transaction.atomic
def decide_change(
    *,
    actor: User | None,
    course: Course,
    key: str,
    approve: bool,
    comment: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Staff's decision on one activity a waiting update adds, changes or removes."""
    _check(actor, course)
    comment = _comment(comment, required=not approve)
    revision = waiting_revision(course, lock=True)
    plan = plans.compute(course, staged_of(revision), full=False) if revision is not None else None
    change = plan.activity(key) if plan is not None else None
    if revision is None or change is None or change.state == "moved":
        raise ReviewError(_("This change is no longer waiting for a decision."))
    applied = decide(
        revision, key, approve=approve, comment=comment, actor=actor, now=timezone.now()
    )
    record(
        "review.activity_approved" if approve else "review.activity_rejected",
        actor=actor,
        target=applied or change.live or course,
        request=request,
        details={
            "comment": comment,
            "course": course.pk,
            "change": True,
            "state": change.state,
            "title": change.title,
            "update": revision.pk,
        },
    )


@transaction.atomic
def decide_activity(
    *,
    actor: User | None,
    activity: Activity,
    approve: bool,
    comment: str = "",
    request: HttpRequest | None = None,
) -> None:
    """Approve or reject an activity; one that a waiting update changes or removes is decided
    as part of that update."""
    course = activity.course
    _check(actor, course)
    revision = waiting_revision(course)
    if revision is not None:
        change = plans.compute(course, staged_of(revision), full=False).activity(
            activity.source_key
        )
        if change is not None and change.state != "moved":
            decide_change(
                actor=actor,
                course=course,
                key=activity.source_key,
                approve=approve,
                comment=comment,
                request=request,
            )
            return
    comment = _comment(comment, required=not approve)
    activity.review_status = Activity.Review.APPROVED if approve else Activity.Review.REJECTED
    activity.review_comment = comment
    activity.reviewed_by = actor
    activity.reviewed_at = timezone.now()
    activity.save(update_fields=["review_status", "review_comment", "reviewed_by", "reviewed_at"])
    record(
        "review.activity_approved" if approve else "review.activity_rejected",
        actor=actor,
        target=activity,
        request=request,
        details={"comment": comment, "course": activity.course_id, "change": False},
    )
