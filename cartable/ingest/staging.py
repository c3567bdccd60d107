"""A course read from a file, as the rows it would become: the *staged* version.

The importers (pure) give a course model; this module turns it into plain rows (a course's
fields, sections, activities, question categories and questions, and the files they use), each
with its source key and, for activities and questions, a fingerprint of its content. Staged
rows are JSON, so that an update of a course learners already see can wait for review as one
``Revision`` without touching a single live row; ``apply`` turns them into live rows.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from cartable.catalog.kinds import KINDS, kind_of
from cartable.importers import model
from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.jsonable import digest, to_json
from cartable.importers.questionfiles.base import QuestionFileResult
from cartable.importers.questions import Question as ImportedQuestion
from cartable.importers.questions import QuestionBank
from cartable.lib.risks import Finding, distinct, scan_file

DEFAULT_SECTION = "section-default"


@dataclass(frozen=True, slots=True)
class StagedSection:
    key: str
    position: int
    title: str
    summary: str
    visible: bool
    availability: Any


@dataclass(frozen=True, slots=True)
class StagedActivity:
    key: str
    section: str  # the section's key
    position: int
    fingerprint: str
    fields: dict[str, Any]  # the Activity columns that hold its content

    @property
    def title(self) -> str:
        return str(self.fields["title"])


@dataclass(frozen=True, slots=True)
class StagedCategory:
    source_id: int
    fields: dict[str, Any]


@dataclass(frozen=True, slots=True)
class StagedQuestion:
    source_id: int
    category: int  # the category's source id
    fingerprint: str
    fields: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.fields["name"])


@dataclass(frozen=True, slots=True)
class StagedFile:
    source_id: int  # the source's file record: one row each
    sha256: str
    size: int
    filename: str
    filepath: str
    mimetype: str
    component: str
    filearea: str
    itemid: int
    owner: str  # the source key of the activity it belongs to, "" for the course's own texts
    section: str = ""  # for a file of a section's summary: the section's key


@dataclass(frozen=True, slots=True)
class StagedCourse:
    """Everything an import would write, as plain values. ``partial``: a single activity's
    backup, which adds or updates its activity and says nothing about the rest."""

    source: str
    source_id: str
    shortname: str
    fields: dict[str, Any]  # title, summary, format, language, source_url, dates…
    risks: list[dict[str, Any]]
    partial: bool
    sections: tuple[StagedSection, ...]
    activities: tuple[StagedActivity, ...]
    categories: tuple[StagedCategory, ...]
    questions: tuple[StagedQuestion, ...]
    files: tuple[StagedFile, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, value: dict[str, Any]) -> StagedCourse:
        return cls(
            source=value["source"],
            source_id=value["source_id"],
            shortname=value["shortname"],
            fields=dict(value["fields"]),
            risks=list(value["risks"]),
            partial=bool(value["partial"]),
            sections=tuple(StagedSection(**item) for item in value["sections"]),
            activities=tuple(StagedActivity(**item) for item in value["activities"]),
            categories=tuple(StagedCategory(**item) for item in value["categories"]),
            questions=tuple(StagedQuestion(**item) for item in value["questions"]),
            files=tuple(StagedFile(**item) for item in value["files"]),
        )

    def course_fields(self) -> dict[str, Any]:
        """The course's columns, dates as datetimes again."""
        values = dict(self.fields)
        for name in ("start_date", "end_date"):
            if isinstance(values.get(name), str):
                values[name] = datetime.fromisoformat(values[name])
        return values

    def blobs(self) -> set[str]:
        return {item.sha256 for item in self.files} | {
            item.fields["blob_id"] for item in self.activities if item.fields.get("blob_id")
        }


# --- From the importer's model ---------------------------------------------------------------


