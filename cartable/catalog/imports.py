"""Importing a course file into the catalog: the importer (pure) reads it into a course model,
then this module stores its files and saves it, in one transaction, as a course waiting for
review. Running the same file twice changes nothing; a newer backup of the same course updates
it in place (unchanged activities keep their identity, and so learners' progress); a bad file
changes nothing at all: neither the database nor the content store.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Set
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.text import slugify

from cartable.accounts.models import Institution, User
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.import_errors import message_for
from cartable.catalog.models import (
    Activity,
    Blob,
    Course,
    CourseFile,
    Question,
    QuestionCategory,
    Section,
)
from cartable.catalog.study_time import estimate_minutes
from cartable.importers import model, registry
from cartable.importers.common import FileRef, ImporterError, Text
from cartable.importers.questions import Question as ImportedQuestion
from cartable.lib.archive import ArchiveError, ArchiveLimits, estimated_size
from cartable.lib.blobstore import BlobError
from cartable.lib.html import linked_blobs
from cartable.lib.jsonable import digest, to_json
from cartable.lib.risks import Finding, distinct, scan_file
from cartable.lib.safexml import XmlError
from cartable.review.actions import approve_everything
from cartable.search.index import reindex_course

Progress = Callable[[float, str], None]


class ImportFailed(Exception):
    """The file was refused; ``message`` says why in the user's language. Nothing changed."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Changes:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    retired: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "updated": self.updated,
            "unchanged": len(self.unchanged),
            "retired": self.retired,
        }

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated or self.retired)


@dataclass
class ImportOutcome:
    course: Course
    report: model.ImportReport
    created: bool
    changes: Changes
    question_changes: Changes
    published: bool

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
                "status": self.course.status,
                "created": self.created,
            },
            "changes": {
                "activities": self.changes.as_json(),
                "questions": self.question_changes.as_json(),
            },
            "published": self.published,
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
    publish: bool = False,
    request: HttpRequest | None = None,
    progress: Progress | None = None,
) -> ImportOutcome:
    """Import a course file; raise ImportFailed (and change nothing) if it is refused."""
    name = filename or path.name
    report = progress or (lambda fraction, stage: None)
    workdir = Path(tempfile.mkdtemp(prefix="import-", dir=settings.TMP_ROOT))
    try:
        result = _read(path, workdir, name, report)
        if institution and not Institution.objects.filter(slug=institution).exists():
            raise ImportFailed(
                "unknown_institution",
                message_for("unknown_institution", filename=name, detail=institution),
            )
        report(0.75, "files")
        created_blobs: list[str] = []
        try:
            _store_files(_all_files(result.course), created_blobs, name, report)
            report(0.95, "saving")
            outcome = _save(
                result, institution, actor=actor, filename=name, publish=publish, request=request
            )
        except BaseException:
            # The transaction rolled back; take back the blobs this import had just added,
            # unless a committed row uses them (another import of the same bytes).
            for sha256 in created_blobs:
                if not Blob.objects.filter(sha256=sha256).exists():
                    blobs.store().delete(sha256)
            raise
        report(1.0, "done")
        return outcome
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


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


def _all_files(course: model.Course) -> list[FileRef]:
    refs: list[FileRef] = list(course.files)
    for activity in course.activities:
        refs.extend(activity.files)
    for question in course.question_bank.walk():
        refs.extend(question.files)
    return refs


def _store_files(refs: Iterable[FileRef], created: list[str], name: str, report: Progress) -> None:
    store = blobs.store()
    distinct = {ref.sha256: ref for ref in refs}
    for number, ref in enumerate(distinct.values(), start=1):
        if not store.exists(ref.sha256):
            try:
                stored = store.put_file(ref.blob, expected_sha256=ref.sha256)
            except (BlobError, OSError) as error:
                raise ImportFailed(
                    "content_store", message_for("content_store", filename=name, detail=str(error))
                ) from None
            if stored.created:
                created.append(stored.sha256)
        report(0.75 + 0.2 * number / len(distinct), "files")


# --- Saving -------------------------------------------------------------------------------

KINDS = set(Activity.Kind.values)


