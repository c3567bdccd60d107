"""The background jobs that import a course file, or a question file into a course, uploaded
from the web."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

from django.utils import translation
from django.utils.translation import gettext as _

from cartable.accounts.models import User
from cartable.catalog.models import Course
from cartable.ingest.imports import ImportFailed, ImportOutcome, import_file
from cartable.ingest.questions import import_question_file
from cartable.jobs.models import Job
from cartable.jobs.runner import JobFailed, Progress

KIND = "import_course"
QUESTIONS_KIND = "import_questions"
COMMITTED = "committed"  # in a job's result: written by the import's own transaction


def run_import(job: Job, progress: Progress) -> dict[str, Any]:
    payload = job.payload
    path = Path(payload["path"])
    if job.result.get(COMMITTED):
        # Redone after a crash that followed the import's commit: its report is the one the
        # import wrote with its work, not that of a re-import that would change nothing.
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
        return dict(job.result)
    actor = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None

    def on_saved(outcome: ImportOutcome) -> None:
        job.result = {**outcome.as_json(), COMMITTED: True}
        Job.objects.filter(pk=job.pk).update(result=job.result)

    # Messages in the language of the person who uploaded the file.
    with translation.override(payload.get("language") or None):
        try:
            outcome = import_file(
                path,
                actor=actor,
                filename=payload.get("filename"),
                institution=payload.get("institution") or None,
                # The uploader's establishment manages a new course; an update of a course
                # already on the box waits for the uploader's "yes, this file updates it".
                establishment=actor.establishment if actor is not None else None,
                confirm_update=True,
                progress=progress,
                on_saved=on_saved,
            )
        except ImportFailed as failure:
            raise JobFailed(failure.code, failure.message) from None
        finally:
            # The upload is kept until its job ends, whatever the outcome.
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return {**outcome.as_json(), COMMITTED: True}


def run_question_import(job: Job, progress: Progress) -> dict[str, Any]:
    payload = job.payload
    path = Path(payload["path"])
    actor = User.objects.filter(pk=job.created_by_id).first() if job.created_by_id else None
    with translation.override(payload.get("language") or None):
        try:
            course = Course.objects.filter(pk=payload.get("course")).first()
            if course is None:
                raise JobFailed(
                    "unknown_course", _("The course chosen for these questions is gone.")
                )
            outcome = import_question_file(
                path,
                course=course,
                actor=actor,
                filename=payload.get("filename"),
                progress=progress,
            )
        except ImportFailed as failure:
            raise JobFailed(failure.code, failure.message) from None
        finally:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
    return outcome.as_json()
