"""Making staged content live, and dropping it: the mechanics behind staff's decisions (who may
decide, and the audit log, are the callers' business: ``review.actions`` and ``ingest.actions``).
Every function runs inside the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db.models import ProtectedError
from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Blob, Course, CourseFile
from cartable.ingest import plan as plans
from cartable.ingest.apply import apply, apply_activity
from cartable.ingest.models import Revision
from cartable.ingest.staging import StagedCourse
from cartable.jobs import followups


def waiting_revision(course: Course, *, lock: bool = False) -> Revision | None:
    """The update of ``course`` waiting for review, if any."""
    revisions = Revision.objects.waiting().filter(course=course)
    if lock:
        revisions = revisions.select_for_update()
    return revisions.first()


def staged_of(revision: Revision) -> StagedCourse:
    assert revision.staged is not None, "a closed revision keeps no staged rows"
    return StagedCourse.from_json(revision.staged)


def close(revision: Revision, status: str, *, actor: User | None, now: datetime) -> None:
    """Close a revision: its staged rows are dropped, and the files only it brought too."""
    staged = StagedCourse.from_json(revision.staged) if revision.staged else None
    revision.status = status
    revision.staged = None
    revision.decided_by = actor
    revision.decided_at = now
    revision.save(update_fields=["status", "staged", "decided_by", "decided_at"])
    if status != Revision.Status.APPLIED and staged is not None:
        discard_blobs(set(revision.new_blobs) & staged.blobs())


def supersede(course: Course, *, actor: User | None, keep: Revision | None = None) -> None:
    """A later version makes the open revisions of ``course`` stale."""
    now = timezone.now()
    stale = Revision.objects.filter(course=course, status__in=Revision.OPEN).select_for_update()
    if keep is not None:
        stale = stale.exclude(pk=keep.pk)
    for revision in stale:
        close(revision, Revision.Status.SUPERSEDED, actor=actor, now=now)


def apply_revision(revision: Revision, *, actor: User | None, now: datetime) -> None:
    """Staff approved the update: everything in it goes live, except the activity changes
    they rejected one by one."""
    apply(
        revision.course,
        staged_of(revision),
        now=now,
        mode="approved",
        actor=actor,
        decisions=revision.decisions,
    )
    close(revision, Revision.Status.APPLIED, actor=actor, now=now)


def decide(
    revision: Revision,
    key: str,
    *,
    approve: bool,
    comment: str,
    actor: User | None,
    now: datetime,
) -> Activity | None:
    """Record staff's decision on one changed activity of an update. Approving the new content
    of an activity learners already see applies it at once; the rest of the update (new and
    removed activities, sections, order) waits for the update's approval. Once nothing is
    left to decide, the update is applied. Returns the live activity the decision changed."""
    applied = None
    if approve:
        applied = apply_activity(revision.course, staged_of(revision), key, now=now, actor=actor)
    revision.decisions = {
        **revision.decisions,
        key: {
            "approve": approve,
            "comment": comment,
            "by": actor.pk if actor is not None else None,
            "at": now.isoformat(),
            "applied": applied is not None,
        },
    }
    revision.save(update_fields=["decisions"])
    if not work_left(revision):
        apply_revision(revision, actor=actor, now=now)
    return applied


def work_left(revision: Revision) -> bool:
    """Whether the update still holds something to decide or to apply."""
    plan = plans.compute(revision.course, staged_of(revision), full=False)
    for change in plan.activities:
        decision: dict[str, Any] | None = revision.decisions.get(change.key)
        if change.state == "moved" or decision is None:
            return True
        if decision.get("approve") and not decision.get("applied"):
            return True
    return bool(
        plan.course_fields or plan.sections or plan.questions.any or plan.categories_changed
    )


def approve_everything(course: Course, *, actor: User | None, now: datetime | None = None) -> bool:
    """Publish the course: its waiting update applied (but for the changes rejected one by
    one), every activity still waiting approved. True if the course was not published
    before. Runs inside the caller's transaction (an import, or the review's approval)."""
    now = now or timezone.now()
    revision = waiting_revision(course, lock=True)
    if revision is not None:
        revision.course = course  # one object: the update's texts and the decision together
        apply_revision(revision, actor=actor, now=now)
    newly = course.status != Course.Status.PUBLISHED
    course.status = Course.Status.PUBLISHED
    course.published_at = course.published_at if not newly else now
    course.reviewed_by = actor
    course.reviewed_at = now
    course.save(
        update_fields=["status", "published_at", "reviewed_by", "reviewed_at", "review_comment"]
    )
    Activity.objects.filter(
        course=course, retired_at__isnull=True, review_status=Activity.Review.PENDING
    ).update(review_status=Activity.Review.APPROVED, reviewed_by=actor, reviewed_at=now)
    return newly


DISCARD_BLOBS = "ingest.discard_blobs"  # the follow-up of closing a revision


def discard_blobs(candidates: Iterable[str]) -> None:
    """Take back stored files nothing uses any more, after the transaction commits (a durable
    follow-up: a crash delays it, never loses it)."""
    candidates = set(candidates)
    if candidates:
        followups.add(DISCARD_BLOBS, {"blobs": sorted(candidates)})


def collect_blobs(payload: dict[str, Any]) -> None:
    """Delete the blobs of ``payload`` that no row and no open revision uses (idempotent)."""
    candidates = set(payload["blobs"])
    used = set(CourseFile.objects.filter(blob_id__in=candidates).values_list("blob_id", flat=True))
    used |= set(Activity.objects.filter(blob_id__in=candidates).values_list("blob_id", flat=True))
    for revision in Revision.objects.filter(status__in=Revision.OPEN).only("staged"):
        if revision.staged:
            used |= StagedCourse.from_json(revision.staged).blobs() & candidates
    for sha256 in sorted(candidates - used):
        try:
            Blob.objects.filter(sha256=sha256).delete()
        except ProtectedError:
            continue  # something else came to use it meanwhile
        blobs.store().delete(sha256)
