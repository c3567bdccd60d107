"""Finding a choice or a survey for the person asking, with the box's one rule for opening an
activity (``catalog.access``) and its access rules (``learning.gate``)."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from cartable.accounts.models import User
from cartable.catalog.access import activity_for, course_for, sees_all_of
from cartable.catalog.models import Activity, Course
from cartable.learning.gate import holds


@dataclass(frozen=True)
class Found:
    user: User
    course: Course
    activity: Activity
    sees_all: bool  # staff or one of the course's teachers: they preview, and see results


def find(request: HttpRequest, course_id: int, activity_id: int, kind: str) -> Found:
    """The activity of ``kind`` the user may open now (404 if not theirs to see, 403 while its
    access rules keep a learner out)."""
    user: User = request.user  # type: ignore[assignment]
    course = course_for(user, course_id)
    activity = activity_for(user, course, activity_id)
    if activity.kind != kind:
        raise Http404
    sees_all = sees_all_of(user, course)
    if not sees_all and holds(user, course, activity):
        raise PermissionDenied
    return Found(user, course, activity, sees_all)


def for_results(request: HttpRequest, course_id: int, activity_id: int, kind: str) -> Found:
    """The activity, for its results pages: staff and the course's teachers only."""
    found = find(request, course_id, activity_id, kind)
    if not found.sees_all:
        raise PermissionDenied
    return found
