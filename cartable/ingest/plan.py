"""What a staged version changes in the live course: read by the import's report (how many
activities were added, changed, kept, removed), by the review pages (what staff decide on)
and by ``apply`` (what to write).

The questions, categories and files a question file added to a course are the box's own: a
whole new version of the course (which reconciles everything else by its source's ids) neither
changes nor retires them (``from_source``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from cartable.catalog.models import (
    MADE_ON_BOX,
    Activity,
    Course,
    CourseFile,
    Question,
    QuestionCategory,
    Section,
)
from cartable.importers.questionfiles.ids import COMPONENT_PREFIX, from_question_file
from cartable.ingest.reconcile import Matched, reconcile
from cartable.ingest.staging import (
    StagedActivity,
    StagedCategory,
    StagedCourse,
    StagedQuestion,
    StagedSection,
)

# The course's columns an update may change, in the order staff read them.
COURSE_FIELDS = (
    "title",
    "summary",
    "format",
    "language",
    "start_date",
    "end_date",
    "source_url",
    "source_release",
)
SECTION_FIELDS = ("title", "summary", "visible", "availability", "position")


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
class SectionChange:
    key: str
    state: Literal["new", "changed", "retired"]
    live: Section | None
    staged: StagedSection | None
    fields: list[str] = field(default_factory=list)  # for "changed": which of SECTION_FIELDS

    @property
    def title(self) -> str:
        if self.staged is not None and self.staged.title:
            return self.staged.title
        if self.live is not None and self.live.title:
            return self.live.title
        position = self.staged.position if self.staged else self.live.position if self.live else 0
        return f"#{position}"


@dataclass
class ActivityChange:
    key: str
    # new: not on the box; changed: its content differs (or it comes back); moved: same
    # content, another place; retired: the new version no longer holds it.
    state: Literal["new", "changed", "moved", "retired"]
    live: Activity | None
    staged: StagedActivity | None

    @property
    def title(self) -> str:
        if self.staged is not None:
            return self.staged.title
        assert self.live is not None
        return self.live.title


@dataclass
class Plan:
    staged: StagedCourse
    course_fields: list[str] = field(default_factory=list)
    sections: list[SectionChange] = field(default_factory=list)
    activities: list[ActivityChange] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)  # activities' titles
    questions: Changes = field(default_factory=Changes)
    categories_changed: bool = False
    files_changed: bool = False

    @property
    def is_empty(self) -> bool:
        """Nothing a reader of the course would see differently (findings aside)."""
        return not (
            self.course_fields
            or self.sections
            or self.activities
            or self.questions.any
            or self.categories_changed
            or self.files_changed
        )

    def changes(self) -> Changes:
        """The activities, as the import's report counts them (a moved activity is unchanged)."""
        found = Changes(unchanged=list(self.unchanged))
        for change in self.activities:
            if change.state == "new":
                found.added.append(change.title)
            elif change.state == "changed":
                found.updated.append(change.title)
            elif change.state == "retired":
                found.retired.append(change.title)
            else:
                found.unchanged.append(change.title)
        return found

    def activity(self, key: str) -> ActivityChange | None:
        return next((change for change in self.activities if change.key == key), None)

    def decided_items(self) -> list[ActivityChange]:
        """The changes staff decide one by one: every activity change but a move."""
        return [change for change in self.activities if change.state != "moved"]


def match_sections(course: Course | None, staged: StagedCourse) -> Matched[Section, StagedSection]:
    existing = (
        {row.source_key: row for row in Section.objects.filter(course=course)} if course else {}
    )
    return reconcile(
        existing,
        staged.sections,
        key=lambda item: item.key,
        same=lambda row, item: _section_fields(row, item) == [],
        current=lambda row: row.retired_at is None,
        partial=staged.partial,
    )


def match_activities(
    course: Course | None, staged: StagedCourse, *, full: bool = True
) -> Matched[Activity, StagedActivity]:
    """``full``: read the activities' texts too (for the review's line-by-line changes)."""
    # Activities made on the box (a quiz a teacher built) are not the source's to change.
    rows = (
        Activity.objects.filter(course=course)
        .exclude(source_key__startswith=MADE_ON_BOX)
        .select_related("section")
        if course
        else None
    )
    if rows is not None and not full:
        rows = rows.only(
            "id",
            "title",
            "fingerprint",
            "retired_at",
            "position",
            "review_status",
            "section__source_key",
            "section__position",
        )
    existing = {row.source_key: row for row in rows} if rows is not None else {}
    return reconcile(
        existing,
        staged.activities,
        key=lambda item: item.key,
        same=lambda row, item: row.fingerprint == item.fingerprint,
        current=lambda row: row.retired_at is None,
        partial=staged.partial,
    )


