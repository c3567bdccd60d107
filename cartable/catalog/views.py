"""Staff pages for the catalog: the list of courses, importing a course file, following an
import, publishing a course."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy

from cartable.audit.actions import record
from cartable.catalog.forms import ImportForm
from cartable.catalog.jobs import KIND
from cartable.catalog.models import Course
from cartable.jobs import runner
from cartable.jobs.models import Job
from cartable.web.access import staff_only

STAGES = {
    "": gettext_lazy("Waiting for its turn"),
    "unpacking": gettext_lazy("Unpacking the archive"),
    "reading": gettext_lazy("Reading the course"),
    "files": gettext_lazy("Storing the files"),
    "saving": gettext_lazy("Saving the course"),
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
    return render(
        request,
        "catalog/course_list.html",
        {"page": page, "status": status, "statuses": Course.Status.choices, "jobs": jobs},
    )


def _keep_upload(upload: UploadedFile[bytes]) -> Path:
    """Move the uploaded file (already streamed to disk by Django if large) to the import
    queue's folder, without reading it into memory."""
    folder = Path(settings.HOME) / "imports"
    folder.mkdir(mode=0o700, exist_ok=True)
    target = folder / f"{uuid.uuid4().hex}.upload"
    if isinstance(upload, TemporaryUploadedFile):
        Path(upload.temporary_file_path()).replace(target)
    else:
        with target.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
    return target


@staff_only
def import_course(request: HttpRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        path = _keep_upload(upload)
        institution = form.cleaned_data["institution"]
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
    return render(
        request, "catalog/import.html", {"form": form}, status=400 if form.errors else 200
    )


@staff_only
def import_job(request: HttpRequest, job_id: int) -> HttpResponse:
    job = Job.objects.filter(pk=job_id, kind=KIND).select_related("created_by").first()
    if job is None:
        raise Http404
    course = None
    if job.status == Job.Status.SUCCEEDED:
        course = Course.objects.filter(pk=job.result.get("course", {}).get("id")).first()
    return render(
        request,
        "catalog/import_job.html",
        {
            "job": job,
            "stage": STAGES.get(job.stage, job.stage),
            "result": job.result,
            "course": course,
            "refresh": not job.is_finished,
        },
    )
