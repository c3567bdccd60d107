"""Sign-in helpers shared by the login form, the lockout library (django-axes) and the audit log.

What a failed sign-in counts against depends on the account tried:

- a learner's or a teacher's account: the account, from whichever device (a guesser moving
  from PC to PC is still stopped after CARTABLE_LOCKOUT_FAILURES tries); staff unlock it;
- a staff member's or an administrator's account: the account *on that device* (axes'
  ``["username", "ip_address"]`` combination), so that nobody can lock the people who manage
  the box out of it by typing wrong passwords on a classroom PC: they still sign in from
  their own device, while the guessing device is stopped after the same number of tries;
- a name that is no account's: that device's tries at unknown names, under one neutral name
  (``UNKNOWN``), so that what was typed (sometimes a password) is never kept.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cartable.accounts.models import CartableUserManager, Role, User

UNKNOWN = "?"  # no username can be this (letters, digits and . @ + - _ only)
PRIVILEGED = frozenset({Role.STAFF, Role.ADMIN})
BY_ACCOUNT: list[str | list[str]] = ["username"]
BY_ACCOUNT_AND_DEVICE: list[str | list[str]] = [["username", "ip_address"]]

_CACHE = "_cartable_sign_in_account"


def typed_username(request: HttpRequest | None, credentials: dict[str, Any] | None) -> str:
    raw = ""
    if credentials:
        raw = str(credentials.get("username", ""))
    elif request is not None and hasattr(request, "POST"):
        raw = str(request.POST.get("username", ""))
    return CartableUserManager.normalize_username(raw)


def account_tried(
    request: HttpRequest | None, credentials: dict[str, Any] | None
) -> tuple[str, str | None, int | None]:
    """(username, role, establishment id) of the account a sign-in names, or (UNKNOWN, None,
    None) when it names none. One query per request (kept on the request)."""
    name = typed_username(request, credentials)
    cached = getattr(request, _CACHE, None)
    if cached is not None and cached[0] == name:
        return cached[1]  # type: ignore[no-any-return]
    row = (
        User.objects.filter(username=name).values_list("role", "establishment_id").first()
        if name
        else None
    )
    found = (name, row[0], row[1]) if row is not None else (UNKNOWN, None, None)
    if request is not None:
        setattr(request, _CACHE, (name, found))
    return found


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The name django-axes counts failures under: the account's (case-free, as we sign in
    with it), or UNKNOWN."""
    return account_tried(request, credentials)[0]


def axes_lockout_parameters(
    request_or_attempt: Any, credentials: dict[str, Any] | None = None
) -> list[str | list[str]]:
    """What failures count against (see the module's docstring)."""
    if isinstance(request_or_attempt, HttpRequest):
        role = account_tried(request_or_attempt, credentials)[1]
    else:  # an axes AccessAttempt: its username is already ours
        name = str(getattr(request_or_attempt, "username", "") or "")
        role = User.objects.filter(username=name).values_list("role", flat=True).first()
    if role is None or role in PRIVILEGED:
        return BY_ACCOUNT_AND_DEVICE
    return BY_ACCOUNT
