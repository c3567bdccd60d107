"""Who is signed in where: one row per session (``OpenSession``), written at sign-in and
deleted at sign-out; a learner holds one session (signing in again ends the others); staff
list their establishment's sessions and end them.

Django's session rows stay the truth: a session is open while its row exists and has not
expired. Our rows only say whose each is, and are never read on an ordinary request.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from cartable.access.models import OpenSession
from cartable.accounts.models import Role, User
from cartable.accounts.permissions import can_manage, visible_accounts
from cartable.accounts.sessions import SessionStore
from cartable.audit.actions import client_address, client_device, record

# The idle clock's key in the session (cartable.web.middleware.SEEN_KEY, a higher layer:
# tests/test_access_sessions.py checks they agree).
SEEN_KEY = "cartable_seen"


class SessionError(ValueError):
    """A session that cannot be ended by this person; the message is for them."""


def _live_keys() -> QuerySet[Session]:
    return Session.objects.filter(expire_date__gt=timezone.now())


@transaction.atomic
def opened(*, user: User, request: HttpRequest) -> None:
    """A sign-in: note the session; a learner's other sessions end (audited)."""
    key = request.session.session_key
    if key is None:
        return
    mine = OpenSession.objects.filter(user=user).exclude(session_key=key)
    old_keys = list(mine.values_list("session_key", flat=True))
    if old_keys:
        ended = 0
        if user.role == Role.LEARNER:
            ended, _detail = Session.objects.filter(session_key__in=old_keys).delete()
            mine.delete()
        else:  # others keep their sessions: only forget the rows of sessions gone
            gone = set(old_keys) - set(
                Session.objects.filter(session_key__in=old_keys).values_list(
                    "session_key", flat=True
                )
            )
            OpenSession.objects.filter(session_key__in=gone).delete()
        if ended:
            record(
                "session.replaced",
                actor=user,
                target=user,
                details={"ended": ended},
                request=request,
            )
    OpenSession.objects.update_or_create(
        session_key=key,
        defaults={
            "user": user,
            "signed_in_at": timezone.now(),
            "ip_address": client_address(request),
            "device": client_device(request),
        },
    )


def closed(request: HttpRequest) -> None:
    """A sign-out (or a session ended by the box): forget its row."""
    key = request.session.session_key
    if key is not None:
        OpenSession.objects.filter(session_key=key).delete()


@dataclass(frozen=True)
class Shown:
    row: OpenSession
    last_seen: datetime | None
    may_end: bool
    current: bool


def visible_sessions(actor: User) -> QuerySet[OpenSession]:
    """The open sessions of the accounts ``actor`` sees (staff: their establishment's)."""
    return OpenSession.objects.filter(
        user__in=visible_accounts(actor).filter(is_active=True),
        session_key__in=_live_keys().values("session_key"),
    ).select_related("user", "user__establishment")


def listing(actor: User, request: HttpRequest) -> list[Shown]:
    """Each visible session with when it was last seen (the idle clock it keeps), in two
    queries."""
    rows = list(visible_sessions(actor).order_by("user__last_name", "user__username", "-pk"))
    data = dict(
        Session.objects.filter(session_key__in=[row.session_key for row in rows]).values_list(
            "session_key", "session_data"
        )
    )
    store = SessionStore()
    shown = []
    for row in rows:
        session = store.decode(data.get(row.session_key, ""))
        if not constant_time_compare(
            str(session.get(HASH_SESSION_KEY, "")), row.user.get_session_auth_hash()
        ):
            continue  # ended by a new password: its next request is anonymous
        seen = session.get(SEEN_KEY)
        shown.append(
            Shown(
                row=row,
                last_seen=datetime.fromtimestamp(seen, UTC) if isinstance(seen, int) else None,
                may_end=can_manage(actor, row.user),
                current=row.session_key == request.session.session_key,
            )
        )
    return shown


@transaction.atomic
def end_all(user: User) -> int:
    """Delete every session of ``user`` (closing their account): how many were live."""
    mine = OpenSession.objects.filter(user=user)
    ended, _detail = Session.objects.filter(
        session_key__in=mine.values("session_key"), expire_date__gt=timezone.now()
    ).delete()
    mine.delete()
    return ended


def end(*, actor: User, session: OpenSession, request: HttpRequest | None = None) -> None:
    """Staff end someone's session: their next request is signed out."""
    if not can_manage(actor, session.user):
        raise SessionError(_("You may not end this session."))
    Session.objects.filter(session_key=session.session_key).delete()
    session.delete()
    record(
        "session.ended",
        actor=actor,
        target=session.user,
        details={
            "signed_in_at": session.signed_in_at.isoformat(),
            "device": session.device[:100],
        },
        request=request,
    )
