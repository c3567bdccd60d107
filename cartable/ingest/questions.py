"""Importing a question file (Moodle XML, GIFT) into the question bank of a chosen course.

The file goes the way of a course file: the importer (pure) reads it into a question bank;
``staging`` makes it partial staged rows (categories, questions, the files they embed, the
findings of the same risk scanner), which ``plan`` compares with the live bank; the files are
stored, then in one transaction:

- a course learners do not see yet gets the questions at once (they wait for review with the
  course, their findings joining the course's);
- a course learners see gets them as a ``Revision`` waiting for review, as its updates do:
  not a live row changes until staff approve it. One update waits at a time: while another
  waits, the file is refused (staff decide that one first).

The same file twice changes nothing (a question keeps its id: ``importers.questionfiles.ids``);
a corrected file updates its questions. A refused file changes nothing at all.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.access import manages
from cartable.catalog.models import Blob, Course
from cartable.catalog.texts import shown
from cartable.importers.jsonable import digest
from cartable.importers.questionfiles import registry
from cartable.importers.questionfiles.base import (
    QuestionFileError,
    QuestionFileLimits,
    QuestionFileResult,
)
from cartable.importers.report import QuestionFileReport
from cartable.ingest import plan as plans
from cartable.ingest.apply import apply, save_blobs
from cartable.ingest.errors import message_for
from cartable.ingest.imports import ImportFailed, store_files
from cartable.ingest.imports import limits as archive_limits
from cartable.ingest.models import Revision
from cartable.ingest.publication import waiting_revision
from cartable.ingest.staging import StagedCourse, stage_question_file
from cartable.jobs import sweep
from cartable.lib.safexml import XmlError

Progress = Callable[[float, str], None]


@dataclass
class QuestionImportOutcome:
    course: Course
    report: QuestionFileReport
    changes: plans.Changes  # the questions: added, updated, unchanged
    applied: bool  # the questions went into the course's bank at once
    revision: Revision | None = None  # or wait for review

    def as_json(self) -> dict[str, Any]:
        report = self.report.to_json()
        files = report.pop("files")
        assert isinstance(files, dict)
        return {
            **report,
            "files": {"count": files["records"], "blobs": files["blobs"], "bytes": files["bytes"]},
            "course": {
                "id": self.course.pk,
                "title": self.course.title,
                "shortname": self.course.shortname,
                "status": self.course.status,
            },
            "changes": {"questions": self.changes.as_json()},
            "applied": self.applied,
            "revision": (
                {"id": self.revision.pk, "status": self.revision.status}
                if self.revision is not None
                else None
            ),
        }


def limits() -> QuestionFileLimits:
    return QuestionFileLimits(
        max_bytes=settings.IMPORT_MAX_QUESTION_FILE_BYTES, files=archive_limits()
    )


def import_question_file(
    path: Path,
    *,
    course: Course,
    actor: User | None,
    filename: str | None = None,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> QuestionImportOutcome:
    """Import the questions of ``path`` into ``course``'s bank; raise ImportFailed (and change
    nothing) if the file is refused. ``actor`` None is the box's operator (command line)."""
    name = filename or path.name
    report = progress or (lambda fraction, stage: None)
    _check(actor, course, name)
    with sweep.workdir("questions-") as workdir:
        report(0.0, "reading")
        result = _read(path, workdir, name)
        staged = stage_question_file(
            result,
            source=course.source,
            source_id=course.source_id,
            shortname=course.shortname,
            large_file_bytes=settings.REVIEW_LARGE_FILE_BYTES,
        )
        created_blobs: list[str] = []
        try:
            refs = [ref for question in result.bank.walk() for ref in question.files]
            report(0.5, "files")
            store_files(refs, created_blobs, name, report)
            report(0.95, "saving")
            outcome = _save(
                course,
                result,
                staged,
                actor=actor,
                filename=name,
                created_blobs=created_blobs,
                request=request,
            )
        except BaseException:
            # Nothing was saved: take back the blobs this import had just added, unless a
            # committed row uses them (another import of the same bytes).
            for sha256 in created_blobs:
                if not Blob.objects.filter(sha256=sha256).exists():
                    blobs.store().delete(sha256)
            raise
        report(1.0, "done")
        return outcome


