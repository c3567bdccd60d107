"""Sessions noted at sign-in and forgotten at sign-out (``open_sessions``)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.dispatch import receiver
from django.http import HttpRequest

from cartable.access import gate, open_sessions


@receiver(signals.user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    open_sessions.opened(user=user, request=request)
    gate.note_sign_in(request, user)


@receiver(signals.user_logged_out)
def _signed_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    open_sessions.closed(request)