def stage(result: model.ImportResult, *, large_file_bytes: int) -> StagedCourse:
    """The rows a course model becomes (``large_file_bytes``: the review's size threshold)."""
    imported = result.course
    positions: dict[str, tuple[str, int]] = {}
    sections = []
    for item in imported.sections:
        key = f"section-{item.source_id}"
        sections.append(
            StagedSection(
                key=key,
                position=item.number,
                title=item.name[:255],
                summary=item.summary,
                visible=item.visible,
                availability=item.availability,
            )
        )
        for position, activity_key in enumerate(item.activity_keys):
            positions.setdefault(activity_key, (key, position))
    if not sections and imported.backup_type != "activity":
        sections.append(StagedSection(DEFAULT_SECTION, 0, "", "", True, None))
    by_number = {item.number: f"section-{item.source_id}" for item in imported.sections}
    fallback = by_number[min(by_number)] if by_number else DEFAULT_SECTION
    activities = []
    for number, source in enumerate(imported.activities):
        section, position = positions.get(
            source.source_key,
            (by_number.get(source.section_number, fallback), 10_000 + number),
        )
        fields = activity_fields(source, large_file_bytes=large_file_bytes)
        activities.append(
            StagedActivity(
                key=source.source_key,
                section=section,
                position=position,
                fingerprint=content_digest(fields),
                fields=fields,
            )
        )
    categories, questions = bank_rows(imported.question_bank)
    return StagedCourse(
        source="moodle",
        source_id=str(imported.source_id),
        shortname=imported.shortname[:100],
        fields={
            "title": imported.title[:255],
            "summary": imported.summary,
            "format": imported.format[:32],
            "language": imported.language[:8],
            "source_url": imported.original_url[:255],
            "source_release": imported.moodle_release[:64],
            "start_date": imported.start_date.isoformat() if imported.start_date else None,
            "end_date": imported.end_date.isoformat() if imported.end_date else None,
        },
        risks=course_risks(imported, result.report, large_file_bytes=large_file_bytes),
        partial=imported.backup_type == "activity",
        sections=tuple(sections),
        activities=tuple(activities),
        categories=categories,
        questions=questions,
        files=_files(imported),
    )


def bank_rows(bank: QuestionBank) -> tuple[tuple[StagedCategory, ...], tuple[StagedQuestion, ...]]:
    """The rows of a question bank: its categories, and its questions (a cloze question's
    parts inside it)."""
    categories = tuple(
        StagedCategory(
            source_id=source.source_id,
            fields={
                "name": source.name[:255],
                "info": source.info,
                "parent_source_id": source.parent_id,
                "position": source.sort_order,
            },
        )
        for source in bank.categories
    )
    questions = []
    for question in bank.questions:
        values = question_fields(question)
        questions.append(
            StagedQuestion(
                source_id=question.source_id,
                category=question.category_id,
                # "retired_at" stays in the digest: fingerprints already stored include it.
                fingerprint=digest(
                    {**values, "retired_at": None, "category": question.category_id}
                ),
                fields=values,
            )
        )
    return categories, tuple(questions)


def stage_question_file(
    result: QuestionFileResult,
    *,
    source: str,
    source_id: str,
    shortname: str,
    large_file_bytes: int,
) -> StagedCourse:
    """The rows a question file adds to the bank of the course known by (``source``,
    ``source_id``): its categories, questions and files, and nothing else (``partial``)."""
    bank = result.bank
    categories, questions = bank_rows(bank)
    risks = risk_rows(
        result.findings,
        max_bytes=large_file_bytes,
        where=Text(gettext_noop("question categories")),
    )
    for skipped in result.report.skipped:
        risks += risk_rows(skipped.findings, max_bytes=large_file_bytes, where=skipped.what)
    refs: dict[int, FileRef] = {}
    for question in bank.walk():
        risks += risk_rows(
            question.findings, question.files, max_bytes=large_file_bytes, where=question.name
        )
        refs.update((ref.source_id, ref) for ref in question.files)
    return StagedCourse(
        source=source,
        source_id=source_id,
        shortname=shortname,
        fields={},
        risks=risks,
        partial=True,
        sections=(),
        activities=(),
        categories=categories,
        questions=questions,
        files=tuple(_file_row(ref, "", "") for ref in refs.values()),
    )


# Fields kept since activities were first staged, with the value an activity staged before
# them has (left out of the digest at that value: they do not make old activities "changed").
LATER_FIELDS: dict[str, Any] = {"idnumber": "", "grade_idnumber": "", "grade_hidden": 0}


def content_digest(fields: dict[str, Any]) -> str:
    """What tells a changed activity from an unchanged one: its content, not what the review
    found in it (a better scanner does not make every activity "changed")."""
    return digest(
        {
            name: value
            for name, value in fields.items()
            # Unset later fields leave the digest of activities imported before they were kept.
            if name != "risks" and not (name in LATER_FIELDS and value == LATER_FIELDS[name])
        }
    )