def _activity_fields(activity: model.Activity) -> dict[str, Any]:
    content = activity.content
    fields: dict[str, Any] = {
        "kind": activity.modname if activity.modname in KINDS else Activity.Kind.PAGE,
        "title": activity.title[:255],
        "intro": activity.intro,
        "content": content.content if isinstance(content, model.PageContent) else "",
        "visible": activity.visible,
        "data": {}
        if isinstance(content, model.PageContent | model.LabelContent)
        else to_json(content),
        "availability": activity.availability,
        "completion": to_json(activity.completion),
        "tracks_completion": activity.completion.tracking != "none",
        "external_links": list(activity.external_links),
        "blob_id": None,
        "filename": "",
        "mimetype": "",
    }
    fields["estimated_minutes"] = estimate_minutes(
        fields["kind"], intro=fields["intro"], content=fields["content"], data=fields["data"]
    )
    if isinstance(content, model.ResourceContent) and content.main_file is not None:
        main = content.main_file
        fields.update(
            blob_id=main.sha256, filename=main.filename[:255], mimetype=main.mimetype[:127]
        )
    fields["risks"] = _risks(activity.findings, activity.files)
    return fields


def _course_risks(imported: model.Course, report: model.ImportReport) -> list[dict[str, Any]]:
    """What the course's own texts hold, and its sections' and questions' (the activities
    keep their own), and what the items the import skipped held."""
    rows = _risks(imported.findings, where="")
    for skipped in report.skipped:
        rows += _risks(skipped.findings, where=skipped.what)
    for section in imported.sections:
        rows += _risks(section.findings, section.files, where=section.name or f"#{section.number}")
    for question in imported.question_bank.walk():
        rows += _risks(question.findings, question.files, where=question.name)
    return rows


def _risks(
    findings: Iterable[Finding], files: Iterable[FileRef] = (), where: str = ""
) -> list[dict[str, Any]]:
    """Findings as the database keeps them, with the files' own (type, size)."""
    found = list(findings)
    for ref in {ref.sha256 + ref.filename: ref for ref in files}.values():
        found += scan_file(
            ref.filename, ref.mimetype, ref.size, max_bytes=settings.REVIEW_LARGE_FILE_BYTES
        )
    rows: list[dict[str, Any]] = [
        {"kind": item.kind, "detail": item.detail} for item in distinct(found)
    ]
    if where:
        for row in rows:
            row["where"] = str(where)
            if isinstance(where, Text):  # shown in the reader's language
                row["where_text"] = where.as_json()
    return rows


def _fingerprint(fields: dict[str, Any]) -> str:
    """What the activity holds; where it sits (section, position) is not part of it: moving an
    activity, or removing its neighbour, does not make it a changed activity."""
    return digest(fields)


def _save(
    result: model.ImportResult,
    institution_slug: str | None,
    *,
    actor: User | None,
    filename: str,
    publish: bool,
    request: HttpRequest | None,
) -> ImportOutcome:
    imported = result.course
    now = timezone.now()
    # An activity-level backup adds (or updates) its activity in the course; it holds
    # nothing else of the course, so nothing else is changed or retired.
    merge = imported.backup_type == "activity"
    with transaction.atomic():
        institution = _institution(institution_slug, imported, actor)
        course = (
            Course.objects.select_for_update()
            .filter(institution=institution, shortname=imported.shortname[:100])
            .first()
        )
        created = course is None
        # Changes to content learners already see wait for staff: they are staged, and
        # learners keep the approved version until then (``--publish`` approves at once).
        stage = course is not None and course.status == Course.Status.PUBLISHED and not publish
        staged: dict[str, Any] = dict(course.staged or {}) if course is not None else {}
        course_fields = {
            "title": imported.title[:255],
            "summary": imported.summary,
            "format": imported.format[:32],
            "language": imported.language[:8],
            "source": "moodle",
            "source_id": str(imported.source_id),
            "source_url": imported.original_url[:255],
            "source_release": imported.moodle_release[:64],
            "start_date": imported.start_date,
            "end_date": imported.end_date,
        }
        if course is None:
            course = Course.objects.create(
                institution=institution, shortname=imported.shortname[:100], **course_fields
            )
            course_changed = True
        elif merge:
            course_changed = False
        else:
            course_changed = any(
                getattr(course, key) != value for key, value in course_fields.items()
            )
            for key, value in course_fields.items():
                if stage and key in ("title", "summary"):
                    if getattr(course, key) != value:
                        staged[key] = value
                    else:
                        staged.pop(key, None)
                else:
                    setattr(course, key, value)
        if not merge:
            course.risks = _course_risks(imported, result.report)
        Blob.objects.bulk_create(
            [
                Blob(sha256=ref.sha256, size=ref.size)
                for ref in {r.sha256: r for r in _all_files(imported)}.values()
            ],
            ignore_conflicts=True,
        )
        sections = _save_sections(
            course, imported, now, merge=merge, staged=staged if stage else None
        )
        changes = _save_activities(
            course, imported, sections, now, merge=merge, stage=stage, approve=publish
        )
        question_changes = _save_questions(course, imported.question_bank, now, merge=merge)
        _save_files(
            course,
            _all_files(imported),
            _owners(course, imported),
            merge=merge,
            keep=_shown_while_waiting(course, staged) if stage else set(),
        )
        anything_changed = created or course_changed or changes.any or question_changes.any
        published = False
        course.staged = staged or None
        if publish:
            published = approve_everything(course, actor=actor, now=now)
        elif course.status == Course.Status.REJECTED and anything_changed:
            course.status = Course.Status.PENDING_REVIEW  # a new version of a rejected course
        course.imported_at = now
        course.save()
        outcome = ImportOutcome(
            course=course,
            report=result.report,
            created=created,
            changes=changes,
            question_changes=question_changes,
            published=published,
        )
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
                "activities": changes.as_json(),
                "questions": question_changes.as_json(),
                "skipped": len(result.report.skipped),
                "warnings": len(result.report.warnings),
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
        transaction.on_commit(lambda: reindex_course(course.pk), robust=True)
    return outcome


