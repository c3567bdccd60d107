"""Staged rows made live: the only code that writes a course's sections, activities, questions
and file list from an imported version. Runs inside the caller's transaction.

``mode`` says what new and changed activities become: ``pending`` (a course learners do not
see yet: staff approve each before publishing), or ``approved`` (staff's explicit approval:
``--publish``, or an approved update). ``decisions`` are staff's per-activity decisions on an
update: a rejected change keeps the approved version (and its files), a rejected new activity
is kept as rejected, a rejected removal keeps the activity.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Literal

from cartable.accounts.models import User
from cartable.catalog.models import (
    Activity,
    Blob,
    Course,
    CourseFile,
    Question,
    QuestionCategory,
    Section,
)
from cartable.importers.questionfiles.ids import COMPONENT_PREFIX
from cartable.ingest import plan as plans
from cartable.ingest.staging import (
    DEFAULT_SECTION,
    LATER_FIELDS,
    StagedActivity,
    StagedCourse,
    StagedFile,
)
from cartable.jobs import followups
from cartable.search.index import REINDEX

Mode = Literal["pending", "approved"]

ACTIVITY_CONTENT_FIELDS = [
    "kind",
    "title",
    "intro",
    "content",
    "visible",
    "data",
    "availability",
    "completion",
    "external_links",
    "idnumber",
    "grade_idnumber",
    "grade_hidden",
    "blob_id",
    "filename",
    "mimetype",
    "estimated_minutes",
    "completion_mode",
    "risks",
]
ACTIVITY_UPDATE_FIELDS = [
    *ACTIVITY_CONTENT_FIELDS,
    "section",
    "position",
    "fingerprint",
    "retired_at",
    "review_status",
    "reviewed_at",
    "reviewed_by",
]
# A question's own content: what a course bundle carries for it (cartable.exchange.courses).
QUESTION_CONTENT_FIELDS = [
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
]
QUESTION_UPDATE_FIELDS = ["category", "fingerprint", *QUESTION_CONTENT_FIELDS, "retired_at"]


def rejects(decisions: Mapping[str, Any], key: str) -> bool:
    decision = decisions.get(key)
    return decision is not None and not decision.get("approve")


def approves(decisions: Mapping[str, Any], key: str) -> bool:
    decision = decisions.get(key)
    return decision is not None and bool(decision.get("approve"))


def apply(
    course: Course,
    staged: StagedCourse,
    *,
    now: datetime,
    mode: Mode,
    actor: User | None = None,
    decisions: Mapping[str, Any] | None = None,
) -> None:
    """Make ``staged`` the live version of ``course`` (saved already)."""
    decisions = decisions or {}
    if not staged.partial:
        for name, value in staged.course_fields().items():
            setattr(course, name, value)
        course.risks = staged.risks
        course.save(update_fields=[*staged.fields, "risks", "updated_at"])
    elif merged := _added_risks(course, staged):
        course.risks = merged  # what an addition brings joins what the review knows
        course.save(update_fields=["risks", "updated_at"])
    save_blobs(staged)
    sections = _save_sections(course, staged)
    kept = _save_activities(
        course, staged, sections, now=now, mode=mode, actor=actor, decisions=decisions
    )
    if not staged.partial:
        _retire_sections(course, staged, now)
    _save_questions(course, staged, now)
    _save_files(course, staged, kept=kept)
    followups.add(REINDEX, {"course": course.pk})


def _added_risks(course: Course, staged: StagedCourse) -> list[Any] | None:
    """The course's findings with those of a partial version added, if it brings new ones."""
    held = list(course.risks or [])
    new = [row for row in staged.risks if row not in held]
    return [*held, *new] if new else None


def apply_activity(
    course: Course, staged: StagedCourse, key: str, *, now: datetime, actor: User | None
) -> Activity | None:
    """Approve the new content of one activity already live (its place follows the update
    as a whole); None when the activity is not on the box."""
    item = next((item for item in staged.activities if item.key == key), None)
    row = Activity.objects.filter(course=course, source_key=key, retired_at__isnull=True).first()
    if item is None or row is None:
        return None
    save_blobs(staged)
    _set_content(row, item)
    _approve(row, now=now, actor=actor)
    row.save(
        update_fields=[
            *ACTIVITY_CONTENT_FIELDS,
            "fingerprint",
            "review_status",
            "reviewed_at",
            "reviewed_by",
            "updated_at",
        ]
    )
    CourseFile.objects.filter(course=course, activity=row).delete()
    CourseFile.objects.bulk_create(
        [_file_row(course, ref, row.pk) for ref in staged.files if ref.owner == key],
        batch_size=1000,
    )
    followups.add(REINDEX, {"course": course.pk})
    return row


