"""questions.xml: question categories and questions, streamed one question at a time.

Moodle 2-3 nest ``question_category/questions/question``; Moodle 4+ nest
``question_category/question_bank_entries/question_bank_entry/question_version/
question_versions/questions/question``. Both are read by the same loop: each question is
handed over when it ends, with its category and (Moodle 4+) its bank entry and version as
ancestors, then dropped from memory.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import Element

from cartable.importers import questions as q
from cartable.importers.common import Text, gettext_noop
from cartable.importers.moodle import mxml
from cartable.importers.moodle.files import FileIndex
from cartable.importers.moodle.qtypes import QTYPES, QuestionRead, multianswer_sequence
from cartable.importers.moodle.richtext import Links, Texts
from cartable.importers.notes import Notes
from cartable.lib.risks import distinct, scan_html
from cartable.lib.safexml import Record, iter_records

_CONTEXT_LEVELS = {10: "system", 40: "category", 50: "course", 70: "module"}
_STATUSES: dict[str, q.QuestionStatus] = {"ready": "ready", "hidden": "hidden", "draft": "draft"}


@dataclass(slots=True)
class BankRead:
    bank: q.QuestionBank
    # Moodle 4+: bank entry id -> {version: question id}
    versions: dict[int, dict[int, int]] = field(default_factory=dict)
    # categories by the module context they belong to (Moodle 4+ quiz banks, Moodle 5 qbank)
    module_categories: dict[int, list[int]] = field(default_factory=dict)

    def question_for(self, entry_id: int | None, version: int | None) -> int | None:
        """The question id a Moodle 4+ reference names (the latest ready one by default)."""
        if entry_id is None or entry_id not in self.versions:
            return None
        by_version = self.versions[entry_id]
        if version is not None:
            return by_version.get(version)
        questions = self.bank.by_id()
        ready = [
            v
            for v, qid in by_version.items()
            if qid in questions and questions[qid].status == "ready"
        ]
        chosen = max(ready) if ready else max(by_version)
        return by_version[chosen]


def read(path: Path, links: Links, files: FileIndex, notes: Notes) -> BankRead:
    if not path.is_file():
        return BankRead(bank=q.QuestionBank())
    categories: list[q.QuestionCategory] = []
    module_categories: dict[int, list[int]] = defaultdict(list)
    top: list[q.Question] = []
    children: dict[int, list[q.Question]] = defaultdict(list)
    sequences: dict[int, tuple[int, ...]] = {}
    versions: dict[int, dict[int, int]] = defaultdict(dict)
    tags = frozenset({"question_categories/question_category", "questions/question"})
    for record in iter_records(path, tags):
        element = record.element
        if element.tag == "question_category":
            category = _category(element)
            categories.append(category)
            if category.context_level == "module":
                module_categories[category.context_instance_id].append(category.source_id)
            continue
        question, sequence = _question(record, links, files, notes)
        if question is None:
            continue
        if question.bank_entry_id is not None and question.version is not None:
            versions[question.bank_entry_id][question.version] = question.source_id
        if sequence is not None:
            sequences[question.source_id] = sequence
        if question.parent_id is not None:
            children[question.parent_id].append(question)
        else:
            top.append(question)
    assembled = [_assemble(question, sequences, children, notes) for question in top]
    bank = q.QuestionBank(categories=tuple(categories), questions=tuple(assembled))
    return BankRead(bank=bank, versions=dict(versions), module_categories=dict(module_categories))


def _assemble(
    question: q.Question,
    sequences: dict[int, tuple[int, ...]],
    children: dict[int, list[q.Question]],
    notes: Notes,
) -> q.Question:
    if not isinstance(question.data, q.MultianswerData):
        return question
    subs = {sub.source_id: sub for sub in children.get(question.source_id, [])}
    sequence = sequences.get(question.source_id) or tuple(sorted(subs))
    found = tuple(subs[i] for i in sequence if i in subs)
    missing = tuple(i for i in sequence if i not in subs)
    if missing:
        notes.warn(
            Text(
                gettext_noop(
                    "cloze question '%(name)s': %(missing)d of its %(count)d parts are missing "
                    "from the backup"
                ),
                name=question.name,
                missing=len(missing),
                count=len(sequence),
            )
        )
    return replace(question, data=q.MultianswerData(subquestions=found, missing=missing))


def _category(element: Element) -> q.QuestionCategory:
    parent = mxml.integer(element, "parent")
    return q.QuestionCategory(
        source_id=mxml.attr_int(element, "id"),
        name=mxml.text(element, "name"),
        info=mxml.text(element, "info"),
        parent_id=parent or None,
        context_level=_CONTEXT_LEVELS.get(mxml.integer(element, "contextlevel"), "course"),
        context_instance_id=mxml.integer(element, "contextinstanceid"),
        stamp=mxml.text(element, "stamp"),
        idnumber=mxml.text(element, "idnumber"),
        sort_order=mxml.integer(element, "sortorder"),
    )


def _question(
    record: Record, links: Links, files: FileIndex, notes: Notes
) -> tuple[q.Question | None, tuple[int, ...] | None]:
    element = record.element
    category = record.ancestor("question_category")
    entry = record.ancestor("question_bank_entry")
    version = record.ancestor("question_versions")
    question_id = mxml.attr_int(element, "id")
    qtype = mxml.text(element, "qtype")
    name = mxml.text(element, "name")
    parent = mxml.integer(element, "parent")
    parent_id = parent if parent and parent != question_id else None
    if qtype not in QTYPES:
        notes.skip(
            "question",
            f"{qtype}-{question_id}",
            Text(gettext_noop("question '%(name)s' (%(qtype)s)"), name=name, qtype=qtype),
            Text(
                gettext_noop("the question type '%(qtype)s' is not one Cartable supports"),
                qtype=qtype,
            ),
            tuple(distinct(scan_html(mxml.text(element, "questiontext")))),
        )
        return None, None
    contextid = mxml.integer(category, "contextid")
    texts = Texts(
        links, contextid, "question", Text(gettext_noop("question '%(name)s'"), name=name)
    )
    plugin = element.find(f"plugin_qtype_{qtype}_question")
    read = QuestionRead(
        element=element,
        plugin=plugin,
        qtype=qtype,
        question_id=question_id,
        contextid=contextid,
        texts=texts,
        files=files,
    )
    data = QTYPES[qtype](read)
    text = (
        ""
        if qtype == "random"
        else read.html(element, "questiontext", "question", "questiontext", question_id)
    )
    hints = tuple(
        q.Hint(
            text=read.html(row, "hint", "question", "hint", mxml.attr_int(row, "id")),
            show_num_correct=mxml.flag(row, "shownumcorrect"),
            clear_wrong=mxml.flag(row, "clearwrong"),
            options=mxml.text(row, "options"),
        )
        for row in mxml.rows(element, "question_hints/question_hint")
    )
    status = _STATUSES.get(mxml.text(version, "status"), "ready")
    if version is None and mxml.flag(element, "hidden"):
        status = "hidden"
    question = q.Question(
        source_id=question_id,
        category_id=mxml.integer(entry, "questioncategoryid") or mxml.attr_int(category, "id"),
        qtype=qtype,
        name=name,
        text=text,
        general_feedback=read.html(
            element, "generalfeedback", "question", "generalfeedback", question_id
        ),
        default_mark=mxml.number(element, "defaultmark", 1.0),
        penalty=mxml.number(element, "penalty"),
        data=data,
        hints=hints,
        status=status,
        stamp=mxml.text(element, "stamp"),
        idnumber=mxml.text(entry, "idnumber") or mxml.text(element, "idnumber"),
        bank_entry_id=mxml.attr_int(entry, "id") if entry is not None else None,
        version=mxml.opt_int(version, "version") if version is not None else None,
        parent_id=parent_id,
        files=texts.used_files(),
        external_links=texts.external_links(),
        findings=texts.findings(),
    )
    sequence = multianswer_sequence(read) if qtype == "multianswer" else None
    return question, sequence


def count_by_qtype(bank: q.QuestionBank) -> dict[str, int]:
    return dict(Counter(question.qtype for question in bank.questions))