def _save_sections(
    course: Course,
    imported: model.Course,
    now: Any,
    *,
    merge: bool,
    staged: dict[str, Any] | None = None,
) -> dict[int, Section]:
    """Sections by number. With ``staged`` (a published course), new titles and summaries wait
    there for review instead of replacing what learners see."""
    existing = {section.source_key: section for section in Section.objects.filter(course=course)}
    by_number: dict[int, Section] = {}
    seen = set()
    for item in imported.sections:
        key = f"section-{item.source_id}"
        seen.add(key)
        values = {
            "position": item.number,
            "title": item.name[:255],
            "summary": item.summary,
            "visible": item.visible,
            "availability": item.availability,
            "retired_at": None,
        }
        section = existing.get(key)
        texts = {"title": values["title"], "summary": values["summary"]}
        if staged is not None:
            waiting = staged.setdefault("sections", {})
            current = (
                {"title": section.title, "summary": section.summary}
                if section
                else {"title": "", "summary": ""}
            )
            if texts != current:
                waiting[key] = texts
                values.update(current)
            else:
                waiting.pop(key, None)
            if not waiting:
                staged.pop("sections")
        if section is None:
            section = Section.objects.create(course=course, source_key=key, **values)
        elif merge:
            pass  # an activity backup knows its section's id, not its content
        elif any(getattr(section, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(section, name, value)
            section.save()
        by_number[item.number] = section
    for key, section in existing.items():
        if not merge and key not in seen and section.retired_at is None:
            section.retired_at = now
            section.visible = False
            section.save(update_fields=["retired_at", "visible"])
    if not by_number:
        by_number[0] = Section.objects.create(
            course=course, position=0, source_key="section-default"
        )
    return by_number


def _save_activities(
    course: Course,
    imported: model.Course,
    sections: dict[int, Section],
    now: Any,
    *,
    merge: bool,
    stage: bool = False,
    approve: bool = False,
) -> Changes:
    """Activities matched by source key. New and changed activities wait for review (unless
    ``approve``); with ``stage`` (a published course), the change to an approved activity
    waits in ``staged`` while learners keep its approved version."""
    changes = Changes()
    existing = {row.source_key: row for row in Activity.objects.filter(course=course)}
    positions: dict[str, int] = {}
    for imported_section in imported.sections:
        for position, key in enumerate(imported_section.activity_keys):
            positions.setdefault(key, position)
    fallback = sections[min(sections)]
    review = (
        {"review_status": Activity.Review.APPROVED, "reviewed_at": now}
        if approve
        else {"review_status": Activity.Review.PENDING, "reviewed_at": None}
    )
    new: list[Activity] = []
    changed: list[Activity] = []
    staged: list[Activity] = []
    moved: list[Activity] = []
    for number, source in enumerate(imported.activities):
        section = sections.get(source.section_number, fallback)
        position = positions.get(source.source_key, 10_000 + number)
        fields = _activity_fields(source)
        fingerprint = _fingerprint(fields)
        row = existing.get(source.source_key)
        if row is None:
            new.append(
                Activity(
                    course=course,
                    section=section,
                    position=position,
                    source_key=source.source_key,
                    fingerprint=fingerprint,
                    **fields,
                    **review,
                )
            )
            changes.added.append(source.title)
            continue
        current = row.retired_at is None
        waiting = (row.staged or {}).get("fingerprint")
        if current and (row.fingerprint == fingerprint or waiting == fingerprint):
            changes.unchanged.append(source.title)
            if row.fingerprint == fingerprint and row.staged is not None:
                row.staged = None  # the staged change was undone at the source
                staged.append(row)
            if (row.section_id, row.position) != (section.pk, position):
                row.section, row.position = section, position
                moved.append(row)
            continue
        row.section, row.position = section, position
        changes.updated.append(source.title)
        if stage and current and row.review_status == Activity.Review.APPROVED:
            row.staged = {**fields, "fingerprint": fingerprint}
            staged.append(row)
            continue
        for name, value in {**fields, **review}.items():
            setattr(row, name, value)
        row.fingerprint = fingerprint
        row.retired_at = None
        row.staged = None
        changed.append(row)
    Activity.objects.bulk_create(new, batch_size=500)
    Activity.objects.bulk_update(changed, ACTIVITY_UPDATE_FIELDS, batch_size=200)
    Activity.objects.bulk_update(staged, ["staged", "section", "position"], batch_size=200)
    Activity.objects.bulk_update(moved, ["section", "position"], batch_size=200)
    keys = {source.source_key for source in imported.activities}
    retire = [
        row
        for key, row in existing.items()
        if not merge and key not in keys and row.retired_at is None
    ]
    for row in retire:
        row.retired_at = now
        row.visible = False
        row.staged = None
        changes.retired.append(row.title)
    Activity.objects.bulk_update(retire, ["retired_at", "visible", "staged"], batch_size=200)
    return changes


ACTIVITY_UPDATE_FIELDS = [
    "section",
    "position",
    "fingerprint",
    "retired_at",
    "kind",
    "title",
    "intro",
    "content",
    "visible",
    "data",
    "availability",
    "completion",
    "external_links",
    "blob_id",
    "filename",
    "mimetype",
    "estimated_minutes",
    "tracks_completion",
    "risks",
    "review_status",
    "reviewed_at",
    "staged",
]


def _question_fields(question: ImportedQuestion) -> dict[str, Any]:
    return {
        "qtype": question.qtype[:32],
        "name": question.name[:255],
        "text": question.text,
        "general_feedback": question.general_feedback,
        "default_mark": question.default_mark,
        "penalty": question.penalty,
        "data": to_json(question.data),
        "hints": to_json(question.hints),
        "status": question.status,
        "bank_entry_id": question.bank_entry_id,
        "version": question.version,
        "idnumber": question.idnumber[:100],
        "external_links": list(question.external_links),
        "retired_at": None,
    }


QUESTION_UPDATE_FIELDS = [
    "category",
    "fingerprint",
    "qtype",
    "name",
    "text",
    "general_feedback",
    "default_mark",
    "penalty",
    "data",
    "hints",
    "status",
    "bank_entry_id",
    "version",
    "idnumber",
    "external_links",
    "retired_at",
]


def _save_categories(
    course: Course, bank: model.QuestionBank, now: Any, *, merge: bool
) -> dict[int, QuestionCategory]:
    categories = {row.source_id: row for row in QuestionCategory.objects.filter(course=course)}
    for source in bank.categories:
        values = {
            "name": source.name[:255],
            "info": source.info,
            "parent_source_id": source.parent_id,
            "position": source.sort_order,
            "retired_at": None,
        }
        row = categories.get(source.source_id)
        if row is None:
            categories[source.source_id] = QuestionCategory.objects.create(
                course=course, source_id=source.source_id, **values
            )
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            row.save()
    if not merge:
        QuestionCategory.objects.filter(course=course, retired_at__isnull=True).exclude(
            source_id__in=[source.source_id for source in bank.categories]
        ).update(retired_at=now)
    return categories


def _save_questions(course: Course, bank: model.QuestionBank, now: Any, *, merge: bool) -> Changes:
    changes = Changes()
    categories = _save_categories(course, bank, now, merge=merge)
    existing = {row.source_id: row for row in Question.objects.filter(course=course)}
    new: list[Question] = []
    changed: list[Question] = []
    for source in bank.questions:
        category = categories.get(source.category_id)
        if category is None:  # a question whose category the backup did not hold
            category = QuestionCategory.objects.get_or_create(
                course=course, source_id=-1, defaults={"name": "—"}
            )[0]
            categories[source.category_id] = category
        fields = _question_fields(source)
        fingerprint = digest({**fields, "category": category.source_id})
        row = existing.get(source.source_id)
        if row is None:
            new.append(
                Question(
                    course=course,
                    category=category,
                    source_id=source.source_id,
                    fingerprint=fingerprint,
                    **fields,
                )
            )
            changes.added.append(source.name)
        elif row.fingerprint == fingerprint:
            changes.unchanged.append(source.name)
        else:
            for name, value in fields.items():
                setattr(row, name, value)
            row.category = category
            row.fingerprint = fingerprint
            changed.append(row)
            changes.updated.append(source.name)
    Question.objects.bulk_create(new, batch_size=500)
    Question.objects.bulk_update(changed, QUESTION_UPDATE_FIELDS, batch_size=200)
    imported_ids = {source.source_id for source in bank.questions}
    retire = [
        row
        for source_id, row in existing.items()
        if not merge and source_id not in imported_ids and row.retired_at is None
    ]
    for row in retire:
        row.retired_at = now
        changes.retired.append(row.name)
    Question.objects.bulk_update(retire, ["retired_at"], batch_size=200)
    return changes


def _owners(course: Course, imported: model.Course) -> dict[int, int]:
    """File record -> the id of the activity it belongs to (learners reach it through that
    activity only)."""
    ids = dict(
        Activity.objects.filter(course=course, retired_at__isnull=True).values_list(
            "source_key", "id"
        )
    )
    return {
        ref.source_id: ids[activity.source_key]
        for activity in imported.activities
        if activity.source_key in ids
        for ref in activity.files
    }


def _shown_while_waiting(course: Course, staged: dict[str, Any]) -> set[str]:
    """The files the approved version of a course still shows while an update waits for
    review: those its staged activities and texts link to in their live version."""
    found: set[str] = set()
    waiting = Activity.objects.filter(
        course=course, retired_at__isnull=True, staged__isnull=False
    ).values_list("intro", "content", "data")
    for intro, content, data in waiting:
        found |= linked_blobs(intro) | linked_blobs(content) | linked_blobs(json.dumps(data))
    if staged:
        found |= linked_blobs(course.summary)
        for summary in Section.objects.filter(course=course).values_list("summary", flat=True):
            found |= linked_blobs(summary)
    return found


def _save_files(
    course: Course,
    refs: Iterable[FileRef],
    owners: dict[int, int],
    *,
    merge: bool,
    keep: Set[str] = frozenset(),
) -> None:
    """The course's file list is replaced as a whole (files have no identity of their own),
    except the rows of ``keep``'s blobs (files that content learners still see links to); an
    activity backup adds its files to the list."""
    refs = list(refs)
    if not merge:
        kept = keep - {ref.sha256 for ref in refs}
        CourseFile.objects.filter(course=course).exclude(blob_id__in=kept).delete()
    rows = {}
    for ref in refs:
        # One row per file record of the source (a record may be listed by several owners).
        rows[ref.source_id] = CourseFile(
            course=course,
            activity_id=owners.get(ref.source_id),
            blob_id=ref.sha256,
            filename=ref.filename[:255],
            filepath=ref.filepath[:1024],
            mimetype=ref.mimetype[:127],
            component=ref.component[:64],
            filearea=ref.filearea[:64],
            itemid=ref.itemid,
        )
    if merge:
        held = set(
            CourseFile.objects.filter(course=course).values_list(
                "blob_id", "filepath", "filename", "component", "filearea", "itemid", "activity_id"
            )
        )
        rows = {
            key: row
            for key, row in rows.items()
            if (
                row.blob_id,
                row.filepath,
                row.filename,
                row.component,
                row.filearea,
                row.itemid,
                row.activity_id,
            )
            not in held
        }
    CourseFile.objects.bulk_create(rows.values(), batch_size=1000)
