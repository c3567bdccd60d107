"""Closing a learner's account and handing over their record: one transaction each, the acting
user passed explicitly (None is the box's operator at the command line), an audit row with it."""

from __future__ import annotations

from datetime import date

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.access import open_sessions
from cartable.accounts.models import Role, User
from cartable.accounts.permissions import can_manage
from cartable.audit.actions import record
from cartable.exchange import identity
from cartable.records.models import Closure


class RecordError(ValueError):
    """What staff asked cannot be done; the message is for them, translated."""


def check_learner(actor: User | None, account: User) -> None:
    if account.role != Role.LEARNER or not can_manage(actor, account):
        raise RecordError(_("You may not manage this learner's record."))


@transaction.atomic
def close_account(
    *,
    actor: User | None,
    account: User,
    reason: str,
    closed_on: date,
    note: str = "",
    request: HttpRequest | None = None,
) -> Closure:
    """Close a learner's account on transfer or release: it can no longer sign in, its open
    sessions end now, and the closure is kept (with the account's record)."""
    check_learner(actor, account)
    if reason not in Closure.Reason.values:
        raise RecordError(_("Choose a reason."))
    if not account.is_active:
        raise RecordError(_("This account is already closed."))
    account.is_active = False
    account.save(update_fields=["is_active"])
    closure = Closure.objects.create(
        account=account,
        reason=reason,
        closed_on=closed_on,
        note=note.strip()[:1000],
        closed_by=actor,
    )
    ended = open_sessions.end_all(account)
    record(
        "records.account_closed",
        actor=actor,
        target=account,
        request=request,
        details={"reason": reason, "date": closed_on.isoformat(), "sessions_ended": ended},
    )
    return closure


@transaction.atomic
def issue_portfolio(
    *, actor: User | None, account: User, request: HttpRequest | None = None
) -> bytes:
    """The learner's signed portfolio PDF; handing it over is audited."""
    check_learner(actor, account)
    # The PDF code (fpdf2, fontTools: ~10 MB) is loaded on the first portfolio, not by every
    # web worker at start.
    from cartable.records import portfolio

    box = identity.load(create=True)
    data = portfolio.render(account, box)
    record(
        "records.portfolio_issued",
        actor=actor,
        target=account,
        request=request,
        details={"fingerprint": box.public.fingerprint, "bytes": len(data)},
    )
    return data
