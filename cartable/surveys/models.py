"""Learners' answers to choices and surveys (Moodle's choice and feedback).

A choice's answers name their learner (as in Moodle: teachers always see who chose what; the
choice's "publish" setting only says whether learners see names). An anonymous survey's
responses name nobody: no user, no time of day, a random key that says nothing of the order
they came in; a separate mark says who has answered (for completion and the one-response
rule) and never leads to a response."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

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
