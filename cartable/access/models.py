"""Access hours (weekly windows and dated exceptions, for an establishment, a group or a
learner) and the sessions open on the box (which account holds which session key)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort, Establishment


class Rule(models.Model):
    """One weekly window or one dated exception. ``cohort`` None and ``learner`` None: the
    whole establishment's. Weekly windows are an establishment's or a group's; exceptions may
    also be one learner's (extra hours, or a block)."""

    class Kind(models.TextChoices):
        WEEKLY = "weekly", _("Weekly hours")
        OPEN = "open", _("Special hours")
        CLOSED = "closed", _("Closed")

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="access_rules"
    )
    cohort = models.ForeignKey(
        Cohort, on_delete=models.CASCADE, null=True, blank=True, related_name="access_rules"
    )
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="access_rules",
    )
    kind = models.CharField(max_length=8, choices=Kind)
    days = models.PositiveSmallIntegerField(default=0)  # weekly: bit 0 Monday … bit 6 Sunday
    first_day = models.DateField(null=True, blank=True)
    last_day = models.DateField(
        null=True, blank=True
    )  # None: that day (a learner's block: until lifted)
    start = models.TimeField(null=True, blank=True)  # None (exceptions): the whole day
    end = models.TimeField(null=True, blank=True)
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "first_day", "start", "pk"]
        indexes = [models.Index(fields=["establishment", "kind"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(cohort__isnull=True) | models.Q(learner__isnull=True),
                name="access_rule_one_scope",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="weekly") | models.Q(learner__isnull=True),
                name="access_rule_weekly_not_learner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def is_weekly(self) -> bool:
        return self.kind == self.Kind.WEEKLY

    def weekdays(self) -> list[int]:
        return [day for day in range(7) if self.days & (1 << day)]

    def day_names(self) -> list[str]:
        return [str(WEEKDAYS[day]) for day in self.weekdays()]


class OpenSession(models.Model):
    """A session signed in on the box: written at sign-in, deleted at sign-out, so that staff
    see who is signed in where and one learner holds one session. A row whose session has
    expired or ended otherwise (a new password) is left out of the lists and swept at the
    account's next sign-in."""

    session_key = models.CharField(max_length=40, unique=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="open_sessions"
    )
    signed_in_at = models.DateTimeField()
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=255, blank=True)

    class Meta:
        ordering = ["-signed_in_at"]

    def __str__(self) -> str:
        return f"{self.user_id} since {self.signed_in_at:%Y-%m-%d %H:%M}"

    @property
    def device_short(self) -> str:
        """The system a browser names in its first parentheses ("Windows NT 10.0; Win64"),
        else the start of what it sent."""
        inside = self.device.partition("(")[2].partition(")")[0].strip()
        return (inside or self.device)[:60]
