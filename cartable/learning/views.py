"""What learners and teachers see: home pages, course outlines, activities, progress."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import router
from django.db.models import Case, Count, F, Q, When
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views.decorators.http import require_POST

from cartable.access import gate
from cartable.access.wording import clock_time
from cartable.accounts.access import signed_in
from cartable.accounts.models import STAFF_ROLES, Role, User
from cartable.catalog.access import activity_for, course_for, opened, reader_rule, sees_all_of
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.catalog.rendering import CourseLinks
from cartable.compiled import PLACEHOLDERS, Statement, compile_values
from cartable.grades.book import number, recent_feedback
from cartable.learning import actions, kept, outline, plans, progress
from cartable.learning.availability import Verdict
from cartable.learning.gate import Gate, holds
from cartable.learning.models import ActivityProgress


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


# --- Home pages -----------------------------------------------------------------------------


def learner_home(request: HttpRequest, *, unread_messages: int) -> HttpResponse:
    """The learner's courses, study plan and recent feedback, and how many messages wait unread
    (counted by the caller: messaging is above this layer); the page is kept per everything it
    shows (``kept.render_kept``)."""
    user = _user(request)
    statement = _enrolments(router.db_for_read(Enrolment))
    enrolments = statement.convert(statement.fetch(user.pk))
    ids = [row[0] for row in enrolments]
    by_course = progress.course_progress(user, ids)
    plan = plans.home_plan(user, ids)
    feedback = recent_feedback(user, ids)
    courses = [
        {
            "id": course_id,
            "title": title,
            "institution": institution,
            "progress": by_course.get(course_id, progress.EMPTY),
            "resume": resume,
        }
        for course_id, title, institution, resume in enrolments
    ]
    context = {
        "courses": courses,
        "plan_todo": [item for item in plan if not item.done],
        "plan_done": [item for item in plan if item.done],
        "feedback": feedback,
        "access_closes": _closing_time(request),
        "unread_messages": unread_messages,
    }
    return kept.render_kept(request, "learning/learner_home.html", context)


ENROLMENT_FIELDS = ("course_id", "course__title", "course__institution__name", "resume")


@functools.cache
def _enrolments(alias: str) -> Statement:
    """The learner's enrolments in published courses, by title, with only the columns the home
    shows (a course or an activity row carries its texts and JSON, which the page would read
    and decode for nothing), compiled once: the learner home is the most requested page."""
    query = (
        Enrolment.objects.filter(user_id=PLACEHOLDERS[0], course__status=Course.Status.PUBLISHED)
        .order_by("course__title")
        # The activity to continue with, unless it has since been retired, hidden or rejected.
        .annotate(resume=Case(When(opened("last_activity__"), then=F("last_activity_id"))))
        .values_list(*ENROLMENT_FIELDS)
    )
    return compile_values(query, alias)


@functools.cache
def _siblings(alias: str, reader: str) -> Statement:
    """The activities of a course a reader of this kind may open, in the course's order, for
    an activity page's previous and next (``reader_rule``), compiled once."""
    readable = Activity.objects.filter(course_id=PLACEHOLDERS[0], retired_at__isnull=True)
    if reader != outline.STAFF:
        readable = readable.filter(opened(hidden=reader == outline.TEACHER))
    return compile_values(
        readable.order_by("section__position", "position").values_list(
            "id", "title", "kind", "availability", "section__availability"
        ),
        alias,
    )


def _closing_time(request: HttpRequest) -> str:
    """ "12:00" when the learner's access hours end within half an hour (from the session)."""
    closes = gate.closing_soon(request)
    return clock_time(closes) if closes is not None else ""


def teacher_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
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


# --- Course page ----------------------------------------------------------------------------


def _is_done(row: ActivityProgress | None) -> bool:
    return row is not None and row.completed_at is not None


def _reasons(verdict: Verdict, titles: Mapping[int, str]) -> list[dict[str, Any]]:
    shown = []
    for reason in verdict.reasons:
        item: dict[str, Any] = {"kind": reason.kind, "when": reason.when}
        if reason.kind in ("completion", "grade"):
            item["title"] = titles.get(reason.activity_id or 0, "")
            item["complete"] = reason.complete
        if reason.kind == "grade":
            for bound in ("minimum", "maximum"):
                value = getattr(reason, bound)
                item[bound] = (
                    "" if value is None else gettext("%(number)s%%") % {"number": number(value)}
                )
        shown.append(item)
    return shown


