"""Learners' work on assignments: their submissions (one per attempt), the files they hand in,
and the extensions their teachers grant. Grades and feedback are the gradebook's
(``cartable.grades``)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity, Blob


class Submission(models.Model):
    """One attempt of one learner at one assignment; the latest attempt is the current one."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft (not submitted)")
        SUBMITTED = "submitted", _("Submitted for grading")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="submissions")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="submissions"
    )
    attempt = models.PositiveIntegerField(default=1)  # 1, 2…
    status = models.CharField(max_length=16, choices=Status, default=Status.DRAFT)
    text = models.TextField(blank=True)  # the online text, sanitised HTML
    statement_accepted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    modified_at = models.DateTimeField()  # the learner's last change
    submitted_at = models.DateTimeField(null=True, blank=True)
    # A team assignment that every member must submit (Moodle's requireallteammemberssubmit):
    # when this member submitted their team's work; the work goes for grading (``status``)
    # once every member has.
    member_submitted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "learner", "attempt"], name="submission_attempt_unique"
            )
        ]
        indexes = [models.Index(fields=["activity", "learner", "-attempt"])]

    def __str__(self) -> str:
        return f"{self.learner_id} / {self.activity_id} #{self.attempt}"


class SubmissionFile(models.Model):
    """A file handed in, kept in the content store; served as a download only, to its learner
    and the course's teachers and staff."""

    submission = models.ForeignKey(Submission, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=127, blank=True)  # from the file's content
    size = models.PositiveBigIntegerField()
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["filename", "pk"]

    def __str__(self) -> str:
        return self.filename


class Extension(models.Model):
    """A learner's own due date for an assignment (Moodle's extension): they may hand in until
    then, past the cut-off date, and work handed in by then is not late."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="extensions"
    )
    due = models.DateTimeField()
    reason = models.TextField(blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    granted_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "learner"], name="extension_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} / {self.activity_id}: {self.due}"


class Marking(models.Model):
    """Where a learner's work stands in the assignment's marking workflow (Moodle's
    ``assign_user_flags``: its workflow state and allocated marker). Without a row: not
    marked, no marker. The learner reads the grade and feedback only once released."""

    class State(models.TextChoices):
        NOT_MARKED = "notmarked", _("Not marked")
        IN_MARKING = "inmarking", _("In marking")
        READY_FOR_REVIEW = "readyforreview", _("Marking completed")
        IN_REVIEW = "inreview", _("In review")
        READY_FOR_RELEASE = "readyforrelease", _("Ready for release")
        RELEASED = "released", _("Released")

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="markings"
    )
    state = models.CharField(max_length=16, choices=State, default=State.NOT_MARKED)
    # The teacher who marks this learner's work (Moodle's marking allocation).
    marker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    changed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["activity", "learner"], name="marking_unique")
        ]

    def __str__(self) -> str:
        return f"{self.learner_id} / {self.activity_id}: {self.state}"
