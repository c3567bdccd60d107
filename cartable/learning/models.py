"""What a learner did: activities viewed and completed, and the study plans teachers hand out."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort
from cartable.catalog.models import Activity, Blob, Course


class ActivityProgress(models.Model):
    """One learner's progress on one activity. Rows survive re-imports: an unchanged activity
    keeps its identity, and so this row."""

    class Source(models.TextChoices):
        VIEW = "view", _("Viewed")
        MANUAL = "manual", _("Marked as done")
        GRADE = "grade", _("Grade received")
        ANSWER = "answer", _("Answer recorded")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="progress"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="progress")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="+")
    first_viewed_at = models.DateTimeField(null=True, blank=True)
    last_viewed_at = models.DateTimeField(null=True, blank=True, db_index=True)
    views = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.CharField(max_length=8, choices=Source, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "activity"], name="progress_unique")]
        indexes = [models.Index(fields=["user", "course", "last_viewed_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.activity_id}"


class StudyPlanItem(models.Model):
    """Something a teacher asks a learner (or a group) to study: an activity or a file of a
    course, with an optional note and date."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="plan_items")
    activity = models.ForeignKey(
        Activity, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_items"
    )
    # A file is named by its content (course files are replaced as a whole on re-import).
    blob = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="plan_items"
    )
    filename = models.CharField(max_length=255, blank=True)
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="plan_items",
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="plan_items"
    )
    note = models.TextField(_("note"), blank=True, max_length=2000)
    due_date = models.DateField(_("date"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(learner__isnull=False, cohort__isnull=True)
                    | models.Q(learner__isnull=True, cohort__isnull=False)
                ),
                name="plan_item_for_a_learner_or_a_group",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(activity__isnull=False, blob__isnull=True)
                    | models.Q(activity__isnull=True, blob__isnull=False)
                ),
                name="plan_item_is_an_activity_or_a_file",
            ),
        ]
        indexes = [models.Index(fields=["learner", "course"]), models.Index(fields=["cohort"])]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.activity.title if self.activity_id and self.activity else self.filename


class StudyPlanTick(models.Model):
    """A learner ticked a study-plan item off (group items are ticked by each member)."""

    item = models.ForeignKey(StudyPlanItem, on_delete=models.CASCADE, related_name="ticks")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_ticks"
    )
    done_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["item", "learner"], name="plan_tick_unique")]

    def __str__(self) -> str:
        return f"{self.item_id} ✓ {self.learner_id}"
