"""What learners and teachers see: their home pages, course outlines and activities."""

from __future__ import annotations

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from cartable.accounts.models import STAFF_ROLES, User
from cartable.catalog.access import activity_for, course_for
from cartable.catalog.models import Activity, Course, Enrolment, Section
from cartable.catalog.rendering import CourseLinks
from cartable.web.access import signed_in


def learner_home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    enrolments = (
        Enrolment.objects.filter(user=user, course__status=Course.Status.PUBLISHED)
        .select_related("course__institution")
        .order_by("course__title")
    )
    return render(request, "learning/learner_home.html", {"enrolments": enrolments})


def teacher_home(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    taught = Enrolment.objects.filter(user=user, role=Enrolment.Role.TEACHER).values("course_id")
    courses = (
        Course.objects.published()
        .filter(pk__in=taught)
        .select_related("institution")
        .annotate(
            learners=Count(
                "enrolments",
                filter=Q(enrolments__role=Enrolment.Role.LEARNER, enrolments__user__is_active=True),
            )
        )
        .order_by("title")
    )
    return render(request, "learning/teacher_home.html", {"courses": courses})


@signed_in
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    sees_hidden = user.role in STAFF_ROLES
    sections = Section.objects.filter(course=found, retired_at__isnull=True).order_by("position")
    activities = (
        Activity.objects.filter(course=found, retired_at__isnull=True)
        .order_by("position")
        .only("id", "section_id", "title", "kind", "visible", "filename", "position", "intro")
    )
    if not sees_hidden:
        sections = sections.filter(visible=True)
        activities = activities.filter(visible=True)
    sections = sections.prefetch_related(Prefetch("activities", queryset=activities))
    return render(
        request,
        "learning/course.html",
        {
            "course": found,
            "sections": sections,
            "links": CourseLinks(found),
            "may_publish": user.role in STAFF_ROLES and not found.is_published,
        },
    )


@signed_in
def activity(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    item = activity_for(user, found, activity_id)
    return render(
        request,
        "learning/activity.html",
        {
            "course": found,
            "activity": item,
            "links": CourseLinks(found),
            "data": item.data,
            # Each kind has its template; kinds without one show their description only.
            "kind_templates": [f"learning/kinds/{item.kind}.html", "learning/kinds/other.html"],
        },
    )
