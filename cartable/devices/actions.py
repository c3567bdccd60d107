"""Every change to devices, their enrolment, the sign-in rule and loans: one transaction, the
acting user passed explicitly, an audit row written with it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.accounts.models import Cohort, Establishment, Role, User
from cartable.audit.actions import client_address, record, record_repeated
from cartable.devices import credentials
from cartable.devices.access import may_manage
from cartable.devices.models import (
    CohortDeviceRule,
    Device,
    DeviceGroup,
    DevicePolicy,
    EnrolmentCode,
    EnrolmentFailure,
    Loan,
)


class DeviceError(ValueError):
    """A change that cannot be made; the message is for the user, translated."""


def _check(actor: User, establishment_id: int) -> None:
    if not may_manage(actor, establishment_id):
        raise DeviceError(_("You may only manage the devices of your own establishment."))


def _check_group(group: DeviceGroup | None, establishment_id: int) -> None:
    if group is not None and group.establishment_id != establishment_id:
        raise DeviceError(_("This device group belongs to another establishment."))


def _check_asset(establishment_id: int, asset_number: str, device: Device | None) -> None:
    if not asset_number:
        return
    taken = Device.objects.filter(establishment_id=establishment_id, asset_number=asset_number)
    if device is not None:
        taken = taken.exclude(pk=device.pk)
    if taken.exists():
        raise DeviceError(
            _("Another device has the asset number “%(number)s”.") % {"number": asset_number}
        )


def _summary(device: Device) -> dict[str, object]:
    return {
        "kind": device.kind,
        "asset": device.asset_number,
        "group": device.group.name if device.group else "",
        "state": device.state,
    }


# --- The register -----------------------------------------------------------------------------


@transaction.atomic
def create_group(
    *, actor: User, establishment: Establishment, name: str, request: HttpRequest | None = None
) -> DeviceGroup:
    _check(actor, establishment.pk)
    name = name.strip()[:120]
    if not name:
        raise DeviceError(_("Give the group a name."))
    if DeviceGroup.objects.filter(establishment=establishment, name=name).exists():
        raise DeviceError(_("There is already a device group “%(name)s”.") % {"name": name})
    group = DeviceGroup.objects.create(establishment=establishment, name=name)
    record("device.group_created", actor=actor, target=group, request=request)
    return group


@transaction.atomic
def rename_group(
    *, actor: User, group: DeviceGroup, name: str, request: HttpRequest | None = None
) -> DeviceGroup:
    _check(actor, group.establishment_id)
    name = name.strip()[:120]
    if not name:
        raise DeviceError(_("Give the group a name."))
    taken = DeviceGroup.objects.filter(establishment_id=group.establishment_id, name=name)
    if taken.exclude(pk=group.pk).exists():
        raise DeviceError(_("There is already a device group “%(name)s”.") % {"name": name})
    before = group.name
    if name != before:
        group.name = name
        group.save(update_fields=["name"])
        record(
            "device.group_renamed",
            actor=actor,
            target=group,
            request=request,
            details={"from": before, "to": name},
        )
    return group


@transaction.atomic
def delete_group(*, actor: User, group: DeviceGroup, request: HttpRequest | None = None) -> None:
    """Delete an empty device group. A group that holds devices is refused (its devices would
    lose their room without anyone deciding where they are), and so is one a sign-in rule names
    (deleting it would silently change who may sign in from where)."""
    _check(actor, group.establishment_id)
    group = DeviceGroup.objects.select_for_update().get(pk=group.pk)
    held = group.devices.count()
    if held:
        raise DeviceError(
            ngettext(
                "The group “%(name)s” still holds %(count)d device: move it to another group "
                "first.",
                "The group “%(name)s” still holds %(count)d devices: move them to another group "
                "first.",
                held,
            )
            % {"name": group.name, "count": held}
        )
    in_rules = (
        DevicePolicy.groups.through.objects.filter(devicegroup_id=group.pk).exists()
        or CohortDeviceRule.groups.through.objects.filter(devicegroup_id=group.pk).exists()
    )
    if in_rules:
        raise DeviceError(
            _("The group “%(name)s” is named in a sign-in rule: take it out of the rule first.")
            % {"name": group.name}
        )
    record(
        "device.group_deleted",
        actor=actor,
        target=group,
        request=request,
        details={"name": group.name},
    )
    group.delete()


@transaction.atomic
def create_device(
    *,
    actor: User,
    establishment: Establishment,
    kind: str,
    label: str,
    asset_number: str = "",
    group: DeviceGroup | None = None,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Device:
    _check(actor, establishment.pk)
    _check_group(group, establishment.pk)
    _check_asset(establishment.pk, asset_number.strip(), None)
    device = Device.objects.create(
        establishment=establishment,
        kind=kind,
        label=label.strip()[:120],
        asset_number=asset_number.strip()[:120],
        group=group,
        notes=notes,
    )
    record("device.created", actor=actor, target=device, request=request, details=_summary(device))
    return device


@transaction.atomic
def change_device(
    *,
    actor: User,
    device: Device,
    kind: str,
    label: str,
    asset_number: str,
    group: DeviceGroup | None,
    state: str,
    notes: str,
    request: HttpRequest | None = None,
) -> Device:
    _check(actor, device.establishment_id)
    _check_group(group, device.establishment_id)
    _check_asset(device.establishment_id, asset_number.strip(), device)
    before = _summary(device)
    device.kind, device.label, device.asset_number = kind, label.strip()[:120], asset_number.strip()
    device.group, device.state, device.notes = group, state, notes
    device.save()
    after = _summary(device)
    record(
        "device.changed",
        actor=actor,
        target=device,
        request=request,
        details={key: [before[key], after[key]] for key in after if before[key] != after[key]},
    )
    return device


# --- Enrolment --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedCode:
    code: str  # shown once, as ``credentials.shown`` writes it
    expires_at: object


@transaction.atomic
def issue_code(*, actor: User, device: Device, request: HttpRequest | None = None) -> IssuedCode:
    """A new one-time code for ``device``; the codes it had before stop working."""
    _check(actor, device.establishment_id)
    if device.state != Device.State.ACTIVE:
        raise DeviceError(_("Only a device in service can be enrolled."))
    now = timezone.now()
    EnrolmentCode.objects.filter(device=device, used_at__isnull=True).update(used_at=now)
    while True:
        code = credentials.new_code()
        hashed = credentials.digest(code)
        if not EnrolmentCode.objects.filter(code_hash=hashed).exists():
            break
    expires = now + timedelta(minutes=credentials.CODE_MINUTES)
    EnrolmentCode.objects.create(
        device=device, code_hash=hashed, created_by=actor, expires_at=expires
    )
    record(
        "device.code_issued",
        actor=actor,
        target=device,
        request=request,
        details={"minutes": credentials.CODE_MINUTES},
    )
    return IssuedCode(code=credentials.shown(code), expires_at=expires)


class TooManyTries(DeviceError):
    pass


def _actor_of(request: HttpRequest) -> User | None:
    user = getattr(request, "user", None)
    return user if user is not None and user.is_authenticated else None


def _failed(request: HttpRequest, address: str, why: str) -> None:
    with transaction.atomic():
        EnrolmentFailure.objects.create(address=address, at=timezone.now())
        actor = _actor_of(request)
        record_repeated(
            "device.enrolment_refused",
            actor=actor,
            actor_name=None if actor is not None else "anonymous",
            about=why,
            details={"reason": why},
            request=request,
        )


def enrol(*, typed: str, request: HttpRequest) -> tuple[Device, str]:
    """Enrol the device this request comes from with the code it typed: (the device, the
    secret to give it). Wrong, expired and used codes are refused alike (DeviceError), and an
    address that typed too many wrong codes lately may try no more for a while."""
    address = client_address(request) or "-"
    now = timezone.now()
    since = now - timedelta(minutes=credentials.FAILURE_WINDOW_MINUTES)
    EnrolmentFailure.objects.filter(at__lt=since).delete()
    if (
        EnrolmentFailure.objects.filter(address=address, at__gte=since).count()
        >= credentials.MAX_FAILURES
    ):
        _failed(request, address, "too_many")
        raise TooManyTries(
            _(
                "Too many wrong codes were typed on this device. Wait %(minutes)s minutes, "
                "then try again."
            )
            % {"minutes": credentials.FAILURE_WINDOW_MINUTES}
        )
    code = credentials.normalise(typed)
    wrong = DeviceError(
        _(
            "This code is wrong, has expired or was used already. Check it, or ask the staff "
            "for a new one."
        )
    )
    if code is None:
        _failed(request, address, "malformed")
        raise wrong
    hashed = credentials.digest(code)
    secret = credentials.new_secret()
    with transaction.atomic():
        found = (
            EnrolmentCode.objects.select_for_update()
            .select_related("device")
            .filter(code_hash=hashed)
            .first()
        )
        why = ""
        if found is None or not credentials.same(found.code_hash, hashed):
            why = "unknown"
        elif found.used_at is not None:
            why = "used"
        elif found.expires_at <= now:
            why = "expired"
        elif found.device.state != Device.State.ACTIVE:
            why = "out_of_service"
        if not why:
            assert found is not None
            # Used once: of two devices typing the same code at once, one only gets it.
            taken = EnrolmentCode.objects.filter(pk=found.pk, used_at__isnull=True).update(
                used_at=now
            )
            why = "" if taken == 1 else "used"
        if not why:
            assert found is not None
            device = found.device
            device.credential_hash = credentials.digest(secret)
            device.enrolled_at = device.last_seen_at = now
            device.revoked_at = None
            device.save(
                update_fields=["credential_hash", "enrolled_at", "last_seen_at", "revoked_at"]
            )
            actor = _actor_of(request)
            record(
                "device.enrolled",
                actor=actor,
                actor_name=None if actor is not None else "anonymous",
                target=device,
                request=request,
            )
            return device, secret
    _failed(request, address, why)
    raise wrong


@transaction.atomic
def revoke(*, actor: User, device: Device, request: HttpRequest | None = None) -> Device:
    """The device's credential stops working at once (sign-in, and open sessions)."""
    _check(actor, device.establishment_id)
    if not device.is_enrolled:
        raise DeviceError(_("This device is not enrolled."))
    device.revoked_at = timezone.now()
    device.save(update_fields=["revoked_at"])
    EnrolmentCode.objects.filter(device=device, used_at__isnull=True).update(
        used_at=device.revoked_at
    )
    record("device.revoked", actor=actor, target=device, request=request)
    return device


