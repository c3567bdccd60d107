"""How many messages wait unread, for the home pages of learners and teachers: one count query,
made only by the templates that show it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from cartable.accounts.models import Role
from cartable.messaging.access import unread_count


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in (Role.LEARNER, Role.TEACHER):
        return {}
    # The template calls it; cached so that naming it twice costs one query.
    return {"unread_messages": cache(lambda: unread_count(user))}
