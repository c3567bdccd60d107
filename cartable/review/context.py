"""How many courses wait for a decision, for the staff's navigation (one count query, made only
on staff pages that show it)."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from django.http import HttpRequest

from cartable.accounts.models import STAFF_ROLES
from cartable.catalog.access import managed_courses
from cartable.review.report import waiting_courses


def review(request: HttpRequest) -> dict[str, Callable[[], int]]:
    user: Any = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.role not in STAFF_ROLES:
        return {}
    # The template calls it; cached so that naming it twice costs one query.
    managed = managed_courses(user).values("pk")
    return {"review_waiting": cache(lambda: waiting_courses().filter(pk__in=managed).count())}