# --- The sign-in rule -------------------------------------------------------------------------


@transaction.atomic
def set_policy(
    *,
    actor: User,
    establishment: Establishment,
    enrolled_only: bool,
    groups: Iterable[DeviceGroup],
    request: HttpRequest | None = None,
) -> DevicePolicy:
    _check(actor, establishment.pk)
    chosen = list(groups)
    for group in chosen:
        _check_group(group, establishment.pk)
    policy, _created = DevicePolicy.objects.get_or_create(establishment=establishment)
    policy.enrolled_only = enrolled_only
    policy.save(update_fields=["enrolled_only"])
    policy.groups.set(chosen)
    record(
        "device.rule_changed",
        actor=actor,
        target=establishment,
        request=request,
        details={"enrolled_only": enrolled_only, "groups": sorted(g.name for g in chosen)},
    )
    return policy


@transaction.atomic
def set_cohort_rule(
    *,
    actor: User,
    cohort: Cohort,
    groups: Iterable[DeviceGroup],
    request: HttpRequest | None = None,
) -> None:
    """The device groups ``cohort``'s learners may sign in from (none: the establishment's
    rule applies to them again)."""
    _check(actor, cohort.establishment_id)
    chosen = list(groups)
    for group in chosen:
        _check_group(group, cohort.establishment_id)
    if chosen:
        rule, _created = CohortDeviceRule.objects.get_or_create(cohort=cohort)
        rule.groups.set(chosen)
    else:
        CohortDeviceRule.objects.filter(cohort=cohort).delete()
    record(
        "device.group_rule_changed",
        actor=actor,
        target=cohort,
        request=request,
        details={"group": cohort.name, "groups": sorted(g.name for g in chosen)},
    )