def save_blobs(staged: StagedCourse) -> None:
    sizes = {ref.sha256: ref.size for ref in staged.files}
    Blob.objects.bulk_create(
        [Blob(sha256=sha256, size=size) for sha256, size in sizes.items()],
        ignore_conflicts=True,
        batch_size=1000,
    )


def _save_sections(course: Course, staged: StagedCourse) -> dict[str, Section]:
    """Current sections by key, with the staged ones created or updated."""
    matched = plans.match_sections(course, staged)
    for item in matched.added:
        Section.objects.create(
            course=course,
            source_key=item.key,
            position=item.position,
            title=item.title,
            summary=item.summary,
            visible=item.visible,
            availability=item.availability,
        )
    for row, item in matched.changed:
        if staged.partial and row.retired_at is None:
            continue  # an activity's backup knows its section's id, not its content
        row.position, row.title, row.summary = item.position, item.title, item.summary
        row.visible, row.availability, row.retired_at = item.visible, item.availability, None
        row.save()
    current = {
        row.source_key: row
        for row in Section.objects.filter(course=course, retired_at__isnull=True)
    }
    if not current:
        current[DEFAULT_SECTION] = Section.objects.create(
            course=course, position=0, source_key=DEFAULT_SECTION
        )
    return current


def _section_of(item: StagedActivity, sections: dict[str, Section]) -> Section:
    found = sections.get(item.section)
    if found is not None:
        return found
    return min(sections.values(), key=lambda section: section.position)


def _set_content(row: Activity, item: StagedActivity) -> None:
    for name in ACTIVITY_CONTENT_FIELDS:
        # A version staged before a later field was kept has none.
        if name in LATER_FIELDS:
            setattr(row, name, item.fields.get(name, LATER_FIELDS[name]))
        else:
            setattr(row, name, item.fields[name])
    row.fingerprint = item.fingerprint


def _approve(row: Activity, *, now: datetime, actor: User | None) -> None:
    row.review_status = Activity.Review.APPROVED
    row.reviewed_at = now
    row.reviewed_by = actor


def _save_activities(
    course: Course,
    staged: StagedCourse,
    sections: dict[str, Section],
    *,
    now: datetime,
    mode: Mode,
    actor: User | None,
    decisions: Mapping[str, Any],
) -> set[str]:
    """Returns the keys of the activities whose live content a decision kept."""
    matched = plans.match_activities(course, staged)
    kept: set[str] = set()
    new = []
    for item in matched.added:
        row = Activity(course=course, source_key=item.key, created_at=now)
        _set_content(row, item)
        row.section = _section_of(item, sections)
        row.position = item.position
        if rejects(decisions, item.key):
            row.review_status = Activity.Review.REJECTED
            row.review_comment = decisions[item.key].get("comment", "")
            row.reviewed_at = now
            row.reviewed_by = actor
        elif mode == "approved" or approves(decisions, item.key):
            _approve(row, now=now, actor=actor)
        else:
            row.review_status = Activity.Review.PENDING
        new.append(row)
    Activity.objects.bulk_create(new, batch_size=500)
    changed = []
    for row, item in matched.changed:
        if rejects(decisions, item.key):
            kept.add(item.key)
            if row.retired_at is not None:
                continue
        else:
            _set_content(row, item)
            row.updated_at = now
            row.retired_at = None
            if mode == "approved" or approves(decisions, item.key):
                _approve(row, now=now, actor=actor)
            else:
                row.review_status = Activity.Review.PENDING
                row.reviewed_at = None
        row.section = _section_of(item, sections)
        row.position = item.position
        changed.append(row)
    for row, item in matched.unchanged:
        section = _section_of(item, sections)
        moved = (row.section_id, row.position) != (section.pk, item.position)
        if moved or row.risks != item.fields["risks"]:  # the findings are the review's, not content
            row.section, row.position, row.risks = section, item.position, item.fields["risks"]
            changed.append(row)
    for row in matched.retired:
        if rejects(decisions, row.source_key):
            kept.add(row.source_key)
            continue
        row.retired_at = now
        row.visible = False
        row.updated_at = now
        changed.append(row)
    # A move is no change of content: ``updated_at`` says when the content last changed.
    Activity.objects.bulk_update(changed, [*ACTIVITY_UPDATE_FIELDS, "updated_at"], batch_size=200)
    return kept


