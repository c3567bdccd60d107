"""Which courses and activities a user may see. Every course lookup in a view goes through here.

Learners see the published courses they are enrolled in; teachers the published courses they
teach; staff and administrators every course (they review and publish them).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404

from cartable.accounts.models import STAFF_ROLES, User
from cartable.catalog.models import Activity, Course


def visible_courses(user: User) -> QuerySet[Course]:
    if not user.is_authenticated or not user.is_active:
        return Course.objects.none()
    if user.role in STAFF_ROLES:
        return Course.objects.all()
    return Course.objects.published().filter(enrolments__user=user)


def course_for(user: User, course_id: int) -> Course:
    try:
        return visible_courses(user).select_related("institution").get(pk=course_id)
    except Course.DoesNotExist:
        raise Http404 from None


def activity_for(user: User, course: Course, activity_id: int) -> Activity:
    """An activity of a course the user may see (call ``course_for`` first)."""
    activities = Activity.objects.filter(course=course, retired_at__isnull=True).select_related(
        "section", "blob"
    )
    if user.role not in STAFF_ROLES:
        activities = activities.filter(visible=True, section__visible=True)
    try:
        return activities.get(pk=activity_id)
    except Activity.DoesNotExist:
        raise Http404 from None
