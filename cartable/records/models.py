"""A learner's account closed on transfer or release, and the transfers this box imported."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Closure(models.Model):
    """Staff closed a learner's account: why, and from when. The account is deactivated in the
    same transaction; reopening it (a reactivation, an imported transfer) keeps this row."""

    class Reason(models.TextChoices):
        TRANSFER = "transfer", _("Transfer to another establishment")
        RELEASE = "release", _("Release")
        OTHER = "other", _("Other reason")

    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="closures"
    )
    reason = models.CharField(_("reason"), max_length=16, choices=Reason)
    closed_on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True, max_length=1000)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("account closure")

    def __str__(self) -> str:
        return f"{self.account_id} {self.reason} {self.closed_on}"


class ImportedTransfer(models.Model):
    """A transfer export this box applied, by the export's own id: the same file (or a copy)
    applied again changes nothing."""

    export_id = models.CharField(max_length=64, unique=True)
    sha256 = models.CharField(max_length=64)  # of manifest.json
    signer_fingerprint = models.CharField(max_length=32)
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.export_id
