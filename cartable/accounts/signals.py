"""Sign-ins, sign-outs and failed sign-ins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.dispatch import receiver
from django.http import HttpRequest

from cartable.accounts.auth import account_tried
from cartable.audit.actions import record, record_repeated


@receiver(signals.user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record("auth.sign_in", actor=user, target=user, request=request)


@receiver(signals.user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("auth.sign_out", actor=user, target=user, request=request)


@receiver(signals.user_login_failed)
def _sign_in_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """The name tried is kept only when it is an account's (what was typed may be a password);
    the entry is filed under that account's establishment, whose staff see it. A flood from
    one device is logged once, then counted by name tried."""
    username, _role, establishment_id = account_tried(request, credentials)
    record_repeated(
        "auth.sign_in_failed",
        actor=None,
        actor_name="anonymous",
        about=username,
        details={"username": username},
        request=request,
        establishment_id=establishment_id,
    )
