"""Assignment pages: the learner's (status, dates, draft, files, submit, feedback once
released), and the teacher's (submissions, grading, extensions). Views parse, authorise, call
an action, render. A learner reaches only their own work; the course's teachers and staff
reach the work of the learners they follow (``learning.plans.course_learners``); anyone else
gets a 404."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST, require_safe

from cartable.accounts.access import signed_in
from cartable.accounts.models import Cohort, User
from cartable.assignments import actions, rules, teams
from cartable.assignments.actions import Refused
from cartable.assignments.forms import ExtensionForm, GradeForm, MarkingForm, TextForm
from cartable.assignments.models import Extension, Marking, Submission, SubmissionFile
from cartable.catalog import blobs
from cartable.catalog.access import activity_for, course_for, sees_all_of
from cartable.catalog.models import Activity, Course
from cartable.grades import hiding
from cartable.grades.models import FeedbackFile, Grade
from cartable.importers.model import AssignContent
from cartable.learning.gate import holds
from cartable.learning.plans import course_learners


@dataclass
class Found:
    user: User
    course: Course
    activity: Activity
    data: AssignContent
    grader: bool  # one of the course's teachers, or staff


def _found(request: HttpRequest, course_id: int, activity_id: int) -> Found:
    user: User = request.user  # type: ignore[assignment]
    course = course_for(user, course_id)
    activity = activity_for(user, course, activity_id)
    if activity.kind != Activity.Kind.ASSIGN:
        raise Http404
    try:
        data = actions.settings_of(activity)
    except Refused:
        raise Http404 from None
    return Found(user, course, activity, data, sees_all_of(user, course))


def _as_learner(request: HttpRequest, course_id: int, activity_id: int) -> Found:
    return _learner_may(_found(request, course_id, activity_id))


def _learner_may(found: Found) -> Found:
    if found.grader:
        raise Http404  # teachers and staff have pages of their own
    if holds(found.user, found.course, found.activity):
        raise PermissionDenied  # its access rule keeps the learner out now
    return found


def _as_grader(request: HttpRequest, course_id: int, activity_id: int) -> Found:
    found = _found(request, course_id, activity_id)
    if not found.grader:
        raise Http404  # a learner never reaches anyone else's work
    return found


def _learner(found: Found, learner_id: int) -> User:
    try:
        return course_learners(found.course, found.user).get(pk=learner_id)
    except User.DoesNotExist:
        raise Http404 from None


# --- The learner's page -----------------------------------------------------------------------


def _learner_context(found: Found, now: datetime) -> dict[str, Any]:
    user, activity, data = found.user, found.activity, found.data
    extension = Extension.objects.filter(activity=activity, learner=user).first()
    window = actions.window_for(data, extension)
    submission = (
        Submission.objects.filter(activity=activity, learner=user)
        .prefetch_related("files")
        .order_by("-attempt")
        .first()
    )
    graded = (
        Grade.objects.filter(
            hiding.shown_q(now, "activity__"), activity=activity, user=user, released_at__lte=now
        )
        .prefetch_related("files")
        .first()
    )
    state = window.state(now)
    takes_work = bool({"onlinetext", "file"} & set(data.submission_types))
    editable = (
        takes_work
        and state == "open"
        and (
            submission is None
            or submission.status == Submission.Status.DRAFT
            or not data.drafts  # without drafts, work changes while the assignment is open
        )
    )
    if submission is not None and submission.member_submitted_at is not None:
        editable = False  # submitted for the team: waits for the other members
    team = teams.team_for(activity, user) if data.team_submission else None
    waiting: list[str] = []
    if team is not None and data.team_require_all and submission is not None:
        done = set(
            Submission.objects.filter(
                activity=activity,
                attempt=submission.attempt,
                learner__in=[m.pk for m in team.members],
                member_submitted_at__isnull=False,
            ).values_list("learner_id", flat=True)
        )
        if submission.status == Submission.Status.DRAFT and done:
            waiting = [m.display_name for m in team.members if m.pk not in done]
    late_at = submission.submitted_at or submission.modified_at if submission else now
    return {
        "team": team,
        "team_waiting": waiting,
        "team_blocked": team is not None and team.group is None and data.team_prevent_not_in_group,
        "course": found.course,
        "activity": activity,
        "data": data,
        "window": window,
        "state": state,
        "extension": extension,
        "submission": submission,
        "late": window.late(late_at) if submission or state == "open" else False,
        "overdue": window.due is not None and now > window.due,
        "editable": editable,
        "takes_work": takes_work,
        "takes_text": "onlinetext" in data.submission_types,
        "takes_files": "file" in data.submission_types,
        "accepted": rules.accepted(data.file_types),
        "max_files": rules.max_files(data.max_files),
        "max_size": rules.max_size(data.max_size, actions.upload_limit()),
        "grade": graded,
        "scale": data.grade < 0,
        "marking": _marking_label(activity, user) if data.marking_workflow else None,
    }


def _marking_label(activity: Activity, learner: User) -> Any:
    marking = Marking.objects.filter(activity=activity, learner=learner).first()
    return Marking.State(marking.state if marking else Marking.State.NOT_MARKED).label


@signed_in
@require_safe
def assignment(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    found = _found(request, course_id, activity_id)
    if found.grader:
        return redirect("assignments:submissions", course_id=course_id, activity_id=activity_id)
    found = _learner_may(found)
    context = _learner_context(found, timezone.now())
    submission = context["submission"]
    context["form"] = TextForm(
        initial={"text": actions.as_typed(submission.text) if submission else ""}
    )
    return render(request, "assignments/assignment.html", context)


@signed_in
@require_POST
def save(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    """Save the draft, and submit it for grading when asked ("submit")."""
    found = _as_learner(request, course_id, activity_id)
    form = TextForm(request.POST)
    error = ""
    if form.is_valid():
        takes_text = "onlinetext" in found.data.submission_types
        remove = [int(v) for v in request.POST.getlist("remove") if v.isascii() and v.isdigit()]
        try:
            statement = request.POST.get("statement") == "1"
            actions.save_draft(
                actor=found.user,
                activity=found.activity,
                text=form.cleaned_data["text"] if takes_text and "text" in request.POST else None,
                uploads=request.FILES.getlist("files"),
                remove=remove,
                statement=statement,
                request=request,
            )
            if not found.data.drafts:
                messages.success(request, _("Your work is saved and submitted for grading."))
            elif request.POST.get("action") == "submit":
                actions.submit(
                    actor=found.user,
                    activity=found.activity,
                    statement=statement,
                    request=request,
                )
                messages.success(request, _("Your work is submitted for grading."))
            else:
                messages.success(request, _("Your draft is saved."))
            return redirect("assignments:assignment", course_id=course_id, activity_id=activity_id)
        except Refused as refused:
            error = refused.message
    context = _learner_context(found, timezone.now())
    context.update({"form": form, "error": error})
    return render(request, "assignments/assignment.html", context, status=400)


@signed_in
@require_safe
def file(request: HttpRequest, course_id: int, activity_id: int, file_id: int) -> HttpResponseBase:
    """A file handed in: to its learner, and to the course's teachers and staff who follow
    that learner."""
    found = _found(request, course_id, activity_id)
    files = SubmissionFile.objects.filter(submission__activity=found.activity)
    if found.grader:
        files = files.filter(
            submission__learner__in=course_learners(found.course, found.user).values("pk")
        )
    else:
        files = files.filter(submission__learner=_learner_may(found).user)
    item = files.filter(pk=file_id).first()
    if item is None:
        raise Http404
    return blobs.download(item.blob_id, item.filename, item.mimetype)


@signed_in
@require_safe
def feedback_file(
    request: HttpRequest, course_id: int, activity_id: int, file_id: int
) -> HttpResponseBase:
    """A file given back with a grade: to its learner once the grade is released, and to
    the course's teachers and staff."""
    found = _found(request, course_id, activity_id)
    files = FeedbackFile.objects.filter(grade__activity=found.activity)
    if found.grader:
        files = files.filter(grade__user__in=course_learners(found.course, found.user).values("pk"))
    else:
        now = timezone.now()
        files = files.filter(
            hiding.shown_q(now, "grade__activity__"),
            grade__user=_learner_may(found).user,
            grade__released_at__lte=now,
        )
    item = files.filter(pk=file_id).first()
    if item is None:
        raise Http404
    return blobs.download(item.blob_id, item.filename, item.mimetype)


