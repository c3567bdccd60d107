"""Middleware of our own: security headers Django lacks, and sessions that end when idle."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

Handler = Callable[[HttpRequest], HttpResponse]

SEEN_KEY = "cartable_seen"
SIGNED_IN_KEY = "cartable_signed_in"
SEEN_WRITE_EVERY = 60  # seconds: refresh the idle clock at most this often (one DB write)


def security_headers(get_response: Handler) -> Handler:
    """Content-Security-Policy and Permissions-Policy on every response (Django 5.2 sets the
    others: nosniff, referrer, frame options, opener policy); no-store on signed-in pages so a
    shared classroom PC never shows the previous user's page from its cache."""
    csp = settings.CONTENT_SECURITY_POLICY
    permissions = settings.PERMISSIONS_POLICY

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("Permissions-Policy", permissions)
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and "Cache-Control" not in response.headers
            and response.get("Content-Type", "").startswith("text/html")
        ):
            response.headers["Cache-Control"] = "private, no-store"
        return response

    return middleware


def session_idle_timeout(get_response: Handler) -> Handler:
    """Sign out a user idle for CARTABLE_SESSION_IDLE_MINUTES or signed in for longer than
    CARTABLE_SESSION_MAX_HOURS, writing the session at most once a minute."""
    idle = settings.SESSION_IDLE_MINUTES * 60
    longest = settings.SESSION_MAX_HOURS * 3600

    def middleware(request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            now = int(time.time())
            seen = request.session.get(SEEN_KEY, now)
            signed_in = request.session.get(SIGNED_IN_KEY, now)
            if now - seen > idle or now - signed_in > longest:
                logout(request)
                messages.info(request, _("Your session has ended. Please sign in again."))
            else:
                if SIGNED_IN_KEY not in request.session:
                    request.session[SIGNED_IN_KEY] = now
                if now - seen >= SEEN_WRITE_EVERY or SEEN_KEY not in request.session:
                    request.session[SEEN_KEY] = now
        return get_response(request)

    return middleware
