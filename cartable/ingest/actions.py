"""The uploader's answer to "this file updates a course already on the box": confirm it (the
update then waits for review, or replaces a course learners do not see yet) or cancel it (the
file's content is dropped). Both audited."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.audit.actions import record
from cartable.catalog.access import manages
from cartable.catalog.models import Course
from cartable.ingest import plan as plans
from cartable.ingest.apply import apply
from cartable.ingest.models import Revision
from cartable.ingest.publication import close, staged_of, supersede


class RevisionError(ValueError):
    """A decision on an update that cannot be made; the message is for the user, translated."""


def _open(actor: User | None, revision: Revision) -> Revision:
    if actor is not None and (actor.role not in STAFF_ROLES or not manages(actor, revision.course)):
        raise RevisionError(_("You may not update this course."))
    locked = Revision.objects.select_for_update().select_related("course").get(pk=revision.pk)
    if locked.status != Revision.Status.UNCONFIRMED:
        raise RevisionError(
            _("This file was already dealt with (%(status)s).")
            % {"status": locked.get_status_display()}
        )
    return locked


@transaction.atomic
def confirm(
    *, actor: User | None, revision: Revision, request: HttpRequest | None = None
) -> Revision:
    """The file is an update of its course: stage it for review (a course learners see) or
    make it the course's new version, still waiting for review (a course they do not see)."""
    revision = _open(actor, revision)
    course = Course.objects.select_for_update().get(pk=revision.course_id)
    now = timezone.now()
    supersede(course, actor=actor, keep=revision)
    staged = staged_of(revision)
    if course.is_published:
        revision.status = Revision.Status.PENDING
        revision.save(update_fields=["status"])
        outcome = "review"
    else:
        if not plans.compute(course, staged, full=False).is_empty:
            apply(course, staged, now=now, mode="pending", actor=actor)
            if course.status == Course.Status.REJECTED:
                course.status = Course.Status.PENDING_REVIEW
        course.imported_at = now
        course.save()
        close(revision, Revision.Status.APPLIED, actor=actor, now=now)
        outcome = "applied"
    record(
        "course.update_confirmed",
        actor=actor,
        target=course,
        request=request,
        details={"file": revision.filename, "revision": revision.pk, "outcome": outcome},
    )
    return revision


@transaction.atomic
def cancel(*, actor: User | None, revision: Revision, request: HttpRequest | None = None) -> None:
    """Not an update of this course after all: nothing of the file is kept."""
    revision = _open(actor, revision)
    close(revision, Revision.Status.CANCELLED, actor=actor, now=timezone.now())
    record(
        "course.update_cancelled",
        actor=actor,
        target=revision.course,
        request=request,
        details={"file": revision.filename, "revision": revision.pk},
    )
