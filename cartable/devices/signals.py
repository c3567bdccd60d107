"""A learner who signed in through the device rule is bound to their device."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import signals
from django.dispatch import receiver
from django.http import HttpRequest

from cartable.devices.signin import bind


@receiver(signals.user_logged_in)
def _signed_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if request is not None:
        bind(request, user)
