"""The gradebook's pages: a course's grades for its teachers and staff (learners × graded
activities, CSV export, a teacher's override), and a learner's own grades with their feedback
and feedback files. The rows come from ``grades.book``; grades are changed through
``grades.actions.record`` only."""

from __future__ import annotations

import csv
from collections.abc import Iterator

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cartable.accounts.access import role_required, signed_in
from cartable.accounts.models import Role, User
from cartable.audit.actions import record as audit
from cartable.catalog import blobs
from cartable.catalog.access import activity_for, course_for
from cartable.catalog.models import Activity, Course
from cartable.grades import actions as grades
from cartable.grades import book
from cartable.grades.forms import OverrideForm
from cartable.grades.models import Grade
from cartable.learning import plans
from cartable.learning.teaching import taught_course
from cartable.lib.html import text_to_html
from cartable.lib.spreadsheet import Lines, safe

learner_only = role_required(Role.LEARNER)


@signed_in
@require_safe
def gradebook(request: HttpRequest, course_id: int) -> HttpResponse:
    """Learners × graded activities, with the course total: the same few queries whatever
    the size of the class and of the course."""
    user, found = taught_course(request, course_id)
    table = book.book(found, list(plans.course_learners(found, user)))
    return render(request, "learning/grades/book.html", {"course": found, "book": table})


def _heading(column: book.Column) -> str:
    if column.max_grade is None:
        return column.title
    return _("%(title)s (out of %(max)s)") % {
        "title": column.title,
        "max": book.number(column.max_grade),
    }


def _points(column: book.Column, cell: book.Cell | None) -> str:
    """A grade as a number a spreadsheet adds up, out of its column's maximum; a scale's item
    as it is, and a grade out of another maximum (the activity changed since, or its column
    has none) as "points / maximum"."""
    if cell is None:
        return ""
    if cell.scale_item or cell.grade is None or cell.max_grade != column.max_grade:
        return cell.shown
    return book.number(cell.grade)


def _csv_lines(table: book.Book) -> Iterator[str]:
    writer = csv.writer(Lines())
    yield "\ufeff"  # the byte-order mark lets spreadsheets on Windows read the file as UTF-8
    yield writer.writerow(
        [
            safe(cell)
            for cell in (
                _("Username"),
                _("Learner"),
                *(_heading(column) for column in table.columns),
                _("Course total"),
                _("Course total (%)"),
            )
        ]
    )
    for line in table.lines:
        total = line.total
        yield writer.writerow(
            [
                safe(cell)
                for cell in (
                    line.learner.username,
                    line.learner.display_name,
                    *(
                        _points(column, cell)
                        for column, cell in zip(table.columns, line.cells, strict=True)
                    ),
                    total.shown,
                    book.number(total.percent) if total.percent is not None else "",
                )
            ]
        )


@require_POST
@signed_in
def gradebook_export(request: HttpRequest, course_id: int) -> HttpResponse:
    """The gradebook as CSV. A POST (a form on the gradebook): exporting learners' grades is
    audited, so no link or image in imported content may make a teacher's browser do it."""
    user, found = taught_course(request, course_id)
    table = book.book(found, list(plans.course_learners(found, user)))
    audit(
        "grade.exported",
        actor=user,
        target=found,
        request=request,
        details={"course": found.pk, "learners": len(table.lines)},
    )
    response = HttpResponse("".join(_csv_lines(table)), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    name = "".join(c if c.isascii() and c.isalnum() else "-" for c in found.shortname) or "course"
    response["Content-Disposition"] = f'attachment; filename="grades-{name}-{stamp}.csv"'
    response["Cache-Control"] = "private, no-store"
    return response


def _graded(user: User, course: Course, activity_id: int) -> Activity:
    """A graded activity of the course the teacher may open (404 for any other)."""
    activity = activity_for(user, course, activity_id)
    if (
        activity.kind not in book.GRADED_KINDS
        and not Grade.objects.filter(activity=activity).exists()
    ):
        raise Http404
    return activity


@signed_in
def override(
    request: HttpRequest, course_id: int, activity_id: int, learner_id: int
) -> HttpResponseBase:
    """A teacher's grade for one learner and activity (Moodle's "overridden" grade)."""
    user, found = taught_course(request, course_id)
    activity = _graded(user, found, activity_id)
    learner = plans.course_learners(found, user).filter(pk=learner_id).first()
    if learner is None:
        raise Http404
    current = Grade.objects.filter(activity=activity, user=learner).first()
    max_grade = (
        current.max_grade
        if current is not None and not current.scale_item
        else book.graded_column_max(activity)
    )
    context = {
        "course": found,
        "activity": activity,
        "learner": learner,
        "current": current,
        "current_shown": book.Cell(current.grade, current.max_grade).shown if current else "",
    }
    if max_grade is None:  # a scale: the box has no scale's items to choose from
        return render(
            request,
            "learning/grades/override.html",
            {**context, "form": None},
            status=400 if request.method == "POST" else 200,
        )
    form = OverrideForm(
        request.POST if request.method == "POST" else None,
        max_grade=max_grade,
        initial={"grade": current.grade if current else None, "release": True},
    )
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["feedback"].strip()
        grades.record(
            actor=user,
            activity=activity,
            learner=learner,
            grade=float(form.cleaned_data["grade"]),
            max_grade=max_grade,
            source=Grade.Source.OVERRIDE,
            feedback=text_to_html(text) if text else (current.feedback if current else ""),
            released_at=timezone.now() if form.cleaned_data["release"] else None,
            request=request,
        )
        messages.success(request, _("The grade is saved."))
        return redirect("learning:gradebook", course_id=found.pk)
    return render(
        request,
        "learning/grades/override.html",
        {**context, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@learner_only
@require_safe
def own(request: HttpRequest, course_id: int) -> HttpResponse:
    """A learner's released grades in a course, with their feedback and files."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    mine = book.own_grades(user, found)
    return render(
        request,
        "learning/grades/own.html",
        {"course": found, "grades": mine.grades, "total": mine.total},
    )


@learner_only
@require_safe
def feedback_file(request: HttpRequest, course_id: int, file_id: int) -> HttpResponseBase:
    """A file a teacher gave back with a released grade: to its learner only, as a
    download (never shown by the browser: its type is not checked as course files are)."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    given = book.feedback_file(user, found, file_id)
    if given is None:
        raise Http404
    try:
        stream = blobs.store().open(given.blob_id)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=given.filename or "file",
        content_type="application/octet-stream",
    )
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