# --- The teacher's pages ------------------------------------------------------------------------


@dataclass
class Row:
    learner: User
    submission: Submission | None
    extension: Extension | None
    grade: Grade | None
    late: bool
    marking: Marking | None = None
    team: str = ""  # a team assignment: the learner's team ("" : the default team)


@signed_in
@require_safe
def submissions(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    """Each learner's work on the assignment: status, late, graded (four queries; one more
    with a marking workflow). With marking allocation, ``?mine=1`` keeps the learners
    allocated to the reader."""
    found = _as_grader(request, course_id, activity_id)
    people = list(course_learners(found.course, found.user))
    workflow = found.data.marking_workflow
    markings: dict[int, Marking] = {}
    if workflow:
        markings = {
            row.learner_id: row
            for row in Marking.objects.filter(
                activity=found.activity, learner_id__in=[p.pk for p in people]
            ).select_related("marker")
        }
    mine = found.data.marking_allocation and request.GET.get("mine") == "1"
    if mine:
        people = [
            p for p in people if p.pk in markings and markings[p.pk].marker_id == found.user.pk
        ]
    ids = [person.pk for person in people]
    latest: dict[int, Submission] = {}
    for row in Submission.objects.filter(activity=found.activity, learner_id__in=ids).order_by(
        "learner_id", "attempt"
    ):
        latest[row.learner_id] = row
    extensions = {
        row.learner_id: row
        for row in Extension.objects.filter(activity=found.activity, learner_id__in=ids)
    }
    grades = {
        row.user_id: row for row in Grade.objects.filter(activity=found.activity, user_id__in=ids)
    }
    team_ids: dict[int, int | None] = {}
    team_names: dict[int, str] = {}
    if found.data.team_submission:
        team_ids = teams.teams_of(found.activity)
        team_names = dict(
            Cohort.objects.filter(pk__in={t for t in team_ids.values() if t}).values_list(
                "pk", "name"
            )
        )
    rows = []
    for person in people:
        submission = latest.get(person.pk)
        window = actions.window_for(found.data, extensions.get(person.pk))
        late = bool(
            submission
            and submission.status == Submission.Status.SUBMITTED
            and window.late(submission.submitted_at or submission.modified_at)
        )
        rows.append(
            Row(
                person,
                submission,
                extensions.get(person.pk),
                grades.get(person.pk),
                late,
                markings.get(person.pk),
                team_names.get(team_ids.get(person.pk) or 0, ""),
            )
        )
    return render(
        request,
        "assignments/submissions.html",
        {
            "course": found.course,
            "activity": found.activity,
            "data": found.data,
            "rows": rows,
            "scale": found.data.grade < 0,
            "workflow": workflow,
            "mine": mine,
            "marking_form": MarkingForm(
                states=Marking.State.choices,
                learners=ids,
                initial={"state": Marking.State.RELEASED},
            )
            if workflow
            else None,
        },
    )


@signed_in
@require_POST
def marking(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    """Move the ticked learners to a state of the marking workflow ("released" by default:
    Moodle's bulk release)."""
    found = _as_grader(request, course_id, activity_id)
    people = {p.pk: p for p in course_learners(found.course, found.user)}
    ticked = request.POST.getlist("learners")
    if any(v.isascii() and v.isdigit() and int(v) not in people for v in ticked):
        raise Http404  # a learner the reader does not follow: never told apart from none
    form = MarkingForm(request.POST, states=Marking.State.choices, learners=list(people))
    back = redirect("assignments:submissions", course_id=course_id, activity_id=activity_id)
    if not form.is_valid():
        messages.error(request, _("Choose a state of the marking workflow and tick learners."))
        return back
    try:
        changed = actions.set_marking_state(
            actor=found.user,
            activity=found.activity,
            learners=[people[pk] for pk in form.cleaned_data["learners"]],
            state=form.cleaned_data["state"],
            request=request,
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            ngettext(
                "%(count)d learner moved to “%(state)s”.",
                "%(count)d learners moved to “%(state)s”.",
                changed,
            )
            % {"count": changed, "state": Marking.State(form.cleaned_data["state"]).label},
        )
    return back


def _grading_context(found: Found, learner: User) -> dict[str, Any]:
    attempts = list(
        Submission.objects.filter(activity=found.activity, learner=learner)
        .prefetch_related(Prefetch("files", queryset=SubmissionFile.objects.order_by("filename")))
        .order_by("-attempt")
    )
    extension = Extension.objects.filter(activity=found.activity, learner=learner).first()
    window = actions.window_for(found.data, extension)
    current = attempts[0] if attempts else None
    graded = (
        Grade.objects.filter(activity=found.activity, user=learner)
        .prefetch_related("files")
        .first()
    )
    return {
        "course": found.course,
        "activity": found.activity,
        "data": found.data,
        "learner": learner,
        "submission": current,
        "older": attempts[1:],
        "extension": extension,
        "window": window,
        "late": bool(
            current
            and current.status == Submission.Status.SUBMITTED
            and window.late(current.submitted_at or current.modified_at)
        ),
        "grade": graded,
        "scale": found.data.grade < 0,
        "marking": actions.marking_of(found.activity, learner)
        if found.data.marking_workflow
        else None,
        "team": teams.team_for(found.activity, learner) if found.data.team_submission else None,
        "may_reopen": current is not None
        and current.status == Submission.Status.SUBMITTED
        and found.data.reopen != "none"
        and rules.may_add_attempt(current.attempt, found.data.max_attempts),
        "may_revert": current is not None
        and current.status == Submission.Status.SUBMITTED
        and found.data.drafts,
    }


def _grade_form(found: Found, *args: Any, **kwargs: Any) -> GradeForm:
    data = found.data
    return GradeForm(
        *args,
        maximum=actions.max_grade_of(data),
        scale=data.grade < 0,
        items=data.scale.items if data.scale else (),
        states=Marking.State.choices if data.marking_workflow else (),
        markers=[(m.pk, m.display_name) for m in actions.markers_of(found.activity)]
        if data.marking_workflow and data.marking_allocation
        else None,
        team=data.team_submission,
        **kwargs,
    )


@signed_in
def grade(request: HttpRequest, course_id: int, activity_id: int, learner_id: int) -> HttpResponse:
    found = _as_grader(request, course_id, activity_id)
    learner = _learner(found, learner_id)
    maximum = actions.max_grade_of(found.data)
    context = _grading_context(found, learner)
    graded: Grade | None = context["grade"]
    marking: Marking | None = context["marking"]
    error = ""
    if request.method == "POST":
        form = _grade_form(found, request.POST)
        if form.is_valid():
            points = form.cleaned_data.get("points")
            remove = [int(v) for v in request.POST.getlist("remove") if v.isascii() and v.isdigit()]
            try:
                with transaction.atomic():
                    if "marker" in form.fields:
                        marker_id = form.cleaned_data.get("marker")
                        actions.allocate_marker(
                            actor=found.user,
                            activity=found.activity,
                            learner=learner,
                            marker=actions.markers_of(found.activity).get(pk=marker_id)
                            if marker_id
                            else None,
                            request=request,
                        )
                    actions.grade(
                        actor=found.user,
                        activity=found.activity,
                        learner=learner,
                        points=float(points) if points is not None else None,
                        scale_item=form.cleaned_data.get("scale_item") or "",
                        feedback=form.cleaned_data["feedback"],
                        uploads=request.FILES.getlist("files"),
                        remove=remove,
                        state=form.cleaned_data.get("state"),
                        team=bool(form.cleaned_data.get("team")),
                        request=request,
                    )
            except Refused as refused:
                error = refused.message
            else:
                messages.success(
                    request,
                    _("The grade of %(name)s is saved.") % {"name": learner.display_name},
                )
                return redirect(
                    "assignments:grade",
                    course_id=course_id,
                    activity_id=activity_id,
                    learner_id=learner.pk,
                )
        status = 400
    else:
        form = _grade_form(
            found,
            initial={
                "points": graded.grade if graded else None,
                "scale_item": graded.scale_item if graded else "",
                "feedback": actions.as_typed(graded.feedback) if graded else "",
                "state": marking.state if marking else Marking.State.NOT_MARKED,
                "marker": marking.marker_id if marking else None,
                "team": True,
            },
        )
        status = 200
    context.update({"form": form, "error": error, "maximum": maximum})
    return render(request, "assignments/grade.html", context, status=status)


@signed_in
def extension(
    request: HttpRequest, course_id: int, activity_id: int, learner_id: int
) -> HttpResponse:
    found = _as_grader(request, course_id, activity_id)
    learner = _learner(found, learner_id)
    current = Extension.objects.filter(activity=found.activity, learner=learner).first()
    error = ""
    if request.method == "POST":
        form = ExtensionForm(request.POST)
        if form.is_valid():
            try:
                actions.grant_extension(
                    actor=found.user,
                    activity=found.activity,
                    learner=learner,
                    due=form.cleaned_data["due"],
                    reason=form.cleaned_data["reason"],
                    request=request,
                )
            except Refused as refused:
                error = refused.message
            else:
                messages.success(
                    request,
                    _("%(name)s has an extension.") % {"name": learner.display_name},
                )
                return redirect(
                    "assignments:grade",
                    course_id=course_id,
                    activity_id=activity_id,
                    learner_id=learner.pk,
                )
        status = 400
    else:
        initial = (
            {"due": timezone.localtime(current.due), "reason": current.reason} if current else {}
        )
        form = ExtensionForm(initial=initial)
        status = 200
    return render(
        request,
        "assignments/extension.html",
        {
            "course": found.course,
            "activity": found.activity,
            "data": found.data,
            "learner": learner,
            "extension": current,
            "form": form,
            "error": error,
        },
        status=status,
    )


@signed_in
@require_POST
def reopen(request: HttpRequest, course_id: int, activity_id: int, learner_id: int) -> HttpResponse:
    found = _as_grader(request, course_id, activity_id)
    learner = _learner(found, learner_id)
    try:
        actions.reopen(actor=found.user, activity=found.activity, learner=learner, request=request)
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("%(name)s may hand in a new attempt.") % {"name": learner.display_name},
        )
    return redirect(
        "assignments:grade", course_id=course_id, activity_id=activity_id, learner_id=learner.pk
    )


@signed_in
@require_POST
def revert(request: HttpRequest, course_id: int, activity_id: int, learner_id: int) -> HttpResponse:
    found = _as_grader(request, course_id, activity_id)
    learner = _learner(found, learner_id)
    try:
        actions.revert_to_draft(
            actor=found.user, activity=found.activity, learner=learner, request=request
        )
    except Refused as refused:
        messages.error(request, refused.message)
    else:
        messages.success(
            request,
            _("The work of %(name)s is a draft again.") % {"name": learner.display_name},
        )
    return redirect(
        "assignments:grade", course_id=course_id, activity_id=activity_id, learner_id=learner.pk
    )