def _retire_sections(course: Course, staged: StagedCourse, now: datetime) -> None:
    """Sections the new version no longer holds, unless an activity staff kept is still in
    one (staff rejected its removal)."""
    wanted = {item.key for item in staged.sections}
    occupied = set(
        Activity.objects.filter(course=course, retired_at__isnull=True).values_list(
            "section_id", flat=True
        )
    )
    Section.objects.filter(course=course, retired_at__isnull=True).exclude(
        source_key__in=wanted
    ).exclude(pk__in=occupied).update(retired_at=now, visible=False)


def _save_questions(course: Course, staged: StagedCourse, now: datetime) -> None:
    categories = plans.match_categories(course, staged)
    for item in categories.added:
        QuestionCategory.objects.create(course=course, source_id=item.source_id, **item.fields)
    for row, item in categories.changed:
        for name, value in item.fields.items():
            setattr(row, name, value)
        row.retired_at = None
        row.save()
    QuestionCategory.objects.filter(pk__in=[row.pk for row in categories.retired]).update(
        retired_at=now
    )
    by_source = {row.source_id: row for row in QuestionCategory.objects.filter(course=course)}
    questions = plans.match_questions(course, staged)

    def category(source_id: int) -> QuestionCategory:
        found = by_source.get(source_id)
        if found is None:  # a question whose category the backup did not hold
            found = QuestionCategory.objects.get_or_create(
                course=course, source_id=-1, defaults={"name": "—"}
            )[0]
            by_source[source_id] = found
        return found

    Question.objects.bulk_create(
        [
            Question(
                course=course,
                category=category(item.category),
                source_id=item.source_id,
                fingerprint=item.fingerprint,
                **item.fields,
            )
            for item in questions.added
        ],
        batch_size=500,
    )
    changed_questions = []
    for question, staged_question in questions.changed:
        for name, value in staged_question.fields.items():
            setattr(question, name, value)
        question.category = category(staged_question.category)
        question.fingerprint = staged_question.fingerprint
        question.retired_at = None
        changed_questions.append(question)
    Question.objects.bulk_update(changed_questions, QUESTION_UPDATE_FIELDS, batch_size=200)
    Question.objects.filter(pk__in=[row.pk for row in questions.retired]).update(retired_at=now)


def _file_row(
    course: Course, ref: StagedFile, activity_id: int | None, section_id: int | None = None
) -> CourseFile:
    return CourseFile(
        course=course,
        activity_id=activity_id,
        section_id=section_id,
        blob_id=ref.sha256,
        filename=ref.filename,
        filepath=ref.filepath,
        mimetype=ref.mimetype,
        component=ref.component,
        filearea=ref.filearea,
        itemid=ref.itemid,
    )


def _save_files(course: Course, staged: StagedCourse, *, kept: set[str]) -> None:
    """The course's file list follows the new version, except the files of the activities
    whose approved content staff kept; a single activity's backup adds its files."""
    ids = dict(
        Activity.objects.filter(course=course, retired_at__isnull=True).values_list(
            "source_key", "id"
        )
    )
    sections = dict(
        Section.objects.filter(course=course, retired_at__isnull=True).values_list(
            "source_key", "id"
        )
    )
    rows = [
        _file_row(
            course,
            ref,
            ids.get(ref.owner) if ref.owner else None,  # "": the course's own
            sections.get(ref.section) if ref.section else None,
        )
        for ref in staged.files
        if ref.owner not in kept
    ]
    if staged.partial:
        held = plans.file_rows(course)
        rows = [
            row
            for row in rows
            if (
                row.blob_id,
                row.filename,
                row.filepath,
                row.component,
                row.filearea,
                row.itemid,
                row.activity_id,
                row.section_id,
            )
            not in held
        ]
    else:
        keep_ids = [ids[key] for key in kept if key in ids]
        # The files question files brought stay with their questions (see ``plan``).
        CourseFile.objects.filter(course=course).exclude(activity_id__in=keep_ids).exclude(
            component__startswith=COMPONENT_PREFIX
        ).delete()
    CourseFile.objects.bulk_create(rows, batch_size=1000)
