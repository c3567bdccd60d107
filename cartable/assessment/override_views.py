"""A quiz's overrides, for its teachers and the staff who manage its course: the learners and
groups with their own dates, time limit, attempts or password, set and removed here (those
the backup carried listed apart)."""

from __future__ import annotations

from datetime import datetime

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import signed_in
from cartable.accounts.models import Cohort, User
from cartable.assessment import actions
from cartable.assessment.models import Override
from cartable.assessment.override_forms import OverrideForm
from cartable.assessment.views import _quiz_for
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.importers.model import QuizContent


def _overriding(
    user: User, course_id: int, activity_id: int
) -> tuple[Course, Activity, QuizContent]:
    found, item, settings, _sees_all = _quiz_for(user, course_id, activity_id)
    if not actions.may_override(user, found):
        raise PermissionDenied
    return found, item, settings


def _minutes(seconds: int | None) -> int | None:
    return None if seconds is None else seconds // 60


@signed_in
def overrides(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    found, item, settings = _overriding(user, course_id, activity_id)
    learners = User.objects.filter(
        enrolments__course=found, enrolments__role=Enrolment.Role.LEARNER
    ).order_by("last_name", "first_name", "username")
    groups = (
        Cohort.objects.filter(
            members__enrolments__course=found, members__enrolments__role=Enrolment.Role.LEARNER
        )
        .distinct()
        .order_by("name")
    )
    if found.establishment_id is not None:
        groups = groups.filter(establishment_id=found.establishment_id)
    form = OverrideForm(request.POST or None, learners=learners, groups=groups)
    if request.method == "POST" and form.is_valid():
        learner, cohort = form.chosen()
        data = form.cleaned_data
        opens: datetime | None = data["opens"]
        closes: datetime | None = data["closes"]
        try:
            actions.set_override(
                actor=user,
                activity=item,
                user=learner,
                cohort=cohort,
                opens=opens,
                closes=closes,
                open_any_time=data["open_any_time"],
                never_closes=data["never_closes"],
                time_limit=data["time_limit"] * 60 if data["time_limit"] is not None else None,
                attempts=data["attempts"],
                password=data["password"] if data["sets_password"] else None,
                request=request,
            )
        except actions.BadOverride as refusal:
            form.add_error(None, str(refusal))
        else:
            messages.success(request, _("The override is saved."))
            return redirect("assessment:overrides", course_id=found.pk, activity_id=item.pk)
    rows = list(
        Override.objects.filter(activity=item)
        .select_related("user", "cohort")
        .order_by("cohort__name", "user__last_name", "user__username")
    )
    return render(
        request,
        "assessment/overrides.html",
        {
            "course": found,
            "activity": item,
            "quiz": settings,
            "time_limit": _minutes(settings.time_limit),
            "rows": [(row, _minutes(row.time_limit)) for row in rows],
            "imported": [(o, _minutes(o.time_limit)) for o in settings.overrides],
            "form": form,
        },
    )


@require_POST
@signed_in
def remove_override(
    request: HttpRequest, course_id: int, activity_id: int, override_id: int
) -> HttpResponseBase:
    user: User = request.user  # type: ignore[assignment]
    found, item, _settings = _overriding(user, course_id, activity_id)
    row = get_object_or_404(Override, pk=override_id, activity=item)
    actions.remove_override(actor=user, override=row, request=request)
    messages.success(request, _("The override is removed: the quiz's settings hold again."))
    return redirect("assessment:overrides", course_id=found.pk, activity_id=item.pk)
