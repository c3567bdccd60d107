"""Which devices, groups, loans and establishments' rules a user may see and manage: staff
those of their establishment, administrators all, nobody else any."""

from __future__ import annotations

from django.db.models import QuerySet

from cartable.accounts.models import Establishment, Role, User
from cartable.accounts.permissions import visible_establishments
from cartable.devices.models import Device, DeviceGroup, Loan


def _establishment(actor: User) -> int | None:
    """None for an administrator (everything); -1 for someone who may see nothing."""
    if actor.role == Role.ADMIN:
        return None
    if actor.role == Role.STAFF and actor.establishment_id is not None:
        return int(actor.establishment_id)
    return -1


def visible_devices(actor: User) -> QuerySet[Device]:
    found = _establishment(actor)
    return Device.objects.all() if found is None else Device.objects.filter(establishment_id=found)


def visible_groups(actor: User) -> QuerySet[DeviceGroup]:
    found = _establishment(actor)
    if found is None:
        return DeviceGroup.objects.select_related("establishment")
    return DeviceGroup.objects.filter(establishment_id=found)


def visible_loans(actor: User) -> QuerySet[Loan]:
    found = _establishment(actor)
    if found is None:
        return Loan.objects.all()
    return Loan.objects.filter(device__establishment_id=found)


def managed_establishments(actor: User) -> QuerySet[Establishment]:
    if actor.role not in (Role.STAFF, Role.ADMIN):
        return Establishment.objects.none()
    return visible_establishments(actor)


def may_manage(actor: User, establishment_id: int) -> bool:
    found = _establishment(actor)
    return found is None or found == establishment_id
