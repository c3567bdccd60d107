"""Importing a course file: archive -> importer (pure) -> staged rows -> live rows or a revision.

The importer reads the file into a course model; ``staging`` turns it into rows; the files are
stored (content-addressed, so nothing is overwritten); then, in one transaction:

- a course the box does not hold yet is created, waiting for review (or published at once with
  staff's explicit approval, ``publish``);
- a newer version of a course learners already see is kept whole as a ``Revision`` waiting for
  review: not one live row changes until staff approve it;
- a newer version of a course learners do not see yet replaces it, still waiting for review.

A course is known by the institution staff chose (or the one standing for the file's Moodle
site) and the source's id for it, never by the short name a file claims. An upload from the
web that matches a course the box holds first waits for the uploader's confirmation ("this file
updates X"), and staff may only update their own establishment's courses. Running the same file
twice changes nothing; a bad file changes nothing at all: neither the database nor the content
store.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from cartable.accounts.models import Establishment, Institution, User
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.access import manages
from cartable.catalog.models import Blob, Course
from cartable.importers import model, registry
from cartable.importers.common import FileRef, ImporterError
from cartable.importers.jsonable import digest
from cartable.ingest import plan as plans
from cartable.ingest.apply import apply, save_blobs
from cartable.ingest.errors import message_for
from cartable.ingest.models import Revision
from cartable.ingest.publication import approve_everything, supersede
from cartable.ingest.staging import StagedCourse, all_files, stage
from cartable.jobs import sweep
from cartable.lib import crash
from cartable.lib.archive import ArchiveError, ArchiveLimits, estimated_size
from cartable.lib.blobstore import BlobError
from cartable.lib.safexml import XmlError

Progress = Callable[[float, str], None]
Changes = plans.Changes


class ImportFailed(Exception):
    """The file was refused; ``message`` says why in the user's language. Nothing changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class ImportOutcome:
    course: Course
    report: model.ImportReport
    created: bool
    changes: Changes
    question_changes: Changes
    published: bool
    # A newer version of a course already on the box, kept whole: waiting for the uploader's
    # confirmation, or for review.
    revision: Revision | None = None

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
                "institution": self.course.institution.slug,
                "source": self.course.source_url,
                "source_id": self.course.source_id,
                "status": self.course.status,
                "created": self.created,
            },
            "changes": {
                "activities": self.changes.as_json(),
                "questions": self.question_changes.as_json(),
            },
            "published": self.published,
            "revision": (
                {"id": self.revision.pk, "status": self.revision.status}
                if self.revision is not None
                else None
            ),
        }


def limits() -> ArchiveLimits:
    return ArchiveLimits(
        max_member_size=settings.IMPORT_MAX_MEMBER_BYTES,
        max_total_size=settings.IMPORT_MAX_TOTAL_BYTES,
        max_members=settings.IMPORT_MAX_MEMBERS,
        max_ratio=settings.IMPORT_MAX_RATIO,
    )


def import_file(
    path: Path,
    *,
    actor: User | None,
    filename: str | None = None,
    institution: str | None = None,
    establishment: Establishment | None = None,
    publish: bool = False,
    confirm_update: bool = False,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
    on_saved: Callable[[ImportOutcome], None] | None = None,
) -> ImportOutcome:
    """Import a course file; raise ImportFailed (and change nothing) if it is refused.

    ``establishment``: whose staff will manage a course this file creates (None: the box's
    own). ``confirm_update``: a file that updates a course already on the box is kept as a
    revision waiting for the uploader's confirmation instead of being applied or staged.
    ``on_saved``: called with the outcome inside the import's transaction (a job records its
    report there, so that the report of the work that took effect survives a crash).
    """
    name = filename or path.name
    report = progress or (lambda fraction, stage: None)
    crash.point("start")
    with sweep.workdir("import-") as workdir:
        result = _read(path, workdir, name, report)
        crash.point("unpacked")
        if institution and not Institution.objects.filter(slug=institution).exists():
            raise ImportFailed(
                "unknown_institution",
                message_for("unknown_institution", filename=name, detail=institution),
            )
        staged = stage(result, large_file_bytes=settings.REVIEW_LARGE_FILE_BYTES)
        report(0.75, "files")
        created_blobs: list[str] = []
        try:
            store_files(all_files(result.course), created_blobs, name, report)
            crash.point("stored")
            report(0.95, "saving")
            outcome = _save(
                result,
                staged,
                institution,
                establishment=establishment,
                actor=actor,
                filename=name,
                publish=publish,
                confirm_update=confirm_update,
                created_blobs=created_blobs,
                request=request,
                on_saved=on_saved,
            )
        except BaseException:
            # The transaction rolled back; take back the blobs this import had just added,
            # unless a committed row uses them (another import of the same bytes).
            for sha256 in created_blobs:
                if not Blob.objects.filter(sha256=sha256).exists():
                    blobs.store().delete(sha256)
            raise
        crash.point("after_commit")
        report(1.0, "done")
        return outcome


