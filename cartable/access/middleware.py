"""Ends a learner's session at the first request outside their access hours."""

from __future__ import annotations

from collections.abc import Callable

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

from cartable.access.gate import check_request

Handler = Callable[[HttpRequest], HttpResponse]


def access_hours(get_response: Handler) -> Handler:
    """After the idle timeout: a learner outside their hours is signed out, and the next page
    (the sign-in page, for a signed-in page) says when access opens."""

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            message = check_request(request)
            if message is not None:
                logout(request)
                messages.error(request, message)
        return get_response(request)

    return middleware
