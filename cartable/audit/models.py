"""The audit log: who did what, when, from which device. Rows are only ever added.

Each entry is numbered (``seq``: 1, 2, 3… without gaps) and sealed (``seal``): an HMAC of its
fields, its number and the previous entry's seal, under a key kept outside the database (see
``chain.py``). ``cartable audit verify`` recomputes the chain.
"""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

APPEND_ONLY = "the audit log is append-only"


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError(APPEND_ONLY)

    def delete(self) -> NoReturn:
        raise TypeError(APPEND_ONLY)


class AuditEvent(models.Model):
    seq = models.PositiveBigIntegerField(_("number"), unique=True)
    at = models.DateTimeField(_("when"), db_index=True)
    # PROTECT: an account that appears in the log cannot be deleted (deactivate it instead);
    # SET_NULL would silently change sealed entries.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Kept as text too: the log must still say who it was if the account is ever renamed, and
    # "system" stands for the box's own operator at the command line.
    actor_name = models.CharField(_("who"), max_length=150)
    # The establishment the entry is about (its target's, else its actor's); None for what
    # concerns the whole box. Staff see the entries of their establishment and the box's.
    establishment = models.ForeignKey(
        "accounts.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("what"), max_length=64, db_index=True)
    target_type = models.CharField(max_length=64, blank=True)
    target_id = models.CharField(max_length=64, blank=True)
    target_label = models.CharField(_("on"), max_length=255, blank=True)
    details = models.JSONField(default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("address"), null=True, blank=True)
    device = models.CharField(_("device"), max_length=255, blank=True)
    key_id = models.CharField(max_length=16)
    seal = models.CharField(max_length=64)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        indexes = [models.Index(fields=["target_type", "target_id"])]

    def __str__(self) -> str:
        return f"#{self.seq} {self.at:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.action}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError(APPEND_ONLY)
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError(APPEND_ONLY)


class ChainHead(models.Model):
    """One row: the number and seal of the last entry. Each append locks it (SELECT … FOR
    UPDATE) in its own transaction, so appends are serialised and the chain never forks."""

    seq = models.PositiveBigIntegerField(default=0)
    seal = models.CharField(max_length=64, blank=True)
    key_id = models.CharField(max_length=16, blank=True)

    ROW = 1

    def __str__(self) -> str:
        return f"#{self.seq}"


class Tally(models.Model):
    """Entries that come in floods (a refused page, a failed sign-in) from one person or device,
    counted instead of written one by one (``cartable.audit.repeats``). The first of a period is
    in the log; this row counts the next ones until the period ends, when one entry with the
    count is appended and the row deleted. Not part of the chain: sealed entries are never
    rewritten."""

    key = models.CharField(max_length=255, unique=True)
    action = models.CharField(max_length=64)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_name = models.CharField(max_length=150)
    establishment = models.ForeignKey(
        "accounts.Establishment",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ip_address = models.GenericIPAddressField(null=True, blank=True)
    device = models.CharField(max_length=255, blank=True)
    first_seq = models.PositiveBigIntegerField()  # the entry that opened the period
    opened_at = models.DateTimeField()
    closes_at = models.DateTimeField(db_index=True)
    last_at = models.DateTimeField()
    count = models.PositiveIntegerField(default=0)  # entries after the first
    samples = models.JSONField(default=dict, blank=True)  # what they were about -> how many

    def __str__(self) -> str:
        return f"{self.action} ×{self.count} since #{self.first_seq}"
