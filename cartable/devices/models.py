"""The box's devices, their enrolment codes and credentials, the sign-in rule of each
establishment and of its groups, and loans of devices to learners.

Secrets are never stored: an enrolment code and a device credential are kept as their SHA-256
(``credentials.py``), so someone who reads the database cannot enrol a device or pass for one.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort, Establishment


class DeviceGroup(models.Model):
    """Where devices are: a room, a wing of cells. Sign-in may be limited to some groups."""

    establishment = models.ForeignKey(
        Establishment, on_delete=models.CASCADE, related_name="device_groups"
    )
    name = models.CharField(_("name"), max_length=120)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("device group")
        verbose_name_plural = _("device groups")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "name"], name="device_group_name_unique"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Device(models.Model):
    class Kind(models.TextChoices):
        TABLET = "tablet", _("Tablet")
        LAPTOP = "laptop", _("Laptop")
        CLASSROOM_PC = "classroom_pc", _("Classroom PC")
        SET_TOP_BOX = "set_top_box", _("In-cell set-top box")

    class State(models.TextChoices):
        ACTIVE = "active", _("In service")
        LOST = "lost", _("Lost")
        RETIRED = "retired", _("Retired")

    establishment = models.ForeignKey(
        Establishment, on_delete=models.PROTECT, related_name="devices"
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind, default=Kind.TABLET)
    label = models.CharField(_("label"), max_length=120)
    asset_number = models.CharField(_("asset or serial number"), max_length=120, blank=True)
    group = models.ForeignKey(
        DeviceGroup,
        verbose_name=_("device group"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="devices",
    )
    state = models.CharField(_("state"), max_length=16, choices=State, default=State.ACTIVE)
    notes = models.TextField(_("notes"), blank=True)
    # SHA-256 (hex) of the credential the device keeps in a cookie; kept after a revocation so
    # that a revoked device is told so (``revoked_at``), replaced by the next enrolment.
    credential_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    enrolled_at = models.DateTimeField(_("enrolled"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("enrolment withdrawn"), null=True, blank=True)
    last_seen_at = models.DateTimeField(_("last seen"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["label", "pk"]
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(
                fields=["establishment", "asset_number"],
                condition=~Q(asset_number=""),
                name="device_asset_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["tablet", "laptop", "classroom_pc", "set_top_box"]),
                name="device_kind_is_known",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["active", "lost", "retired"]), name="device_state_is_known"
            ),
        ]
        indexes = [models.Index(fields=["establishment", "state"])]

    def __str__(self) -> str:
        return self.label

    @property
    def is_enrolled(self) -> bool:
        """Carries a credential that works (whatever its state)."""
        return bool(self.credential_hash) and self.revoked_at is None


class EnrolmentCode(models.Model):
    """A short code staff read out or write down, typed once on the device to enrol it."""

    device = models.ForeignKey(Device, on_delete=models.CASCADE, related_name="codes")
    code_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.device_id} {self.created_at:%Y-%m-%d %H:%M}"


class EnrolmentFailure(models.Model):
    """A wrong code typed on the enrolment page, by device address: too many in a while and
    that address may try no more until they age out."""

    address = models.CharField(max_length=64)
    at = models.DateTimeField(db_index=True)

    class Meta:
        indexes = [models.Index(fields=["address", "at"])]

    def __str__(self) -> str:
        return f"{self.address} {self.at:%Y-%m-%d %H:%M}"


class DevicePolicy(models.Model):
    """An establishment's sign-in rule for its learners (no row: no rule)."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, related_name="device_policy"
    )
    enrolled_only = models.BooleanField(
        _("Learners sign in only from enrolled devices"), default=False
    )
    groups = models.ManyToManyField(
        DeviceGroup, verbose_name=_("only from these device groups"), blank=True, related_name="+"
    )

    def __str__(self) -> str:
        return str(self.establishment)


class CohortDeviceRule(models.Model):
    """The device groups from which the learners of one group (cohort) may sign in: it
    replaces the establishment's rule for them, and asks for an enrolled device."""

    cohort = models.OneToOneField(Cohort, on_delete=models.CASCADE, related_name="device_rule")
    groups = models.ManyToManyField(DeviceGroup, related_name="cohort_rules")

    def __str__(self) -> str:
        return str(self.cohort)


class Loan(models.Model):
    class Condition(models.TextChoices):
        NEW = "new", _("New")
        GOOD = "good", _("Good")
        WORN = "worn", _("Worn")
        DAMAGED = "damaged", _("Damaged")

    device = models.ForeignKey(Device, on_delete=models.PROTECT, related_name="loans")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="device_loans"
    )
    checked_out_at = models.DateTimeField(_("since"))
    due_on = models.DateField(_("due back"))
    condition_out = models.CharField(_("condition at checkout"), max_length=16, choices=Condition)
    notes_out = models.TextField(_("notes at checkout"), blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    returned_at = models.DateTimeField(_("returned"), null=True, blank=True)
    condition_in = models.CharField(
        _("condition at return"), max_length=16, choices=Condition, blank=True
    )
    notes_in = models.TextField(_("notes at return"), blank=True)
    returned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["-checked_out_at", "-pk"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.UniqueConstraint(
                fields=["device"],
                condition=Q(returned_at__isnull=True),
                name="one_open_loan_per_device",
            )
        ]
        indexes = [models.Index(fields=["returned_at", "due_on"])]

    def __str__(self) -> str:
        return f"{self.device} → {self.learner}"
