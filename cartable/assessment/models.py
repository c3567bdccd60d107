"""Quiz attempts: one row per attempt, one per question of it.

A question row keeps everything its replay needs: the question as it was when the attempt
began (so a later import cannot change a started attempt), the layout ``scoring.start`` fixed
(shuffles, the calculated variant, the drawn stems), its behaviour and mark, and the list of
actions the learner took (saves, checks, the finish). ``scoring.replay`` over these gives back
the same question attempt, step by step; ``state``, ``fraction`` and ``mark`` are that replay's
outcome, kept for queries and pages that only list attempts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.catalog.models import Activity


class Attempt(models.Model):
    class State(models.TextChoices):
        IN_PROGRESS = "inprogress", _("In progress")
        FINISHED = "finished", _("Finished")
        ABANDONED = "abandoned", _("Never submitted")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="quiz_attempts"
    )
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="attempts")
    # 1, 2, 3… among the learner's real attempts; previews (teachers trying the quiz) count
    # apart and are never graded.
    number = models.PositiveIntegerField()
    preview = models.BooleanField(default=False)
    state = models.CharField(max_length=12, choices=State, default=State.IN_PROGRESS)
    seed = models.CharField(max_length=64)  # shuffles and draws of this attempt
    pages = models.JSONField(default=list)  # the slot numbers of each page, in order
    current_page = models.PositiveIntegerField(default=0)  # sequential navigation: furthest page
    started_at = models.DateTimeField()
    # When it closes itself: the time limit or the quiz's close date, whichever comes first
    # (computed on the server when it starts); None: never.
    deadline = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    sum_marks = models.FloatField(null=True, blank=True)  # None: not graded (yet)
    grade = models.FloatField(null=True, blank=True)  # sum_marks out of the quiz's grade
    max_grade = models.FloatField(default=0)
    # Moves on at every write of the attempt's answers or state: a save computed from what it
    # read writes only if the attempt still holds what it read (``actions.save``).
    seq = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user", "preview", "number"], name="attempt_number_unique"
            ),
            # Never two attempts in progress for the same learner and quiz (a double submit
            # of "Start" finds the first).
            models.UniqueConstraint(
                fields=["activity", "user", "preview"],
                condition=models.Q(state="inprogress"),
                name="attempt_one_in_progress",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "deadline"]),
            models.Index(fields=["user", "activity"]),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} / {self.activity_id} #{self.number}"

    @property
    def is_open(self) -> bool:
        return self.state == self.State.IN_PROGRESS


class AttemptQuestion(models.Model):
    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    slot = models.PositiveIntegerField()
    question_source_id = models.BigIntegerField()
    question = models.JSONField()  # the question as the attempt started it (importer's model)
    layout = models.JSONField()  # scoring.Layout as JSON
    behaviour = models.CharField(max_length=24)
    max_mark = models.FloatField()
    actions = models.JSONField(default=list)  # scoring actions, in order, as JSON
    # The replay's outcome.
    state = models.CharField(max_length=16)
    fraction = models.FloatField(null=True, blank=True)
    mark = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["attempt", "slot"]
        constraints = [
            models.UniqueConstraint(fields=["attempt", "slot"], name="attempt_slot_unique")
        ]

    def __str__(self) -> str:
        return f"{self.attempt_id} slot {self.slot}"


class Override(models.Model):
    """A learner's or a group's own settings of a quiz, set on the box by its teachers or staff
    (Moodle's quiz_overrides). None: the quiz's setting holds; a time limit or attempts of 0:
    none; ``open_any_time`` / ``never_closes`` lift the dates. One learner's override wins
    over their groups'; among groups the most lenient wins (``scoring.overrides``)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="overrides")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quiz_overrides",
    )
    cohort = models.ForeignKey(
        "accounts.Cohort",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="quiz_overrides",
    )
    opens = models.DateTimeField(null=True, blank=True)
    closes = models.DateTimeField(null=True, blank=True)
    time_limit = models.PositiveIntegerField(null=True, blank=True)  # seconds
    attempts = models.PositiveIntegerField(null=True, blank=True)
    password = models.CharField(max_length=255, blank=True)
    sets_password = models.BooleanField(default=False)  # "" with it: no password
    open_any_time = models.BooleanField(default=False)
    never_closes = models.BooleanField(default=False)
    set_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user"],
                condition=models.Q(user__isnull=False),
                name="override_user_unique",
            ),
            models.UniqueConstraint(
                fields=["activity", "cohort"],
                condition=models.Q(cohort__isnull=False),
                name="override_cohort_unique",
            ),
            models.CheckConstraint(
                condition=models.Q(user__isnull=True, cohort__isnull=False)
                | models.Q(user__isnull=False, cohort__isnull=True),
                name="override_one_target",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id} / {self.user_id or self.cohort_id}"
