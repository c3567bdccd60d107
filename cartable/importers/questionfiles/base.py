"""What every question-file reader shares: its limits, its result and its refusals."""

from __future__ import annotations

from dataclasses import dataclass, field

from cartable.importers.common import ImporterError, Text
from cartable.importers.questions import QuestionBank
from cartable.importers.report import QuestionFileReport
from cartable.lib.archive import ArchiveLimits, MiB
from cartable.lib.risks import Finding


@dataclass(frozen=True, slots=True)
class QuestionFileLimits:
    """``max_bytes``: the largest question file read (the readers hold one question, and so
    one embedded file, in memory at a time); ``max_questions``: the most questions it may hold
    (the bank read is kept whole: about 3 kB a question); ``files``: how many files it may
    embed, how large each and all together, and how long their names."""

    max_bytes: int = 100 * MiB
    max_questions: int = 20_000
    files: ArchiveLimits = field(default_factory=ArchiveLimits)


DEFAULT_LIMITS = QuestionFileLimits()


@dataclass(frozen=True, slots=True)
class QuestionFileResult:
    bank: QuestionBank
    report: QuestionFileReport
    findings: tuple[Finding, ...] = ()  # in texts that belong to no question (categories')


class QuestionFileError(ImporterError):
    """The file is refused. ``code`` is stable; ``text`` says why, for people (a ``Text``,
    shown in the reader's language)."""

    def __init__(self, code: str, text: Text) -> None:
        super().__init__(code, str(text))
        self.text = text
