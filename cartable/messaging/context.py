"""How many messages wait unread, for the home pages of learners and teachers, and how many wait
for staff's approval, for their menu: one count query each, made only by the templates that
show it."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from cartable.accounts.models import STAFF_ROLES, Role
from cartable.messaging.access import moderated_messages, unread_count
from cartable.messaging.models import Message


def unread(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in (Role.LEARNER, Role.TEACHER):
        return {}
    # The template calls it; cached so that naming it twice costs one query.
    return {"unread_messages": cache(lambda: unread_count(user))}


def moderation(request: HttpRequest) -> dict[str, Callable[[], int]]:
    """How many messages wait for the staff member's approval, for their menu: one count
    query, made only when a page's menu shows it (staff pages)."""
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in STAFF_ROLES:
        return {}
    return {
        "messages_waiting": cache(
            lambda: moderated_messages(user).filter(status=Message.Status.PENDING).count()
        )
    }