def from_source(staged: StagedCourse, source_id: int) -> bool:
    """Whether a live question or category is one ``staged`` may change or retire: any when
    it adds to the course (a question file, an activity's backup), else those of its source."""
    return staged.partial or not from_question_file(source_id)


def match_categories(
    course: Course | None, staged: StagedCourse
) -> Matched[QuestionCategory, StagedCategory]:
    existing = (
        {
            row.source_id: row
            for row in QuestionCategory.objects.filter(course=course)
            if from_source(staged, row.source_id)
        }
        if course
        else {}
    )
    return reconcile(
        existing,
        staged.categories,
        key=lambda item: item.source_id,
        same=lambda row, item: all(
            getattr(row, name) == value for name, value in item.fields.items()
        ),
        current=lambda row: row.retired_at is None,
        partial=staged.partial,
    )


def match_questions(
    course: Course | None, staged: StagedCourse
) -> Matched[Question, StagedQuestion]:
    existing = (
        {
            row.source_id: row
            for row in Question.objects.filter(course=course).only(
                "id", "source_id", "name", "fingerprint", "retired_at"
            )
            if from_source(staged, row.source_id)
        }
        if course
        else {}
    )
    return reconcile(
        existing,
        staged.questions,
        key=lambda item: item.source_id,
        same=lambda row, item: row.fingerprint == item.fingerprint,
        current=lambda row: row.retired_at is None,
        partial=staged.partial,
    )


def _section_fields(row: Section, item: StagedSection) -> list[str]:
    return [name for name in SECTION_FIELDS if getattr(row, name) != getattr(item, name)]


def file_rows(course: Course, *, question_files: bool = True) -> set[tuple[Any, ...]]:
    """The course's file list; ``question_files``: with the files question files brought."""
    rows = CourseFile.objects.filter(course=course)
    if not question_files:
        rows = rows.exclude(component__startswith=COMPONENT_PREFIX)
    return set(
        rows.values_list(
            "blob_id",
            "filename",
            "filepath",
            "component",
            "filearea",
            "itemid",
            "activity_id",
            "section_id",
        )
    )


def compute(course: Course | None, staged: StagedCourse, *, full: bool = True) -> Plan:
    """What applying ``staged`` to ``course`` (None: a course not on the box yet) changes."""
    plan = Plan(staged=staged)
    if course is not None and not staged.partial:
        values = staged.course_fields()
        plan.course_fields = [
            name for name in COURSE_FIELDS if getattr(course, name) != values.get(name)
        ]
    sections = match_sections(course, staged)
    plan.sections = [SectionChange(item.key, "new", None, item) for item in sections.added]
    plan.sections += [
        SectionChange(row.source_key, "new", row, item)
        if row.retired_at is not None
        else SectionChange(row.source_key, "changed", row, item, _section_fields(row, item))
        for row, item in sections.changed
    ]
    plan.sections += [
        SectionChange(row.source_key, "retired", row, None) for row in sections.retired
    ]
    activities = match_activities(course, staged, full=full)
    plan.activities = [ActivityChange(item.key, "new", None, item) for item in activities.added]
    plan.activities += [
        ActivityChange(row.source_key, "changed", row, item) for row, item in activities.changed
    ]
    for row, item in activities.unchanged:
        if (row.section.source_key, row.position) != (item.section, item.position):
            plan.activities.append(ActivityChange(row.source_key, "moved", row, item))
        else:
            plan.unchanged.append(item.title)
    plan.activities += [
        ActivityChange(row.source_key, "retired", row, None) for row in activities.retired
    ]
    questions = match_questions(course, staged)
    plan.questions = Changes(
        added=[item.name for item in questions.added],
        updated=[item.name for _row, item in questions.changed],
        unchanged=[item.name for _row, item in questions.unchanged],
        retired=[row.name for row in questions.retired],
    )
    categories = match_categories(course, staged)
    plan.categories_changed = bool(categories.added or categories.changed or categories.retired)
    if course is not None and not plan.activities and not plan.sections:
        # Same texts and activities: the files can still differ (a file no text links to).
        plan.files_changed = _files_differ(course, staged)
    return plan


def _files_differ(course: Course, staged: StagedCourse) -> bool:
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
    wanted = {
        (
            f.sha256,
            f.filename,
            f.filepath,
            f.component,
            f.filearea,
            f.itemid,
            ids.get(f.owner) if f.owner else None,
            sections.get(f.section) if f.section else None,
        )
        for f in staged.files
    }
    if staged.partial:
        return not wanted <= file_rows(course)
    return wanted != file_rows(course, question_files=False)
