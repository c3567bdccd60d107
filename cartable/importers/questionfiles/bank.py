"""A question bank built as a question file is read: its categories (from ``$course$/a/b``
paths), its questions with their stable ids (``ids.py``), what was skipped, and the report.

Questions before the file's first category go to a category named after the file, as Moodle
puts them in the category chosen on its import page.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from pathlib import PurePosixPath

from cartable.importers import questions as q
from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.notes import Notes
from cartable.importers.questionfiles.base import QuestionFileError, QuestionFileResult
from cartable.importers.questionfiles.ids import file_id
from cartable.importers.report import FileStats, QuestionFileReport
from cartable.lib import html
from cartable.lib.risks import Finding, distinct, scan_html

# Moodle's context markers at the start of a category path, and what the bank calls them.
CONTEXTS = {"$course$": "course", "$system$": "system", "$cat$": "category", "$module$": "module"}
_SLASH = "\x00"  # stands for "//" (a slash inside a name) while a path is split
NAME_LENGTH = 255
DEFAULT_NAME_LENGTH = 80


def split_path(path: str) -> tuple[str, tuple[str, ...]]:
    """A category path's context and names: ``$course$/Unit 1//2/Quiz`` is ``("course",
    ("Unit 1/2", "Quiz"))`` (a doubled slash is a slash in a name); empty names are dropped."""
    path = path.strip()
    context = "course"
    head, _, rest = path.partition("/")
    if head.strip() in CONTEXTS:
        context, path = CONTEXTS[head.strip()], rest
    names = (part.replace(_SLASH, "/").strip() for part in path.replace("//", _SLASH).split("/"))
    return context, tuple(name[:NAME_LENGTH] for name in names if name)


def clean_name(raw: str) -> str:
    """A question's name as Moodle keeps it: its text without tags, on one line."""
    return html.text_of(raw)[:NAME_LENGTH].strip()


def default_name(text_html: str) -> str:
    """The name Moodle gives a question that has none: the start of its text."""
    text = html.text_of(text_html)
    if len(text) > DEFAULT_NAME_LENGTH:
        cut = text[:DEFAULT_NAME_LENGTH]
        space = cut.rfind(" ")
        text = (cut[:space] if space > DEFAULT_NAME_LENGTH // 2 else cut).rstrip() + "..."
    return text or "Question"


@dataclass(frozen=True, slots=True)
class Key:
    """Where a question sits and what it is called: what its stable id is made from."""

    category: int
    parts: tuple[str, ...]

    def part(self, number: int) -> int:
        """The id of part ``number`` of a cloze question."""
        return file_id("question", str(self.category), *self.parts, "part", str(number))


@dataclass(slots=True)
class BankBuilder:
    fmt: str
    notes: Notes
    filename: str
    max_questions: int = 20_000
    categories: dict[tuple[str, tuple[str, ...]], q.QuestionCategory] = field(default_factory=dict)
    questions: list[q.Question] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)  # in texts of no question
    current: int | None = None
    _names: Counter[tuple[int, str]] = field(default_factory=Counter)
    _idnumbers: set[tuple[int, str]] = field(default_factory=set)

    def use_category(self, path: str, info: str = "", idnumber: str = "") -> None:
        """Questions from now on go to the category at ``path`` (made with its parents)."""
        context, names = split_path(path)
        if not names:
            self.notes.warn(
                Text(
                    gettext_noop("the category path '%(path)s' names no category: ignored"),
                    path=path[:200],
                )
            )
            return
        parent: int | None = None
        for depth in range(1, len(names) + 1):
            key = (context, names[:depth])
            if key not in self.categories:
                self.categories[key] = q.QuestionCategory(
                    source_id=file_id("category", context, *names[:depth]),
                    name=names[depth - 1],
                    info="",
                    parent_id=parent,
                    context_level=context,
                    context_instance_id=0,
                    sort_order=len(self.categories),
                )
            parent = self.categories[key].source_id
        key = (context, names)
        if info or idnumber:
            self.categories[key] = replace(self.categories[key], info=info, idnumber=idnumber[:100])
        self.current = parent

    def category(self) -> int:
        """The category a question read now goes to."""
        if self.current is None:
            stem = PurePosixPath(self.filename.replace("\\", "/")).stem.strip() or self.fmt
            self.use_category(f"$course$/{stem.replace('/', '//')}")
        assert self.current is not None
        return self.current

    def key(self, name: str, idnumber: str = "") -> Key:
        """The key of the next question of this name (and ID number) in the current category:
        the ID number when it is the first of its category to have it, else the name and how
        many questions of that name came before."""
        category = self.category()
        if idnumber and (category, idnumber) not in self._idnumbers:
            self._idnumbers.add((category, idnumber))
            return Key(category, ("idnumber", idnumber))
        seen = self._names[(category, name)]
        self._names[(category, name)] += 1
        return Key(category, ("name", name, str(seen)))

    def question_id(self, key: Key) -> int:
        return file_id("question", str(key.category), *key.parts)

    def add(self, question: q.Question) -> None:
        self._count()
        self.questions.append(question)

    def _count(self) -> None:
        if len(self.questions) + len(self.notes.skipped) >= self.max_questions:
            raise QuestionFileError(
                "too_many_questions",
                Text(
                    gettext_noop("it holds more than %(limit)d questions"),
                    limit=self.max_questions,
                ),
            )

    def skip(self, qtype: str, number: int, name: str, reason: Text, raw_text: str = "") -> None:
        """Leave a question out, saying why (what its text held is kept for the review)."""
        self._count()
        self.notes.skip(
            "question",
            f"{qtype[:40]}-{number}",
            Text(gettext_noop("question '%(name)s' (%(qtype)s)"), name=name, qtype=qtype[:40]),
            reason,
            tuple(distinct(scan_html(raw_text))),
        )

    def result(self) -> QuestionFileResult:
        bank = q.QuestionBank(
            categories=tuple(self.categories.values()), questions=tuple(self.questions)
        )
        files: dict[int, FileRef] = {}
        links: set[str] = set()
        for question in bank.walk():
            files.update((ref.source_id, ref) for ref in question.files)
            links.update(question.external_links)
        blobs = {ref.sha256: ref.size for ref in files.values()}
        report = QuestionFileReport(
            format=self.fmt,
            categories=len(bank.categories),
            questions=dict(Counter(question.qtype for question in bank.questions)),
            files=FileStats(records=len(files), blobs=len(blobs), bytes=sum(blobs.values())),
            skipped=tuple(self.notes.skipped),
            warnings=tuple(self.notes.warnings),
            external_links=len(links),
        )
        return QuestionFileResult(bank=bank, report=report, findings=tuple(distinct(self.findings)))
