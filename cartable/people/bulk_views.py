"""People at scale: enrolling a group or a list in a course, a course's participants, the
accounts list's bulk actions, and a learner's deadlines."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from cartable.accounts.access import role_required, signed_in, staff_only
from cartable.accounts.csvimport import CsvImportError
from cartable.accounts.models import Cohort, Role, User
from cartable.accounts.permissions import visible_accounts, visible_cohorts
from cartable.catalog.access import visible_courses
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.learning import progress
from cartable.learning.models import ActivityProgress
from cartable.learning.teaching import taught_course
from cartable.people import actions, deadlines, usernames
from cartable.people.forms import BulkAccountsForm, BulkEnrolForm

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Enrolling a group or a list ----------------------------------------------------------------


def _listed(data: dict[str, Any]) -> tuple[list[usernames.Listed], list[str]]:
    """The usernames of the uploaded file or of the text typed, or what is wrong with them."""
    upload = data.get("file")
    if upload is not None:
        if upload.size > settings.CSV_MAX_BYTES:
            return [], [
                _("The file is larger than %(max)d bytes.") % {"max": settings.CSV_MAX_BYTES}
            ]
        raw = upload.read()
    else:
        raw = str(data.get("usernames") or "").encode("utf-8")
    try:
        return usernames.parse(raw, max_rows=settings.CSV_MAX_ROWS), []
    except CsvImportError as error:
        return [], [str(line) for line in error.errors]


@staff_only
def bulk_enrol(request: HttpRequest) -> HttpResponseBase:
    """GET: the form. POST: the preview (who will be enrolled, who already is, every error),
    or, with ``confirm``, the change itself."""
    actor = _actor(request)
    courses = visible_courses(actor).order_by("title")
    cohorts = visible_cohorts(actor).order_by("name")
    initial: dict[str, Any] = {}
    for name in ("course", "group"):
        value = request.GET.get(name, "")
        if value.isascii() and value.isdigit():
            initial[name] = int(value)
    form = BulkEnrolForm(
        request.POST or None,
        request.FILES or None,
        courses=courses,
        cohorts=cohorts,
        initial=initial,
    )
    change: actions.EnrolmentChange | None = None
    errors: list[str] = []
    listed_text = ""
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        course: Course = data["course"]
        cohort: Cohort | None = data["group"]
        unenrol = data["action"] == BulkEnrolForm.UNENROL
        accounts: list[User] = []
        if cohort is not None:
            accounts = actions.group_accounts(actor, cohort)
            source = f"group:{cohort.name}"
        else:
            source = "list"
            listed, errors = _listed(data)
            if not errors:
                accounts, errors = actions.listed_accounts(actor, listed)
                listed_text = "\n".join(row.username for row in listed)
        if accounts or not errors:
            change = actions.enrolment_change(
                actor,
                course,
                accounts=accounts,
                role=data["role"],
                unenrol=unenrol,
                errors=errors,
                from_group=cohort is not None,
            )
            errors = change.errors
        if not errors and "confirm" in request.POST:
            try:
                done = actions.enrol_many(
                    actor=actor,
                    course=course,
                    accounts=accounts,
                    role=data["role"],
                    unenrol=unenrol,
                    source=source,
                    from_group=cohort is not None,
                    request=request,
                )
            except actions.PeopleError as problem:
                errors = [str(problem)]
            else:
                messages.success(request, _summary(done))
                return redirect("accounts:participants", course_id=course.pk)
    failed = bool(errors or form.errors)
    return render(
        request,
        "accounts/bulk_enrol.html",
        {
            "form": form,
            "change": change,
            "errors": errors,
            "listed_text": listed_text,
            "max_rows": settings.CSV_MAX_ROWS,
        },
        status=400 if failed else 200,
    )


def _summary(change: actions.EnrolmentChange) -> str:
    values = {
        "count": len(change.new),
        "course": change.course.title,
        "changed": len(change.changed),
        "unchanged": len(change.unchanged),
    }
    if change.unenrol:
        return (
            ngettext(
                "%(count)d account taken out of “%(course)s”.",
                "%(count)d accounts taken out of “%(course)s”.",
                len(change.new),
            )
            % values
        )
    text = (
        ngettext(
            "%(count)d account enrolled in “%(course)s”.",
            "%(count)d accounts enrolled in “%(course)s”.",
            len(change.new),
        )
        % values
    )
    if change.changed:
        text += " " + (
            ngettext(
                "%(changed)d account changed role.",
                "%(changed)d accounts changed role.",
                len(change.changed),
            )
            % values
        )
    return text


# --- A course's participants ---------------------------------------------------------------------


@signed_in
def participants(request: HttpRequest, course_id: int) -> HttpResponse:
    """The course's participants (staff: their establishment's; teachers and administrators:
    all), with their groups, when they last opened the course and their progress: a fixed
    number of queries whatever the class size."""
    viewer, course = taught_course(request, course_id)
    enrolments = Enrolment.objects.filter(course=course).select_related("user")
    if viewer.role == Role.STAFF:
        enrolments = enrolments.filter(user__establishment_id=viewer.establishment_id or -1)
    search = request.GET.get("q", "").strip()[:100]
    for word in search.split():
        enrolments = enrolments.filter(
            Q(user__username__icontains=word)
            | Q(user__first_name__icontains=word)
            | Q(user__last_name__icontains=word)
        )
    page = Paginator(
        enrolments.order_by("-role", "user__last_name", "user__first_name", "user__username"),
        PAGE_SIZE,
    ).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    ids = [enrolment.user_id for enrolment in rows]
    groups: dict[int, list[str]] = {}
    for user_id, name in (
        Cohort.members.through.objects.filter(user_id__in=ids)
        .order_by("cohort__name")
        .values_list("user_id", "cohort__name")
    ):
        groups.setdefault(user_id, []).append(name)
    countable = progress.countable(Activity.objects.filter(course=course))
    total = countable.count()
    stats: dict[int, dict[str, Any]] = {
        row["user_id"]: dict(row)
        for row in ActivityProgress.objects.filter(course=course, user_id__in=ids)
        .values("user_id")
        .annotate(
            done=Count("id", filter=progress.DONE & Q(activity__in=countable)),
            seen=Max("last_viewed_at"),
        )
    }
    people = []
    for enrolment in rows:
        found: dict[str, Any] = stats.get(enrolment.user_id, {})
        done = found.get("done") or 0
        people.append(
            {
                "user": enrolment.user,
                "role": enrolment.get_role_display(),
                "learner": enrolment.role == Enrolment.Role.LEARNER,
                "groups": groups.get(enrolment.user_id, []),
                "seen": found.get("seen"),
                "done": done,
                "percent": round(100 * done / total) if total else 0,
            }
        )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/participants.html",
        {
            "course": course,
            "page": page,
            "people": people,
            "total": total,
            "search": search,
            "query": query.urlencode(),
            "may_enrol": viewer.role in (Role.STAFF, Role.ADMIN),
        },
    )


# --- Bulk actions on the accounts list -----------------------------------------------------------


def _selected_ids(request: HttpRequest) -> list[int]:
    """The ticked accounts' ids; anything that is not a number refuses the whole request."""
    values = request.POST.getlist("accounts")
    if not all(value.isascii() and value.isdigit() and len(value) < 12 for value in values):
        raise actions.PeopleError(_("Select accounts from the list."))
    return [int(value) for value in values]