def activity_fields(activity: model.Activity, *, large_file_bytes: int) -> dict[str, Any]:
    """The Activity columns an imported activity fills. Where it sits (section, position) is
    not among them: moving an activity does not make it a changed one."""
    content = activity.content
    kind = kind_of(activity.modname)
    completion = to_json(activity.completion)
    assert isinstance(completion, dict)
    fields: dict[str, Any] = {
        "kind": kind.name if activity.modname in KINDS else "page",
        "title": activity.title[:255],
        "intro": activity.intro,
        "content": content.content if isinstance(content, model.PageContent) else "",
        "visible": activity.visible,
        "data": {}
        if isinstance(content, model.PageContent | model.LabelContent)
        else to_json(content),
        "availability": activity.availability,
        "completion": completion,
        "completion_mode": kind.completion_mode(completion),
        "external_links": list(activity.external_links),
        "idnumber": activity.idnumber[:100],
        "grade_idnumber": activity.grade_idnumber[:100],
        "grade_hidden": activity.grade_hidden,
        "blob_id": None,
        "filename": "",
        "mimetype": "",
    }
    fields["estimated_minutes"] = kind.estimate(
        intro=fields["intro"],
        content=fields["content"],
        data=content if kind.data is not None and isinstance(content, kind.data) else None,
    )
    if isinstance(content, model.ResourceContent) and content.main_file is not None:
        main = content.main_file
        fields.update(
            blob_id=main.sha256, filename=main.filename[:255], mimetype=main.mimetype[:127]
        )
    fields["risks"] = risk_rows(activity.findings, activity.files, max_bytes=large_file_bytes)
    return fields


def question_fields(question: ImportedQuestion) -> dict[str, Any]:
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
    }


def course_risks(
    imported: model.Course, report: model.ImportReport, *, large_file_bytes: int
) -> list[dict[str, Any]]:
    """What the course's own texts hold, and its sections' and questions' (the activities
    keep their own), and what the items the import skipped held."""
    rows = risk_rows(imported.findings, max_bytes=large_file_bytes)
    for skipped in report.skipped:
        rows += risk_rows(skipped.findings, max_bytes=large_file_bytes, where=skipped.what)
    for section in imported.sections:
        rows += risk_rows(
            section.findings,
            section.files,
            max_bytes=large_file_bytes,
            where=section.name or f"#{section.number}",
        )
    for question in imported.question_bank.walk():
        rows += risk_rows(
            question.findings, question.files, max_bytes=large_file_bytes, where=question.name
        )
    return rows


def risk_rows(
    findings: Iterable[Finding],
    files: Iterable[FileRef] = (),
    *,
    max_bytes: int,
    where: str | Text = "",
) -> list[dict[str, Any]]:
    """Findings as the database keeps them, with the files' own (type, size)."""
    found = list(findings)
    for ref in {ref.sha256 + ref.filename: ref for ref in files}.values():
        found += scan_file(ref.filename, ref.mimetype, ref.size, max_bytes=max_bytes)
    rows: list[dict[str, Any]] = [
        {"kind": item.kind, "detail": item.detail} for item in distinct(found)
    ]
    if where:
        for row in rows:
            row["where"] = str(where)
            if isinstance(where, Text):  # shown in the reader's language
                row["where_text"] = where.as_json()
    return rows


def all_files(imported: model.Course) -> list[FileRef]:
    """Every file the course model uses (the same record may appear more than once)."""
    refs: list[FileRef] = list(imported.files)
    for activity in imported.activities:
        refs.extend(activity.files)
    for question in imported.question_bank.walk():
        refs.extend(question.files)
    return refs


def _files(imported: model.Course) -> tuple[StagedFile, ...]:
    owners = {ref.source_id: item.source_key for item in imported.activities for ref in item.files}
    sections = {
        ref.source_id: f"section-{item.source_id}"
        for item in imported.sections
        for ref in item.files
    }
    rows: dict[int, StagedFile] = {}
    for ref in all_files(imported):
        rows[ref.source_id] = _file_row(
            ref,
            owners.get(ref.source_id, ""),
            "" if ref.source_id in owners else sections.get(ref.source_id, ""),
        )
    return tuple(rows.values())


def _file_row(ref: FileRef, owner: str, section: str) -> StagedFile:
    return StagedFile(
        source_id=ref.source_id,
        sha256=ref.sha256,
        size=ref.size,
        filename=ref.filename[:255],
        filepath=ref.filepath[:1024],
        mimetype=ref.mimetype[:127],
        component=ref.component[:64],
        filearea=ref.filearea[:64],
        itemid=ref.itemid,
        owner=owner,
        section=section,
    )