def save_staged(
    staged: StagedCourse,
    report: model.ImportReport,
    *,
    institution: str,
    actor: User | None,
    filename: str,
) -> ImportOutcome:
    """Save a course already staged elsewhere (a course bundle from the university's hub, its
    files in the content store already) exactly as an import of a file would: a new course,
    or a new version, waits for staff's review. Inside the caller's transaction."""
    result = model.ImportResult(course=cast(model.Course, None), report=report)  # unread:
    # the institution is named, so the file's own site is not looked at.
    return _save(
        result,
        staged,
        institution,
        establishment=None,
        actor=actor,
        filename=filename,
        publish=False,
        confirm_update=False,
        created_blobs=[],
        request=None,
    )


def _read(path: Path, workdir: Path, name: str, report: Progress) -> model.ImportResult:
    try:
        size = path.stat().st_size
    except OSError as error:
        raise ImportFailed(
            "unreadable", message_for("unreadable", filename=name, detail=str(error.strerror))
        ) from None
    expected = max(estimated_size(path), size, 1)

    def unpacked(done: int) -> None:
        report(min(done / expected, 1.0) * 0.7, "unpacking")

    try:
        report(0.0, "unpacking")
        result = registry.load(path, workdir, limits(), progress=unpacked)
    except ArchiveError as error:
        raise ImportFailed(
            error.code,
            message_for(error.code, filename=name, member=error.member or "", detail=error.message),
        ) from None
    except XmlError as error:
        where = error.filename + (f":{error.line}" if error.line else "")
        raise ImportFailed(
            error.code, message_for(error.code, filename=name, member=where, detail=error.message)
        ) from None
    except (ImporterError, registry.UnknownFormat) as error:
        detail = getattr(error, "message", str(error))
        raise ImportFailed(
            error.code, message_for(error.code, filename=name, detail=detail)
        ) from None
    report(0.72, "reading")
    return result


def _institution(slug: str | None, course: model.Course, actor: User | None) -> Institution:
    """The institution named (checked to exist before), or the one the backup's Moodle site
    stands for, made on the first import from that site (``moodle.univ-lille.fr`` becomes
    ``moodle-univ-lille-fr``). Called inside the import's transaction."""
    if slug:
        return Institution.objects.get(slug=slug)
    host = urlsplit(course.original_url).hostname or ""
    derived = slugify(host.replace(".", "-"))[:64] or "moodle"
    institution, created = Institution.objects.get_or_create(
        slug=derived, defaults={"name": host or "Moodle"}
    )
    if created:
        record("institution.created", actor=actor, target=institution, details={"from": "import"})
    return institution


def store_files(refs: Iterable[FileRef], created: list[str], name: str, report: Progress) -> None:
    """Put the files' bytes in the content store (those it lacks); ``created`` is told the
    blobs this added, for taking them back if the import fails."""
    store = blobs.store()
    distinct = {ref.sha256: ref for ref in refs}
    for number, ref in enumerate(distinct.values(), start=1):
        if not store.exists(ref.sha256):
            assert ref.blob is not None, "a file being imported has its bytes in the work folder"
            try:
                stored = store.put_file(ref.blob, expected_sha256=ref.sha256)
            except (BlobError, OSError) as error:
                raise ImportFailed(
                    "content_store", message_for("content_store", filename=name, detail=str(error))
                ) from None
            if stored.created:
                created.append(stored.sha256)
        report(0.75 + 0.2 * number / len(distinct), "files")


