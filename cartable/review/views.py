"""Staff review imported content before learners see it."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import staff_only
from cartable.accounts.models import User
from cartable.catalog.access import managed_courses
from cartable.catalog.models import Activity, Course
from cartable.ingest.publication import waiting_revision
from cartable.review import actions, report


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _course(request: HttpRequest, course_id: int) -> Course:
    """A course the staff member manages (their establishment's or the box's own)."""
    found = (
        managed_courses(_actor(request)).filter(pk=course_id).select_related("institution").first()
    )
    if found is None:
        raise Http404
    return found


@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    managed = managed_courses(_actor(request))
    rejected = managed.filter(status=Course.Status.REJECTED).select_related("institution")
    return render(
        request,
        "review/queue.html",
        {
            "courses": report.queue().filter(pk__in=managed.values("pk")),
            "rejected": rejected.order_by("-reviewed_at")[:20],
        },
    )


@staff_only
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    found = _course(request, course_id)
    # A course learners already see: show what its waiting update changes, unless staff ask
    # for every activity as learners see it.
    revision = waiting_revision(found) if found.is_published else None
    update = report.update_report(revision) if revision is not None else None
    only_waiting = found.is_published and request.GET.get("all") != "1"
    reports = report.activity_reports(found, only_waiting=only_waiting)
    course_risks = update.staged.risks if update is not None else found.risks
    return render(
        request,
        "review/course.html",
        {
            "course": found,
            "update": update,
            "reports": reports,
            "only_waiting": only_waiting,
            "course_risks": report.group(course_risks),
            "totals": report.totals(course_risks, update.changes if update else reports),
            "course_diffs": update.course_diffs if update is not None else [],
        },
    )


def _comment(request: HttpRequest) -> str:
    return request.POST.get("comment", "")


@require_POST
@staff_only
def decide_course(request: HttpRequest, course_id: int) -> HttpResponseBase:
    found = _course(request, course_id)
    try:
        if request.POST.get("decision") == "approve":
            actions.approve_course(
                actor=_actor(request), course=found, comment=_comment(request), request=request
            )
            messages.success(request, _("Approved: learners now see this course as it is."))
        else:
            actions.reject_course(
                actor=_actor(request), course=found, comment=_comment(request), request=request
            )
            messages.success(request, _("Rejected. Learners do not see what was rejected."))
    except actions.ReviewError as error:
        messages.error(request, str(error))
    return redirect("review:course", course_id=found.pk)


@require_POST
@staff_only
def decide_change(request: HttpRequest, course_id: int, key: str) -> HttpResponseBase:
    """A decision on one activity that a waiting update adds, changes or removes."""
    found = _course(request, course_id)
    try:
        actions.decide_change(
            actor=_actor(request),
            course=found,
            key=key,
            approve=request.POST.get("decision") == "approve",
            comment=_comment(request),
            request=request,
        )
    except actions.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision saved."))
    return redirect("review:course", course_id=found.pk)


@require_POST
@staff_only
def decide_activity(request: HttpRequest, activity_id: int) -> HttpResponseBase:
    activity = (
        Activity.objects.filter(pk=activity_id, course__in=managed_courses(_actor(request)))
        .select_related("course")
        .first()
    )
    if activity is None:
        raise Http404
    try:
        actions.decide_activity(
            actor=_actor(request),
            activity=activity,
            approve=request.POST.get("decision") == "approve",
            comment=_comment(request),
            request=request,
        )
    except actions.ReviewError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Decision saved for “%(title)s”.") % {"title": activity.title})
    return redirect("review:course", course_id=activity.course_id)
