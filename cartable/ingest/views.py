"""Staff pages for the catalog: the list of courses, importing a course file, following an
import, and confirming that a file updates a course already on the box."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator
from pathlib import Path

from django.contrib import messages
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from cartable.accounts.access import staff_only
from cartable.accounts.models import User
from cartable.audit.actions import record
from cartable.catalog.access import managed_courses, manages
from cartable.catalog.models import Course
from cartable.ingest import actions
from cartable.ingest.forms import ImportForm, QuestionImportForm
from cartable.ingest.jobs import KIND, QUESTIONS_KIND
from cartable.ingest.models import Revision
from cartable.jobs import runner, sweep, uploads
from cartable.jobs.models import Job
from cartable.lib import scratch

STAGES = {
    "": gettext_lazy("Waiting for its turn"),
    "unpacking": gettext_lazy("Unpacking the archive"),
    "reading": gettext_lazy("Reading the course"),
    "files": gettext_lazy("Storing the files"),
    "saving": gettext_lazy("Saving the course"),
    "done": gettext_lazy("Done"),
}
FORMAT_LABELS = {"moodle_xml": "Moodle XML", "gift": "GIFT"}
QUESTION_STAGES = {
    "": gettext_lazy("Waiting for its turn"),
    "reading": gettext_lazy("Reading the questions"),
    "files": gettext_lazy("Storing the files"),
    "saving": gettext_lazy("Saving the questions"),
    "done": gettext_lazy("Done"),
}


@staff_only
def course_list(request: HttpRequest) -> HttpResponse:
    courses = Course.objects.select_related("institution").order_by("-updated_at")
    status = request.GET.get("status", "")
    if status in Course.Status.values:
        courses = courses.filter(status=status)
    page = Paginator(courses, 50).get_page(request.GET.get("page"))
    jobs = Job.objects.filter(kind=KIND).select_related("created_by")[:10]
    # Question files join one course: only those who manage it see their imports.
    managed = set(managed_courses(_user(request)).values_list("pk", flat=True))
    question_jobs = [
        job
        for job in Job.objects.filter(kind=QUESTIONS_KIND).order_by("-pk")[:50]
        if job.payload.get("course") in managed
    ][:10]
    return render(
        request,
        "ingest/course_list.html",
        {
            "page": page,
            "status": status,
            "statuses": Course.Status.choices,
            "jobs": jobs,
            "question_jobs": question_jobs,
        },
    )


@contextlib.contextmanager
def _kept_upload(upload: UploadedFile[bytes]) -> Iterator[Path]:
    """Move the uploaded file (already streamed to disk by Django if large) to the import
    queue's folder, without reading it into memory. The file stays locked by this process
    while the block records the job that names it: a sweep never takes it from under the
    request, and takes it if the request dies before its job is recorded."""
    folder = sweep.kept_uploads_folder()
    folder.mkdir(mode=0o700, exist_ok=True)
    if isinstance(upload, TemporaryUploadedFile):
        target = folder / f"{uuid.uuid4().hex}{uploads.SUFFIX}"
        # Locked by the upload's own handle until the request ends (the lock goes with it).
        Path(upload.temporary_file_path()).replace(target)
        yield target
        return
    fd, target = scratch.locked_temp_file(folder, uploads.PREFIX, uploads.SUFFIX)
    with os.fdopen(fd, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
        out.flush()
        yield target


@staff_only
def import_course(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        institution = form.cleaned_data["institution"]
        with _kept_upload(upload) as path:
            job = runner.enqueue(
                KIND,
                payload={
                    "path": str(path),
                    "filename": Path(upload.name or "course.mbz").name[:255],
                    "size": upload.size,
                    "institution": institution.slug if institution else "",
                    "language": request.LANGUAGE_CODE,
                },
                created_by=request.user,
            )
        record(
            "course.import_requested",
            actor=request.user,
            target=job,
            request=request,
            details={"file": job.payload["filename"], "size": upload.size},
        )
        transaction.on_commit(runner.start_worker)
        return redirect("catalog:import_job", job_id=job.pk)
    return render(request, "ingest/import.html", {"form": form}, status=400 if form.errors else 200)


@staff_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = Job.objects.filter(pk=job_id, kind=KIND).select_related("created_by").first()
    if job is None:
        raise Http404
    course = revision = None
    if job.status == Job.Status.SUCCEEDED:
        course = Course.objects.filter(pk=job.result.get("course", {}).get("id")).first()
        revision_id = (job.result.get("revision") or {}).get("id")
        if revision_id is not None and course is not None:
            revision = Revision.objects.filter(pk=revision_id, course=course).first()
    return render(
        request,
        "ingest/import_job.html",
        {
            "job": job,
            "stage": STAGES.get(job.stage, job.stage),
            "result": job.result,
            "course": course,
            "revision": revision,
            "may_confirm": revision is not None
            and revision.status == Revision.Status.UNCONFIRMED
            and manages(_user(request), revision.course),
            "refresh": not job.is_finished,
        },
    )


@staff_only
def import_questions(request: HttpRequest) -> HttpResponse:
    """A question file into the bank of a course the staff member manages, as a job."""
    form = QuestionImportForm(
        request.POST or None,
        request.FILES or None,
        courses=managed_courses(_user(request)),
        initial={"course": request.GET.get("course")},
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        course = form.cleaned_data["course"]
        with _kept_upload(upload) as path:
            job = runner.enqueue(
                QUESTIONS_KIND,
                payload={
                    "path": str(path),
                    "filename": Path(upload.name or "questions.xml").name[:255],
                    "size": upload.size,
                    "course": course.pk,
                    "language": request.LANGUAGE_CODE,
                },
                created_by=request.user,
            )
        record(
            "course.questions_import_requested",
            actor=request.user,
            target=course,
            request=request,
            details={"file": job.payload["filename"], "size": upload.size, "job": job.pk},
        )
        transaction.on_commit(runner.start_worker)
        return redirect("catalog:question_import_job", job_id=job.pk)
    return render(
        request, "ingest/import_questions.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_only
def question_import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    """A question file's import: its progress, then its report. Only for the staff who
    manage the course it joins."""
    job = Job.objects.filter(pk=job_id, kind=QUESTIONS_KIND).select_related("created_by").first()
    course = (
        managed_courses(_user(request)).filter(pk=job.payload.get("course")).first()
        if job is not None
        else None
    )
    if job is None or course is None:
        raise Http404
    revision = None
    revision_id = (job.result.get("revision") or {}).get("id")
    if job.status == Job.Status.SUCCEEDED and revision_id is not None:
        revision = Revision.objects.filter(pk=revision_id, course=course).first()
    return render(
        request,
        "ingest/question_import_job.html",
        {
            "job": job,
            "stage": QUESTION_STAGES.get(job.stage, job.stage),
            "result": job.result,
            "course": course,
            "revision": revision,
            "refresh": not job.is_finished,
            "format_label": FORMAT_LABELS.get(str(job.result.get("format", "")), ""),
        },
    )


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@require_POST
@staff_only
def confirm_update(request: HttpRequest, revision_id: int) -> HttpResponseBase:
    """The uploader says whether the file is indeed an update of the course it matched."""
    revision = (
        Revision.objects.filter(pk=revision_id, course__in=managed_courses(_user(request)))
        .select_related("course")
        .first()
    )
    if revision is None:
        raise Http404
    try:
        if request.POST.get("decision") == "confirm":
            revision = actions.confirm(actor=_user(request), revision=revision, request=request)
        else:
            actions.cancel(actor=_user(request), revision=revision, request=request)
            messages.success(request, _("Cancelled: nothing of this file was kept."))
            return redirect("catalog:courses")
    except actions.RevisionError as error:
        messages.error(request, str(error))
        return redirect("catalog:courses")
    if revision.status == Revision.Status.PENDING:
        messages.success(
            request,
            _("The update waits for review: learners keep the approved version until then."),
        )
    else:
        messages.success(request, _("The course was updated; it still waits for review."))
    return redirect("review:course", course_id=revision.course_id)
