"""Each learner request checks the device rule (``signin.still_allowed``)."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from cartable.accounts.models import Role
from cartable.devices.signin import still_allowed

Handler = Callable[[HttpRequest], HttpResponse]


def device_rule(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and getattr(user, "role", None) == Role.LEARNER:
            still_allowed(request, int(time.time()))
        return get_response(request)

    return middleware
