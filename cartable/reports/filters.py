"""Narrowing the log: the same filters for the staff page, its CSV export and the command line."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from cartable.accounts.models import normalize_username
from cartable.audit.models import AuditEvent


@dataclass(frozen=True)
class Filters:
    action: str = ""  # a code ("auth.sign_in") or a category ("auth.*")
    who: str = ""  # the username of whoever acted ("system": the command line)
    target: str = ""  # part of what it was done to, or an account's username
    since: date | None = None  # from this day (the box's time zone)
    until: date | None = None  # to this day, included
    device: str = ""  # the device's network address, or part of its browser's name

    def as_details(self) -> dict[str, str]:
        """The filters used, for the audit entry of an export."""
        return {
            name: value.isoformat() if isinstance(value, date) else value
            for name, value in self.__dict__.items()
            if value
        }


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _device(text: str) -> Q:
    """An address (10.0.0.23, fe80::1) names one device; other text is looked for in the
    browser's name (a model of tablet, "Firefox")."""
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return Q(device__icontains=text)
    spelled = clean_ipv6_address(str(address)) if address.version == 6 else str(address)
    return Q(ip_address=spelled)


def apply(events: QuerySet[AuditEvent], filters: Filters) -> QuerySet[AuditEvent]:
    if filters.action.endswith(".*"):
        events = events.filter(action__startswith=filters.action[:-1])
    elif filters.action:
        events = events.filter(action=filters.action)
    if filters.who:
        events = events.filter(actor_name=normalize_username(filters.who))
    if filters.target:
        text = filters.target.strip()
        about = Q(target_label__icontains=text)
        username = normalize_username(text)
        accounts = get_user_model().objects.filter(username=username)
        account_ids = [str(pk) for pk in accounts.values_list("pk", flat=True)]
        if account_ids:
            about |= Q(target_type="accounts.user", target_id__in=account_ids)
        # Failed sign-ins name the username tried (an account or not) in their details.
        about |= Q(action="auth.sign_in_failed", details__username=username)
        events = events.filter(about)
    if filters.device:
        events = events.filter(_device(filters.device.strip()))
    if filters.since:
        events = events.filter(at__gte=_start_of(filters.since))
    if filters.until:
        events = events.filter(at__lt=_start_of(filters.until + timedelta(days=1)))
    return events
