"""How large a request body the box reads, decided before a byte of it is read.

Every request's body is capped at CARTABLE_REQUEST_MAX_BYTES (a form is a few kilobytes).
Only the addresses in ``UPLOADS`` take more, and only from the roles they name: the user is
found from the session cookie, which needs nothing from the body. A body over its limit is
refused with 413, and one whose length is not announced (chunked) with 411, both before Django
reads it: Django never reads past the announced length (its ``LimitedStream``), so checking
the announced length bounds what is read, and nothing reaches the upload folder.

Django calls every middleware's own code before any ``process_view`` (where the CSRF
middleware reads the body to find its token), so this cap acts first wherever it sits in
MIDDLEWARE; it sits after the locale (the refusal is in the reader's language), the CSRF
cookie (the page's own forms work) and the lazy user.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
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
    """The most this request may send: the upload limit of its address when the signed-in
    user has a role it allows, else the general one."""
    general: int = settings.REQUEST_MAX_BYTES
    try:
        name = resolve(request.path_info).view_name
    except Resolver404:
        return general
    upload = UPLOADS.get(name)
    if upload is None:
        return general
    if upload.roles is None:
        return upload.limit()
    user = request.user
    if not user.is_authenticated or getattr(user, "role", None) not in upload.roles:
        return general
    return upload.limit()


def body_limit(get_response: Handler) -> Handler:
    def middleware(request: HttpRequest) -> HttpResponse:
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
        return get_response(request)

    return middleware


def _refused(request: HttpRequest, status: int, message: str, limit: int = 0) -> HttpResponse:
    return render(request, "413.html", {"message": message, "limit": limit}, status=status)
