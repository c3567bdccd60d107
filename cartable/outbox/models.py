"""What the box owes the university: learners' work and its grades, written by the actions that
make them, in the same transaction, and read in order by the exchange (issue "Exchange with
universities"), which carries each entry to the institution of its course."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from cartable.catalog.models import Activity, Course


class Entry(models.Model):
    class Kind(models.TextChoices):
        GRADE = "grade"
        SUBMISSION = "submission"
        ATTEMPT = "attempt"
        COMPLETION = "completion"
        CHOICE = "choice"
        SURVEY = "survey"
        MESSAGE = "message"  # a learner's to a remote teacher; on the hub, a teacher's to a box's

    kind = models.CharField(max_length=16, choices=Kind)
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(
        Activity, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What the university needs, in its own terms (the course's and activity's source ids,
    # the learner's username): a copy, so that it stays true whatever changes on the box.
    payload = models.JSONField(default=dict)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        db_table = "outbox_entry"
        ordering = ["id"]
        indexes = [models.Index(fields=["course", "id"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
