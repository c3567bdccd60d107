"""Teachers' pages for a course: their learners' progress, and study plans."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import signed_in
from cartable.accounts.models import User
from cartable.catalog.access import activity_for, course_for, learner_files
from cartable.catalog.models import Activity, Blob, Course
from cartable.learning import actions, plans, progress
from cartable.learning.forms import PlanForm
from cartable.learning.models import ActivityProgress


def taught_course(request: HttpRequest, course_id: int) -> tuple[User, Course]:
    """The course, for its teachers and staff; 403 for its learners, 404 for anyone else."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    if not plans.may_plan(user, found):
        raise PermissionDenied
    return user, found


@signed_in
def learners(request: HttpRequest, course_id: int) -> HttpResponse:
    """Each learner's progress in the course (three queries whatever the class size)."""
    user, found = taught_course(request, course_id)
    countable = progress.countable(Activity.objects.filter(course=found))
    total = countable.count()
    people = list(plans.course_learners(found, user))
    done = {
        row["user_id"]: row
        for row in ActivityProgress.objects.filter(course=found, user__in=people)
        .values("user_id")
        .annotate(
            done=Count("id", filter=progress.DONE & Q(activity__in=countable)),
            seen=Max("last_viewed_at"),
        )
    }
    rows = []
    for person in people:
        found_row: dict[str, Any] = dict(done.get(person.pk) or {})
        count = found_row.get("done", 0) or 0
        rows.append(
            {
                "learner": person,
                "done": count,
                "percent": round(100 * count / total) if total else 0,
                "last_seen": found_row.get("seen"),
            }
        )
    return render(
        request, "learning/teaching/learners.html", {"course": found, "rows": rows, "total": total}
    )


def _target(
    request: HttpRequest, user: User, course: Course
) -> tuple[Activity | None, Blob | None, str]:
    """The activity (?activity=ID) or the course file (?file=SHA256&name=NAME) to hand out:
    one the user may open (``access.activity_for``: for a teacher, nothing waiting for review
    or rejected), or a file learners may fetch."""
    source = request.POST if request.method == "POST" else request.GET
    activity_id = source.get("activity", "")
    if activity_id.isascii() and activity_id.isdigit():
        return activity_for(user, course, int(activity_id)), None, ""
    sha256 = source.get("file", "")
    held = learner_files(course).filter(blob_id=sha256).select_related("blob").first()
    if held is None:
        raise Http404
    return None, held.blob, source.get("name") or held.filename


@signed_in
def plan(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course's study-plan items and who has done them; with ?activity= or ?file=, the
    form that hands one out."""
    user, found = taught_course(request, course_id)
    form = None
    activity = blob = None
    filename = ""
    if "activity" in request.GET or "file" in request.GET or request.method == "POST":
        activity, blob, filename = _target(request, user, found)
        form = PlanForm(
            request.POST or None,
            learners=plans.course_learners(found, user),
            cohorts=plans.course_cohorts(found, user),
        )
        if request.method == "POST" and form.is_valid():
            try:
                items = plans.add_items(
                    actor=user,
                    course=found,
                    activity=activity,
                    blob=blob,
                    filename=filename,
                    learners=list(form.cleaned_data["learners"]),
                    cohort=form.cleaned_data["cohort"],
                    note=form.cleaned_data["note"],
                    due_date=form.cleaned_data["due_date"],
                    request=request,
                )
            except plans.PlanError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("Added to %(count)d study plans.") % {"count": len(items)}
                    if len(items) > 1
                    else _("Added to the study plan."),
                )
                return redirect("learning:plan", course_id=found.pk)
    items = list(
        plans.course_items(found, user)
        .select_related("activity", "learner", "cohort")
        .order_by("-created_at")
    )
    status = plans.who_has_done(items, found, user)
    return render(
        request,
        "learning/teaching/plan.html",
        {
            "course": found,
            "form": form,
            "target_activity": activity,
            "target_file": filename,
            "target_blob": blob,
            "items": [(item, status.get(item.pk, [])) for item in items],
        },
        status=400 if form is not None and form.errors else 200,
    )


@require_POST
@signed_in
def plan_remove(request: HttpRequest, course_id: int, item_id: int) -> HttpResponseBase:
    user, found = taught_course(request, course_id)
    item = plans.course_items(found, user).filter(pk=item_id).first()
    if item is None:
        raise Http404
    plans.remove_item(actor=user, item=item, request=request)
    messages.success(request, _("Removed from the study plan."))
    return redirect("learning:plan", course_id=found.pk)


@require_POST
@signed_in
def plan_tick(request: HttpRequest, item_id: int) -> HttpResponseBase:
    """A learner ticks an item of their own plan off (or back on)."""
    user: User = request.user  # type: ignore[assignment]
    item = plans.items_for(user).filter(pk=item_id).select_related("activity__section").first()
    if item is None or plans.closed_items(user, [plans.planned(item)]):
        raise Http404  # not in the plan the learner is shown
    actions.tick(actor=user, item=item, done=request.POST.get("done") == "1")
    return redirect("web:home")
