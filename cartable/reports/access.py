"""Who may read which audit entries.

Administrators read every entry. Staff read the entries about their own establishment (its
accounts and groups, and what its people did) and those about the whole box (courses, the
command line, failed sign-ins with unknown usernames): a box may serve several establishments,
and staff already see only their own establishment's accounts. Nobody else reads the log.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from cartable.accounts.models import Role, User
from cartable.audit.models import AuditEvent, Tally


def visible_events(user: User) -> QuerySet[AuditEvent]:
    if user.role == Role.ADMIN:
        return AuditEvent.objects.all()
    if user.role == Role.STAFF:
        box_wide = Q(establishment__isnull=True)
        if user.establishment_id is None:
            return AuditEvent.objects.filter(box_wide)
        return AuditEvent.objects.filter(box_wide | Q(establishment_id=user.establishment_id))
    return AuditEvent.objects.none()


def visible_tallies(user: User) -> QuerySet[Tally]:
    """The counts being made (``record_repeated``), by the same rule as the entries."""
    if user.role == Role.ADMIN:
        return Tally.objects.all()
    if user.role == Role.STAFF:
        box_wide = Q(establishment__isnull=True)
        if user.establishment_id is None:
            return Tally.objects.filter(box_wide)
        return Tally.objects.filter(box_wide | Q(establishment_id=user.establishment_id))
    return Tally.objects.none()
