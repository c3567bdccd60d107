"""Staff's approvals and rejections: what learners may see. Each is audited, with its comment.

A course is approved as a whole (it becomes visible, with every activity still waiting, and the
changes staged by later imports); an activity can be approved or rejected on its own. For an
approved activity changed by a later import, approving takes the new version, rejecting keeps
the approved one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.audit.actions import record
from cartable.catalog.models import Activity, Course, Section
from cartable.review.report import waiting


class ReviewError(ValueError):
    """A review decision that cannot be made; the message is for the user, translated."""


def _check(actor: User | None) -> None:
    if actor is not None and actor.role not in STAFF_ROLES:
        raise ReviewError(_("Only staff review content."))


def _apply_staged_activity(activity: Activity) -> None:
    staged = dict(activity.staged or {})
    fingerprint = staged.pop("fingerprint", activity.fingerprint)
    for name, value in staged.items():
        setattr(activity, name, value)
    activity.fingerprint = fingerprint
    activity.staged = None


def _apply_staged_course(course: Course) -> None:
    staged = dict(course.staged or {})
    for name in ("title", "summary"):
        if name in staged:
            setattr(course, name, staged[name])
    texts = staged.get("sections") or {}
    if texts:
        for section in Section.objects.filter(course=course, source_key__in=list(texts)):
            section.title = texts[section.source_key].get("title", section.title)
            section.summary = texts[section.source_key].get("summary", section.summary)
            section.save(update_fields=["title", "summary"])
    course.staged = None


def approve_everything(course: Course, *, actor: User | None, now: datetime | None = None) -> bool:
    """Publish the course and approve everything in it still waiting; True if the course was
    not published before. Runs inside the caller's transaction (an import, or approve_course)."""
    now = now or timezone.now()
    newly = course.status != Course.Status.PUBLISHED
    course.status = Course.Status.PUBLISHED
    course.published_at = course.published_at if not newly else now
    course.reviewed_by = actor
    course.reviewed_at = now
    _apply_staged_course(course)
    course.save()
    waiting = Activity.objects.filter(course=course, retired_at__isnull=True).filter(
        review_status=Activity.Review.PENDING
    )
    waiting.update(review_status=Activity.Review.APPROVED, reviewed_by=actor, reviewed_at=now)
    for activity in Activity.objects.filter(
        course=course, retired_at__isnull=True, staged__isnull=False
    ):
        _apply_staged_activity(activity)
        activity.review_status = Activity.Review.APPROVED
        activity.reviewed_by = actor
        activity.reviewed_at = now
        activity.save()
    return newly


def waiting_count(course: Course) -> int:
    return Activity.objects.filter(waiting(), course=course).count()


@transaction.atomic
def approve_course(
    *, actor: User | None, course: Course, comment: str = "", request: HttpRequest | None = None
) -> None:
    _check(actor)
    count = waiting_count(course)
    course.review_comment = comment.strip()[:2000]
    newly = approve_everything(course, actor=actor)
    record(
        "review.course_approved",
        actor=actor,
        target=course,
        request=request,
        details={"comment": course.review_comment, "approved_items": count, "published": newly},
    )


@transaction.atomic
def reject_course(
    *, actor: User | None, course: Course, comment: str, request: HttpRequest | None = None
) -> None:
    """A course never published is rejected as a whole; for a published course, this rejects
    every change waiting (learners keep what was approved)."""
    _check(actor)
    comment = comment.strip()[:2000]
    if not comment:
        raise ReviewError(_("Say why: the comment is kept with the decision."))
    now = timezone.now()
    if course.status == Course.Status.PUBLISHED:
        Activity.objects.filter(course=course, staged__isnull=False).update(staged=None)
        Activity.objects.filter(course=course, review_status=Activity.Review.PENDING).update(
            review_status=Activity.Review.REJECTED, reviewed_by=actor, reviewed_at=now
        )
        course.staged = None
        action = "review.changes_rejected"
    else:
        course.status = Course.Status.REJECTED
        action = "review.course_rejected"
    course.review_comment = comment
    course.reviewed_by = actor
    course.reviewed_at = now
    course.save()
    record(action, actor=actor, target=course, request=request, details={"comment": comment})


@transaction.atomic
def decide_activity(
    *,
    actor: User | None,
    activity: Activity,
    approve: bool,
    comment: str = "",
    request: HttpRequest | None = None,
) -> None:
    _check(actor)
    comment = comment.strip()[:2000]
    if not approve and not comment:
        raise ReviewError(_("Say why: the comment is kept with the decision."))
    now = timezone.now()
    details: dict[str, Any] = {"comment": comment, "course": activity.course_id}
    changed = activity.staged is not None
    if approve:
        if changed:
            _apply_staged_activity(activity)
        activity.review_status = Activity.Review.APPROVED
    elif changed:
        activity.staged = None  # the approved version stays
    else:
        activity.review_status = Activity.Review.REJECTED
    details["change"] = changed
    activity.review_comment = comment
    activity.reviewed_by = actor
    activity.reviewed_at = now
    activity.save()
    record(
        "review.activity_approved" if approve else "review.activity_rejected",
        actor=actor,
        target=activity,
        request=request,
        details=details,
    )