def _save(
    result: model.ImportResult,
    staged: StagedCourse,
    institution_slug: str | None,
    *,
    establishment: Establishment | None,
    actor: User | None,
    filename: str,
    publish: bool,
    confirm_update: bool,
    created_blobs: list[str],
    request: HttpRequest | None,
    on_saved: Callable[[ImportOutcome], None] | None = None,
) -> ImportOutcome:
    now = timezone.now()
    with transaction.atomic():
        institution = _institution(institution_slug, result.course, actor)
        course = (
            Course.objects.select_for_update()
            .filter(institution=institution, source=staged.source, source_id=staged.source_id)
            .first()
        )
        if course is not None and not manages(actor, course):
            raise ImportFailed(
                "other_establishment",
                message_for(
                    "other_establishment",
                    filename=filename,
                    detail=f"{course.title} ({course.shortname})",
                ),
            )
        plan = plans.compute(course, staged, full=False)
        created = course is None
        published = False
        revision: Revision | None = None
        if course is None:
            course = Course.objects.create(
                institution=institution,
                establishment=establishment,
                shortname=staged.shortname,
                source=staged.source,
                source_id=staged.source_id,
                **staged.course_fields(),
            )
            apply(course, staged, now=now, mode="approved" if publish else "pending", actor=actor)
        elif plan.is_empty:
            if not staged.partial:
                course.risks = staged.risks  # what the review knows, not what learners see
        elif (same := _same_revision(course, staged, confirm_update=confirm_update)) is not None:
            revision = same  # the same file again: it already waits, decisions kept
        elif confirm_update:
            revision = _revision(course, staged, filename, actor, created_blobs)
        elif course.is_published and not publish:
            supersede(course, actor=actor)
            revision = _revision(course, staged, filename, actor, created_blobs)
            revision.status = Revision.Status.PENDING
            revision.save(update_fields=["status"])
        else:
            supersede(course, actor=actor)
            apply(course, staged, now=now, mode="approved" if publish else "pending", actor=actor)
            if course.status == Course.Status.REJECTED:
                course.status = Course.Status.PENDING_REVIEW  # a new version of a rejected course
        if publish and revision is None:
            published = approve_everything(course, actor=actor, now=now)
        course.imported_at = now
        course.save()
        outcome = ImportOutcome(
            course=course,
            report=result.report,
            created=created,
            changes=plan.changes(),
            question_changes=plan.questions,
            published=published,
            revision=revision,
        )
        if revision is not None:
            revision.report = outcome.as_json()
            revision.save(update_fields=["report"])
        record(
            "course.imported",
            actor=actor,
            target=course,
            request=request,
            details={
                "file": filename,
                "format": result.report.format,
                "release": result.report.moodle_release,
                "created": created,
                "activities": outcome.changes.as_json(),
                "questions": outcome.question_changes.as_json(),
                "skipped": len(result.report.skipped),
                "warnings": len(result.report.warnings),
                "revision": revision.pk if revision is not None else None,
                "waits_for": (
                    None
                    if revision is None
                    else "confirmation"
                    if revision.status == Revision.Status.UNCONFIRMED
                    else "review"
                ),
            },
        )
        if published:
            record(
                "course.published",
                actor=actor,
                target=course,
                request=request,
                details={"approval": "import --publish"},
            )
        if on_saved is not None:
            on_saved(outcome)
        crash.point("before_commit")
    return outcome


def _same_revision(
    course: Course, staged: StagedCourse, *, confirm_update: bool
) -> Revision | None:
    """The open revision of ``course`` holding exactly ``staged``, if any: waiting for review,
    or (for an upload asking to be confirmed) waiting for confirmation."""
    wanted = digest(staged.to_json())
    statuses = Revision.OPEN if confirm_update else (Revision.Status.PENDING,)
    for revision in Revision.objects.filter(course=course, status__in=statuses):
        if revision.staged is not None and digest(revision.staged) == wanted:
            return revision
    return None


def _revision(
    course: Course,
    staged: StagedCourse,
    filename: str,
    actor: User | None,
    created_blobs: list[str],
) -> Revision:
    save_blobs(staged)  # the content store's record of what it holds
    return Revision.objects.create(
        course=course,
        filename=filename[:255],
        staged=staged.to_json(),
        created_by=actor,
        new_blobs=list(created_blobs),
    )
