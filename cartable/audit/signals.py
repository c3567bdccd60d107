"""Sign-ins, sign-outs and failed sign-ins go to the audit log."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model, signals
from django.dispatch import receiver
from django.http import HttpRequest

from cartable.accounts.models import normalize_username
from cartable.audit.actions import record


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
    username = str(credentials.get("username", ""))[:150]
    # The establishment of the account tried, when there is one: its staff see the attempt.
    establishment_id = (
        get_user_model()
        .objects.filter(username=normalize_username(username))
        .values_list("establishment_id", flat=True)
        .first()
        if username
        else None
    )
    record(
        "auth.sign_in_failed",
        actor=None,
        actor_name="anonymous",
        details={"username": username},
        request=request,
        establishment_id=establishment_id,
    )
