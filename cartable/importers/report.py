"""What an import found, skipped and worried about: shown to staff before they approve a course."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cartable.importers.common import JsonValue, Text
from cartable.lib.risks import Finding


@dataclass(frozen=True, slots=True)
class Skipped:
    """Something the source held that Cartable did not import, and why."""

    kind: str  # "activity", "question", "file", "section"
    key: str  # "<modname or qtype>-<source id>", e.g. "studentquiz-12"
    what: Text  # for people: "activity 'Quiz 1' (studentquiz)"
    reason: Text
    # What its text held (it never reaches learners, but staff may want to know).
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class FileStats:
    records: int = 0  # file records imported (one blob may back several)
    blobs: int = 0  # distinct contents
    bytes: int = 0  # size of the distinct contents


@dataclass(frozen=True, slots=True)
class ImportReport:
    format: str
    moodle_release: str
    backup_release: str
    backup_type: str
    course_title: str
    course_shortname: str
    sections: int
    activities: Mapping[str, int]  # count by module name
    questions: Mapping[str, int]  # by question type: every version, not cloze subquestions
    files: FileStats
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[Text, ...] = ()
    external_links: int = 0
    has_user_data: bool = False

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "format": self.format,
            "moodle_release": self.moodle_release,
            "backup_release": self.backup_release,
            "backup_type": self.backup_type,
            "course": {"title": self.course_title, "shortname": self.course_shortname},
            "sections": self.sections,
            "activities": dict(sorted(self.activities.items())),
            "questions": dict(sorted(self.questions.items())),
            "files": {
                "records": self.files.records,
                "blobs": self.files.blobs,
                "bytes": self.files.bytes,
            },
            **notes_json(self.skipped, self.warnings),
            "external_links": self.external_links,
            "has_user_data": self.has_user_data,
        }


@dataclass(frozen=True, slots=True)
class QuestionFileReport:
    """What a question file (Moodle XML, GIFT) held: its questions by type (a cloze question
    counts once, its parts in it), its categories and files, and what was left out."""

    format: str
    categories: int
    questions: Mapping[str, int]  # by question type, as the course backups name them
    files: FileStats
    skipped: tuple[Skipped, ...] = ()
    warnings: tuple[Text, ...] = ()
    external_links: int = 0

    def to_json(self) -> dict[str, JsonValue]:
        return {
            "format": self.format,
            "categories": self.categories,
            "questions": dict(sorted(self.questions.items())),
            "files": {
                "records": self.files.records,
                "blobs": self.files.blobs,
                "bytes": self.files.bytes,
            },
            **notes_json(self.skipped, self.warnings),
            "external_links": self.external_links,
        }


def notes_json(skipped: tuple[Skipped, ...], warnings: tuple[Text, ...]) -> dict[str, JsonValue]:
    """What was skipped and the warnings, in English; "texts" and "warning_texts" let a page
    show them in its language."""
    return {
        "skipped": [
            {
                "kind": s.kind,
                "key": s.key,
                "what": str(s.what),
                "reason": str(s.reason),
                "texts": {"what": s.what.as_json(), "reason": s.reason.as_json()},
            }
            for s in skipped
        ],
        "warnings": [str(warning) for warning in warnings],
        "warning_texts": [warning.as_json() for warning in warnings],
    }