# --- Loans ------------------------------------------------------------------------------------


@transaction.atomic
def check_out(
    *,
    actor: User,
    device: Device,
    learner: User,
    due_on: date,
    condition: str,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Loan:
    _check(actor, device.establishment_id)
    if learner.role != Role.LEARNER or learner.establishment_id != device.establishment_id:
        raise DeviceError(_("A device is lent to a learner of its establishment."))
    if device.state != Device.State.ACTIVE:
        raise DeviceError(_("Only a device in service can be lent."))
    now = timezone.now()
    if due_on < timezone.localdate(now):
        raise DeviceError(_("The due date is already past."))
    busy = DeviceError(_("This device is already lent: record its return first."))
    if Loan.objects.filter(device=device, returned_at__isnull=True).exists():
        raise busy
    try:
        with transaction.atomic():
            loan = Loan.objects.create(
                device=device,
                learner=learner,
                checked_out_at=now,
                due_on=due_on,
                condition_out=condition,
                notes_out=notes,
                checked_out_by=actor,
            )
    except IntegrityError:  # lent meanwhile by someone else
        raise busy from None
    record(
        "loan.checked_out",
        actor=actor,
        target=device,
        request=request,
        details={
            "learner": learner.username,
            "due": due_on.isoformat(),
            "condition": condition,
        },
    )
    return loan


@transaction.atomic
def check_in(
    *,
    actor: User,
    loan: Loan,
    condition: str,
    notes: str = "",
    request: HttpRequest | None = None,
) -> Loan:
    _check(actor, loan.device.establishment_id)
    locked = Loan.objects.select_for_update().get(pk=loan.pk)
    if locked.returned_at is not None:
        raise DeviceError(_("This device was returned already."))
    loan.returned_at = timezone.now()
    loan.returned_by = actor
    loan.condition_in = condition
    loan.notes_in = notes
    loan.save(update_fields=["returned_at", "returned_by", "condition_in", "notes_in"])
    record(
        "loan.returned",
        actor=actor,
        target=loan.device,
        request=request,
        details={
            "learner": loan.learner.username,
            "condition": condition,
            "late": timezone.localdate(loan.returned_at) > loan.due_on,
        },
    )
    return loan
