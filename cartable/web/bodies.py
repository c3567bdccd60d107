"""How large a request body the box reads, decided before a byte of it is read.

Every request's body is capped at CARTABLE_REQUEST_MAX_BYTES (a form is a few kilobytes).
Only the addresses in ``UPLOADS`` take more, and only from the roles they name: the user is
found from the session cookie, which needs nothing from the body. A body over its limit is
refused with 413, and one whose length is not announced (chunked) with 411, both before Django
reads it: Django never reads past the announced length (its ``LimitedStream``), so checking
the announced length bounds what is read, and nothing reaches the upload folder.

The check is the middleware's ``process_view``: Django calls it once the address is resolved
(its view's name is then a dict lookup in ``UPLOADS``, with no resolution of its own), after
every middleware's own code (the locale, the lazy user, the session are set) and in
MIDDLEWARE order among the other ``process_view``: so the middleware sits before the CSRF
middleware, the first to read the body (to find its token) and the only other one with a
``process_view``. An address that resolves to nothing is answered 404 without reading the
body. The refusal goes out through every middleware's response code (the CSRF cookie, so
the page's own forms work).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from cartable.accounts.models import Role

Handler = Callable[[HttpRequest], HttpResponse]

# Room for the other fields of an upload's form (the CSRF token, a choice or two) and the
# multipart boundaries around the file.
FORM_ROOM = 64 * 1024


@dataclass(frozen=True)
class Upload:
    """An address that takes a large body: for whom, and how large."""

    roles: frozenset[Role] | None  # None: anyone, the view authenticates the request itself
    limit: Callable[[], int]


STAFF = frozenset({Role.STAFF, Role.ADMIN})

UPLOADS: dict[str, Upload] = {
    "catalog:import": Upload(STAFF, lambda: settings.IMPORT_MAX_UPLOAD_BYTES),
    "catalog:import_questions": Upload(
        STAFF, lambda: settings.IMPORT_MAX_QUESTION_FILE_BYTES + FORM_ROOM
    ),
    "accounts:import": Upload(STAFF, lambda: settings.CSV_MAX_BYTES + FORM_ROOM),
    # Bundles from the university's hub or a box (administrators: the exchange is the box's).
    "exchange:import": Upload(
        frozenset({Role.ADMIN}), lambda: settings.IMPORT_MAX_UPLOAD_BYTES + FORM_ROOM
    ),
    "exchange:learners": Upload(
        frozenset({Role.ADMIN}), lambda: settings.CSV_MAX_BYTES + FORM_ROOM
    ),
    # Work handed in, and files given back with a grade.
    "assignments:save": Upload(
        frozenset({Role.LEARNER}), lambda: settings.ASSIGN_MAX_UPLOAD_BYTES + FORM_ROOM
    ),
    "assignments:grade": Upload(
        frozenset({Role.TEACHER}) | STAFF, lambda: settings.ASSIGN_MAX_UPLOAD_BYTES + FORM_ROOM
    ),
    # A quiz page's answers with an essay's files (learners; teachers and staff previewing).
    "assessment:attempt": Upload(
        frozenset({Role.LEARNER, Role.TEACHER}) | STAFF,
        lambda: settings.ASSIGN_MAX_UPLOAD_BYTES + FORM_ROOM,
    ),
    # A box's bundle, online: its signed headers are checked before a byte is read.
    "exchange_api:push": Upload(None, lambda: settings.EXCHANGE_API_MAX_BYTES),
}


def announced_length(request: HttpRequest) -> int | None:
    """The body's length as announced (0 when there is none); None when a body comes without
    one (chunked transfer coding) or the announcement is not a length."""
    raw = str(request.META.get("CONTENT_LENGTH") or "").strip()
    if raw:
        return int(raw) if raw.isascii() and raw.isdigit() else None
    if request.META.get("HTTP_TRANSFER_ENCODING"):
        return None
    return 0


def limit_for(request: HttpRequest) -> int:
    """The most this request may send: the upload limit of its address (already resolved)
    when the signed-in user has a role it allows, else the general one."""
    general: int = settings.REQUEST_MAX_BYTES
    upload = UPLOADS.get(request.resolver_match.view_name) if request.resolver_match else None
    if upload is None:
        return general
    if upload.roles is None:
        return upload.limit()
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) not in upload.roles:
        return general
    return upload.limit()


class BodyLimit:
    """The middleware: nothing on the way in, the check once the address is resolved."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(
        self, request: HttpRequest, view: Callable[..., Any], args: Any, kwargs: Any
    ) -> HttpResponse | None:
        length = announced_length(request)
        if length is None:
            return _refused(
                request,
                411,
                _("The box only accepts forms sent with their length. Send the form again."),
            )
        if length:
            limit = limit_for(request)
            if length > limit:
                return _refused(request, 413, "", limit)
        return None


def _refused(request: HttpRequest, status: int, message: str, limit: int = 0) -> HttpResponse:
    return render(request, "413.html", {"message": message, "limit": limit}, status=status)