@require_POST
@staff_only
def bulk_accounts(request: HttpRequest) -> HttpResponseBase:
    """The action chosen for the ticked accounts: all of them or, on any error (an account
    the actor may not manage among them), none."""
    actor = _actor(request)
    form = BulkAccountsForm(request.POST, cohorts=visible_cohorts(actor))
    back = reverse("accounts:list")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect(back)
    data = form.cleaned_data
    action = data["action"]
    try:
        accounts = actions.selected_accounts(
            actor, _selected_ids(request), max_accounts=settings.CSV_MAX_ROWS
        )
        if action in ("add_to_group", "remove_from_group"):
            count = actions.set_group(
                actor=actor,
                accounts=accounts,
                cohort=data["group"],
                member=action == "add_to_group",
                request=request,
            )
            text = (
                ngettext(
                    "%(count)d account added to the group “%(group)s”.",
                    "%(count)d accounts added to the group “%(group)s”.",
                    count,
                )
                if action == "add_to_group"
                else ngettext(
                    "%(count)d account taken out of the group “%(group)s”.",
                    "%(count)d accounts taken out of the group “%(group)s”.",
                    count,
                )
            )
            messages.success(request, text % {"count": count, "group": data["group"].name})
        elif action in ("deactivate", "reactivate"):
            count = actions.set_active_many(
                actor=actor, accounts=accounts, active=action == "reactivate", request=request
            )
            text = (
                ngettext(
                    "%(count)d account can sign in again.",
                    "%(count)d accounts can sign in again.",
                    count,
                )
                if action == "reactivate"
                else ngettext(
                    "%(count)d account can no longer sign in.",
                    "%(count)d accounts can no longer sign in.",
                    count,
                )
            )
            messages.success(request, text % {"count": count})
        else:
            sheet = actions.new_passwords(actor=actor, accounts=accounts, request=request)
            response = render(
                request,
                "accounts/credentials.html",
                {"credentials": sheet, "box_address": request.build_absolute_uri("/")},
            )
            response["Cache-Control"] = "no-store"
            return response
    except actions.PeopleError as problem:
        return render(request, "accounts/bulk_refused.html", {"error": str(problem)}, status=400)
    return redirect(back)


# --- A learner's deadlines -------------------------------------------------------------------------


@role_required(Role.LEARNER)
def my_deadlines(request: HttpRequest) -> HttpResponse:
    learner = _actor(request)
    return render(
        request,
        "accounts/deadlines.html",
        {"learner": learner, "own": True, "deadlines": deadlines.deadlines_for(learner)},
    )


@staff_only
def learner_deadlines(request: HttpRequest, account_id: int) -> HttpResponse:
    """A learner's deadlines as staff of their establishment (administrators: any) see them."""
    learner = visible_accounts(_actor(request)).filter(pk=account_id, role=Role.LEARNER).first()
    if learner is None:
        raise Http404
    return render(
        request,
        "accounts/deadlines.html",
        {"learner": learner, "own": False, "deadlines": deadlines.deadlines_for(learner)},
    )