@signed_in
def course(request: HttpRequest, course_id: int) -> HttpResponse:
    user = _user(request)
    found = course_for(user, course_id)
    sees_all = sees_all_of(user, found)
    rule = reader_rule(user, sees_all=sees_all)
    links = CourseLinks(found, rule=rule)
    reader = outline.STAFF if rule is None else outline.TEACHER if sees_all else outline.LEARNER
    page = outline.shown(user, found, links, sees_all=sees_all, reader=reader, reasons_of=_reasons)
    return render(
        request,
        "learning/course.html",
        {
            "course": found,
            "outline_html": page.html,
            "outline": page.parts,
            "links": links,
            "progress": page.progress,
            "resume_id": page.resume_id,
            "next_activity_id": page.next_id,
            "teaches": sees_all and user.role not in STAFF_ROLES,
            "staff": user.role in STAFF_ROLES,
            "may_publish": user.role in STAFF_ROLES and not found.is_published,
            "learner": not sees_all,
            # Their grades are a link away once the course has something graded.
            "own_grades": not sees_all and user.role == Role.LEARNER and page.graded,
        },
    )


# --- Activity page --------------------------------------------------------------------------


@signed_in
def activity(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponse:
    user = _user(request)
    found = course_for(user, course_id)
    item = activity_for(user, found, activity_id)
    sees_all = sees_all_of(user, found)
    rule = reader_rule(user, sees_all=sees_all)
    reader = outline.STAFF if rule is None else outline.TEACHER if sees_all else outline.LEARNER
    statement = _siblings(router.db_for_read(Activity), reader)
    siblings = statement.convert(statement.fetch(found.pk))
    row = None
    shut: set[int] = set()  # the activities the learner may not open now
    if not sees_all:
        rules = Gate(user, [found.pk])
        verdict = rules.verdict(found.pk, item.availability, item.section.availability)
        if not verdict.available:
            return render(
                request,
                "learning/restricted.html",
                {"course": found, "activity": item, "reasons": _reasons(verdict, rules.titles)},
                status=403,
            )
        row = actions.record_view(actor=user, activity=item)
        shut = {
            pk
            for pk, _title, _kind, own, section in siblings
            if not rules.verdict(found.pk, own, section).available
        }
        if shut and rule is not None:
            rule &= ~Q(pk__in=sorted(shut))  # a link to one of them is text, as links out are
    # Previous and next lead to what the learner may open (Moodle skips what is not
    # available to the user); labels have no page.
    pager = [
        (pk, title) for pk, title, kind, _, _ in siblings if kind != "label" and pk not in shut
    ]
    ids = [pk for pk, _ in pager]
    position = ids.index(item.pk) if item.pk in ids else -1
    previous_item = pager[position - 1] if position > 0 else None
    next_item = pager[position + 1] if 0 <= position < len(ids) - 1 else None
    kind = kind_of(item.kind)
    data = kind.read(item.data)
    context = {
        "course": found,
        "activity": item,
        "kind": kind,
        "links": CourseLinks(found, rule=rule),
        "data": data,
        "previous": previous_item,
        "next": next_item,
        "position": position + 1,
        "count": len(ids),
        "manual": item.completion_mode == "manual" and not sees_all,
        # Completed by this view when viewing is its rule; otherwise as recorded.
        "done": (not sees_all) and (progress.completes_on_view(item) or _is_done(row)),
        "learner": not sees_all,
        "teaches": sees_all and user.role not in STAFF_ROLES,
        "kind_template": kind.template,
    }
    if kind.context is not None:
        context.update(kind.context(data, request))
    return render(request, "learning/activity.html", context)


@require_POST
@signed_in
def mark_done(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponseBase:
    user = _user(request)
    found = course_for(user, course_id)
    item = activity_for(user, found, activity_id)
    if holds(user, found, item):
        raise PermissionDenied  # ticking it would open what waits for it
    actions.set_done(actor=user, activity=item, done=request.POST.get("done") == "1")
    return redirect("learning:activity", course_id=found.pk, activity_id=item.pk)
