"""A later version of a course, staged: read from a file, stored as rows to be, and applied to
the live course only when staff say so."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Course


class RevisionQuerySet(models.QuerySet["Revision"]):
    def waiting(self) -> RevisionQuerySet:
        """Confirmed and waiting for staff's review."""
        return self.filter(status=Revision.Status.PENDING)


class Revision(models.Model):
    """A new version of a course learners may already see. Until it is applied, nothing of it
    reaches the live course (sections, order, access rules, activities, texts, questions and
    files all stay as approved); rejecting it leaves the course exactly as it was.

    An upload that matches an existing course first waits for the uploader's confirmation
    ("this file updates X": ``UNCONFIRMED``), then for review (``PENDING``). Staff decide each
    changed activity (``decisions``: source key -> decision) and then the revision as a whole.
    """

    class Status(models.TextChoices):
        UNCONFIRMED = "unconfirmed", _("Waiting for confirmation")
        PENDING = "pending", _("Waiting for review")
        APPLIED = "applied", _("Applied")
        REJECTED = "rejected", _("Rejected")
        SUPERSEDED = "superseded", _("Replaced by a later file")
        CANCELLED = "cancelled", _("Cancelled")

    OPEN = (Status.UNCONFIRMED, Status.PENDING)

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="revisions")
    status = models.CharField(max_length=16, choices=Status, default=Status.UNCONFIRMED)
    filename = models.CharField(max_length=255, blank=True)
    # The staged rows (``staging.StagedCourse``), dropped once the revision is closed.
    staged = models.JSONField(null=True, blank=True)
    # The import's report and its count of changes, as the import page shows them.
    report = models.JSONField(default=dict, blank=True)
    # Staff's decision on each changed activity, by source key:
    # {"approve": bool, "comment": str, "by": user id, "at": ISO time, "applied": bool}.
    decisions = models.JSONField(default=dict, blank=True)
    # Files this import added to the content store (taken back if the revision is dropped).
    new_blobs = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    comment = models.TextField(blank=True)

    objects = RevisionQuerySet.as_manager()

    class Meta:
        ordering = ["-id"]
        verbose_name = _("course update")
        verbose_name_plural = _("course updates")
        constraints = [
            models.UniqueConstraint(
                fields=["course"],
                condition=models.Q(status="pending"),
                name="revision_one_pending_per_course",
            )
        ]
        indexes = [models.Index(fields=["status", "course"])]

    def __str__(self) -> str:
        return f"{self.course} #{self.pk} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN
