"""Learners' answers to choices and surveys (Moodle's choice and feedback).

A choice's answers name their learner (as in Moodle: teachers always see who chose what; the
choice's "publish" setting only says whether learners see names). An anonymous survey's
responses name nobody: no user, no time of day, a random key that says nothing of the order
they came in; a separate mark says who has answered (for completion and the one-response
rule) and never leads to a response."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Establishment
from cartable.catalog.models import Activity


class ChoiceAnswer(models.Model):
    """One option a learner chose (several rows when the choice allows several answers)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    option = models.IntegerField(help_text=_("The option's id in the imported choice."))
    answered_at = models.DateTimeField()

    class Meta:
        verbose_name = _("choice answer")
        constraints = [
            models.UniqueConstraint(
                fields=["activity", "user", "option"], name="surveys_one_answer_per_option"
            )
        ]
        indexes = [models.Index(fields=["activity", "option"], name="surveys_choice_option")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.option}"


class FeedbackResponse(models.Model):
    """One response to a survey. For an anonymous survey: no user, the day only, and a random
    key (so that neither a time nor a number orders responses against other tables)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty for an anonymous survey."),
    )
    # Whose learners answered (staff see their establishment's): kept for anonymous ones too.
    establishment = models.ForeignKey(
        Establishment, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    submitted_on = models.DateField()
    submitted_at = models.DateTimeField(
        null=True, blank=True, help_text=_("Empty for an anonymous survey.")
    )

    class Meta:
        verbose_name = _("survey response")
        indexes = [models.Index(fields=["activity", "user"], name="surveys_response_user")]

    def __str__(self) -> str:
        return f"{self.activity_id}: {self.pk}"


class FeedbackValue(models.Model):
    """One item's answer in a response, as Moodle keeps it (see ``items``). A random key here
    too: numbers given in turn would order anonymous responses as they came."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    response = models.ForeignKey(FeedbackResponse, on_delete=models.CASCADE, related_name="values")
    item = models.IntegerField(help_text=_("The item's id in the imported survey."))
    value = models.TextField()

    class Meta:
        verbose_name = _("survey answer")
        constraints = [
            models.UniqueConstraint(fields=["response", "item"], name="surveys_one_value_per_item")
        ]

    def __str__(self) -> str:
        return f"{self.item}: {self.value[:40]}"


class FeedbackMark(models.Model):
    """That a learner has answered a survey, and how many times: what completion and the
    one-response rule need, and nothing that leads to a response."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    responses = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("survey answered")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="surveys_one_mark_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} × {self.responses}"


class FeedbackDraft(models.Model):
    """A learner's answers to a survey of several pages (Moodle's ``pagebreak`` items) while
    they go from page to page: kept so that they resume where they were after a sign-out or a
    power cut, and removed when the response is sent (as Moodle's ``feedback_completedtmp``;
    for an anonymous survey too, until then)."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.PositiveIntegerField(default=0)  # the page to show, from 0
    # The answers as posted: field name ("item-12") -> values.
    answers = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("survey answers in progress")
        constraints = [
            models.UniqueConstraint(fields=["activity", "user"], name="surveys_one_draft_per_user")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} p{self.page}"