def _check(actor: User | None, course: Course, name: str) -> None:
    if actor is not None and (actor.role not in STAFF_ROLES or not manages(actor, course)):
        raise ImportFailed(
            "other_establishment",
            _(
                "%(file)s is refused: the course “%(course)s” is managed by another "
                "establishment. Only its staff or an administrator may add questions to it."
            )
            % {"file": name, "course": course.title},
        )


def _read(path: Path, workdir: Path, name: str) -> QuestionFileResult:
    try:
        return registry.load(path, workdir, limits(), name=name)
    except QuestionFileError as error:
        raise ImportFailed(
            error.code,
            _("%(file)s was not imported: %(reason)s.")
            % {"file": name, "reason": shown(error.text)},
        ) from None
    except XmlError as error:
        if error.code == "xml_entities":
            message = _(
                "%(file)s is refused: it declares XML entities or a DTD, which a Moodle "
                "question file never does."
            ) % {"file": name}
        else:
            message = _("%(file)s is damaged: it is not well-formed XML (%(detail)s).") % {
                "file": name,
                "detail": error.message,
            }
        raise ImportFailed(error.code, message) from None
    except OSError as error:
        raise ImportFailed(
            "unreadable", message_for("unreadable", filename=name, detail=str(error.strerror))
        ) from None


def _save(
    course: Course,
    result: QuestionFileResult,
    staged: StagedCourse,
    *,
    actor: User | None,
    filename: str,
    created_blobs: list[str],
    request: HttpRequest | None,
) -> QuestionImportOutcome:
    now = timezone.now()
    with transaction.atomic():
        course = Course.objects.select_for_update().get(pk=course.pk)
        _check(actor, course, filename)
        plan = plans.compute(course, staged, full=False)
        revision: Revision | None = None
        applied = False
        if plan.is_empty:
            pass  # every question is already in the bank, as the file has it
        elif course.is_published:
            revision = _revision(course, staged, filename, actor, created_blobs)
        else:
            apply(course, staged, now=now, mode="pending", actor=actor)
            applied = True
        outcome = QuestionImportOutcome(
            course=course,
            report=result.report,
            changes=plan.questions,
            applied=applied,
            revision=revision,
        )
        if revision is not None:
            revision.report = outcome.as_json()
            revision.save(update_fields=["report"])
        record(
            "course.questions_imported",
            actor=actor,
            target=course,
            request=request,
            details={
                "file": filename,
                "format": result.report.format,
                "questions": dict(sorted(result.report.questions.items())),
                "categories": result.report.categories,
                "changes": plan.questions.as_json(),
                "skipped": len(result.report.skipped),
                "warnings": len(result.report.warnings),
                "revision": revision.pk if revision is not None else None,
                "waits_for": "review" if revision is not None else None,
            },
        )
    return outcome


def _revision(
    course: Course,
    staged: StagedCourse,
    filename: str,
    actor: User | None,
    created_blobs: list[str],
) -> Revision:
    """The questions waiting for review in a course learners see; the same file again finds
    its revision still waiting."""
    waiting = waiting_revision(course, lock=True)
    if waiting is not None:
        if waiting.staged is not None and digest(waiting.staged) == digest(staged.to_json()):
            return waiting
        raise ImportFailed(
            "update_waiting",
            _(
                "%(file)s was not imported: an update of “%(course)s” already waits for "
                "review. Approve or reject it first, then import the questions again."
            )
            % {"file": filename, "course": course.title},
        )
    save_blobs(staged)  # the content store's record of what it holds
    return Revision.objects.create(
        course=course,
        status=Revision.Status.PENDING,
        filename=filename[:255],
        staged=staged.to_json(),
        created_by=actor,
        new_blobs=list(created_blobs),
    )
