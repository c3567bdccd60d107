"""Reading django-axes' counts of failed sign-ins: is an account locked, and where.

What counts against what is decided in ``cartable.accounts.auth``: a learner's or teacher's
account is locked everywhere once its failures reach the limit; a staff member's or an
administrator's only on the devices whose failures reach it.
"""

from __future__ import annotations

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone

from cartable.accounts.auth import PRIVILEGED
from cartable.accounts.models import User


def _recent(username: str) -> QuerySet[AccessAttempt]:
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent: QuerySet[AccessAttempt] = AccessAttempt.objects.filter(
        username=username, attempt_time__gte=since
    )
    return recent


def recent_failures(username: str) -> int:
    """Failed sign-ins that still count against the account, from every device."""
    total = _recent(username).aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


def locked_devices(account: User) -> list[str]:
    """The addresses from which ``account`` cannot sign in now; ``["*"]`` when it is locked
    from everywhere (learners and teachers)."""
    limit: int = settings.AXES_FAILURE_LIMIT
    if account.role not in PRIVILEGED:
        return ["*"] if recent_failures(account.username) >= limit else []
    by_device = (
        _recent(account.username)
        .values("ip_address")
        .annotate(total=Sum("failures_since_start"))
        .filter(total__gte=limit)
        .order_by("ip_address")
    )
    return [str(row["ip_address"] or "?") for row in by_device]
