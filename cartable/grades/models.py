"""The gradebook: one grade per learner and graded activity (a quiz's grade over its attempts,
an assignment's grade given by a teacher, a teacher's override), with the teacher's feedback."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity, Blob, Course


class Grade(models.Model):
    class Source(models.TextChoices):
        QUIZ = "quiz", _("Quiz attempts")
        ASSIGN = "assign", _("Assignment grading")
        OVERRIDE = "override", _("Teacher's override")

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="grades")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="grades"
    )
    # Points out of ``max_grade``; None: not graded yet (an essay waits for its teacher).
    grade = models.FloatField(null=True, blank=True)
    max_grade = models.FloatField()
    # A scale's item (Moodle's scales: "Acquis", "Non acquis"...), when the activity uses one.
    scale_item = models.CharField(max_length=255, blank=True)
    feedback = models.TextField(blank=True)  # the teacher's words, sanitised HTML
    source = models.CharField(max_length=8, choices=Source)
    graded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    graded_at = models.DateTimeField(null=True, blank=True)
    # When the learner may read it (a quiz's review options, an assignment's release); None:
    # not yet.
    released_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["activity", "user"], name="grade_unique")]
        indexes = [
            models.Index(fields=["course", "user"]),
            models.Index(fields=["user", "released_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.activity_id}: {self.grade}"

    @property
    def percent(self) -> float | None:
        if self.grade is None or self.max_grade <= 0:
            return None
        return 100 * self.grade / self.max_grade


class FeedbackFile(models.Model):
    """A file the teacher gives back with a grade (a corrected copy), kept in the content store
    and served to its learner only, as a download."""

    grade = models.ForeignKey(Grade, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField(max_length=255)
    mimetype = models.CharField(max_length=127, blank=True)

    def __str__(self) -> str:
        return self.filename
