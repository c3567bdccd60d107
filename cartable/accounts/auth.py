"""Sign-in helpers shared by the login form and the lockout library."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from cartable.accounts.models import CartableUserManager


def axes_username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The username django-axes counts failures for: the same, case-free, one we sign in with."""
    raw = ""
    if credentials:
        raw = str(credentials.get("username", ""))
    elif request is not None:
        raw = str(request.POST.get("username", ""))
    return CartableUserManager.normalize_username(raw)
