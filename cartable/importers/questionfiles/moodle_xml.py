"""Moodle XML question files (``<quiz><question type="…">…``), as Moodle exports its bank.

The file is parsed through ``lib.safexml`` (no DTD, no entities; one ``<question>`` in memory
at a time). ``<question type="category">`` says where the next questions go; every type a
course backup's question bank holds is read into the same dataclasses (``matching`` is
``match``, ``cloze`` is ``multianswer``); any other type is listed as skipped, with what its
text held. Text fields become safe HTML through the backups' ``Texts``; the files a field
embeds are decoded by ``embedded.EmbeddedFiles`` and linked as course files.

Field by field, the defaults are Moodle's own (question/format/xml/format.php and each type's
``import_from_xml``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element

from cartable.importers import questions as q
from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.moodle.richtext import Texts
from cartable.importers.notes import Notes
from cartable.importers.questionfiles import cloze
from cartable.importers.questionfiles.bank import BankBuilder, Key, clean_name, default_name
from cartable.importers.questionfiles.base import (
    QuestionFileError,
    QuestionFileLimits,
    QuestionFileResult,
)
from cartable.importers.questionfiles.embedded import EmbeddedFiles
from cartable.importers.questionfiles.registry import QuestionFormat, register
from cartable.importers.questionfiles.texts import (
    FORMAT_HTML,
    FORMAT_MARKDOWN,
    FORMAT_MOODLE,
    FORMAT_PLAIN,
    FileLinks,
    question_owner,
)
from cartable.lib.safexml import iter_records, root_attributes

FORMAT_NAME = "moodle_xml"
COMPONENT = "qformat_xml"
ALIASES = {"matching": "match", "cloze": "multianswer"}
_TEXT_FORMATS = {
    "html": FORMAT_HTML,
    "moodle_auto_format": FORMAT_MOODLE,
    "plain_text": FORMAT_PLAIN,
    "wiki_like": FORMAT_PLAIN,
    "markdown": FORMAT_MARKDOWN,
}
_THIRD = 0.3333333


def sniff(path: Path) -> bool:
    """Whether the file starts as XML does (a BOM and blank space aside): reading it then
    says whether it is a Moodle XML question file, or why not."""
    with path.open("rb") as handle:
        head = handle.read(256)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<")


def load(path: Path, workdir: Path, limits: QuestionFileLimits, name: str) -> QuestionFileResult:
    tag, _ = root_attributes(path, label=name)
    if tag != "quiz":
        raise QuestionFileError(
            "not_question_file",
            Text(
                gettext_noop(
                    "its XML starts with <%(tag)s>, not <quiz>: it is not a Moodle XML "
                    "question file"
                ),
                tag=tag[:60],
            ),
        )
    notes = Notes()
    files = EmbeddedFiles(workdir, limits.files, notes, COMPONENT)
    links = FileLinks(course_id=0, files=files, notes=notes)
    builder = BankBuilder(
        fmt=FORMAT_NAME, notes=notes, filename=name, max_questions=limits.max_questions
    )
    records = iter_records(path, frozenset({"quiz/question"}), label=name)
    for number, record in enumerate(records, start=1):
        _read(record.element, number, builder, links, files)
    return builder.result()


# --- Reading fields (Moodle's getpath, trans_single, array_key_exists) -----------------------


def _text(element: Element | None) -> str:
    """The text of ``<text>`` in ``element`` (or of the element itself), trimmed."""
    if element is None:
        return ""
    inner = element.find("text")
    return ((inner if inner is not None else element).text or "").strip()


def _value(element: Element | None, tag: str, default: str = "") -> str:
    child = None if element is None else element.find(tag)
    return default if child is None else (child.text or "").strip()


def _flag(element: Element, tag: str, default: bool) -> bool:
    """Moodle's yes/no fields: "false", "0" or empty are no; missing is ``default``."""
    child = element.find(tag)
    if child is None:
        return default
    return (child.text or "").strip().lower() not in ("", "0", "false")


def _present(element: Element, tag: str) -> bool:
    """Fields that say yes by being there (``<shownumcorrect/>``, ``<infinite/>``)."""
    return element.find(tag) is not None


def _float(element: Element | None, tag: str, default: float) -> float:
    try:
        return float(_value(element, tag) or default)
    except ValueError:
        return default


def _int(element: Element | None, tag: str, default: int) -> int:
    try:
        return int(float(_value(element, tag) or default))
    except (ValueError, OverflowError):
        return default


def _fraction(answer: Element) -> float:
    """An answer's grade: the ``fraction`` attribute is a percentage; an old ``<fraction>``
    element, a fraction."""
    old = _value(answer, "fraction")
    try:
        return float(old) if old else float(answer.get("fraction") or 0) / 100
    except ValueError:
        return 0.0


def _format(name: str | None, default: int) -> int:
    return default if name is None else _TEXT_FORMATS.get(name.strip(), FORMAT_HTML)


@dataclass(slots=True)
class XmlRead:
    """One question being read: its element, its texts and the files they embed."""

    element: Element
    qtype: str
    texts: Texts
    files: EmbeddedFiles
    text_format: int  # the question text's: the default of its other fields

    def field(self, element: Element | None, area: str) -> str:
        """Safe HTML from a text field (``<tag format="…"><text>…</text><file…/></tag>``)."""
        if element is None:
            return ""
        return self.html(
            _text(element), _format(element.get("format"), self.text_format), area, element
        )

    def html(self, raw: str, fmt: int, area: str, element: Element | None) -> str:
        itemid = 0
        if "@@PLUGINFILE@@" in raw and element is not None:
            itemid = self.files.area(area, element.findall("file"), self.texts.owner)
        return self.texts.html(raw, fmt, area, itemid, component=COMPONENT)

    def child(self, tag: str) -> str:
        return self.field(self.element.find(tag), tag)

    def answers(self, *, html: bool) -> tuple[q.Answer, ...]:
        return tuple(
            q.Answer(
                source_id=number,
                text=self.field(row, "answer") if html else _text(row),
                fraction=_fraction(row),
                feedback=self.field(row.find("feedback"), "answerfeedback"),
            )
            for number, row in enumerate(self.element.findall("answer"), start=1)
        )

    def combined(self, *, parts: bool = True) -> q.CombinedFeedback:
        return q.CombinedFeedback(
            correct=self.child("correctfeedback"),
            partially_correct=self.child("partiallycorrectfeedback"),
            incorrect=self.child("incorrectfeedback"),
            show_num_correct=parts and _present(self.element, "shownumcorrect"),
        )

    def hints(self) -> tuple[q.Hint, ...]:
        return tuple(
            q.Hint(
                text=self.field(row, "hint"),
                show_num_correct=_present(row, "shownumcorrect"),
                clear_wrong=_present(row, "clearwrong"),
                options=_value(row, "options"),
            )
            for row in self.element.findall("hint")
        )

    def image(self, element: Element, area: str) -> FileRef | None:
        """The picture a drag-and-drop question embeds right in ``element``."""
        embedded = element.findall("file")
        if not embedded:
            return None
        found = self.files.files(area, self.files.area(area, embedded, self.texts.owner))
        for ref in found:
            self.texts.files[ref.source_id] = ref
        return found[0] if found else None


# --- One reader per question type -----------------------------------------------------------


def multichoice(r: XmlRead) -> q.MultichoiceData:
    return q.MultichoiceData(
        single=_flag(r.element, "single", True),
        shuffle=_flag(r.element, "shuffleanswers", False),
        numbering=_value(r.element, "answernumbering") or "abc",
        answers=r.answers(html=True),
        feedback=r.combined(),
        show_standard_instruction=_flag(r.element, "showstandardinstruction", True),
    )


def truefalse(r: XmlRead) -> q.TrueFalseData:
    """The answers say "true" and "false" (old files put them in that order, localised)."""
    correct = True
    feedback = {"true": "", "false": ""}
    for number, row in enumerate(r.element.findall("answer")):
        which = _text(row)
        if which not in feedback:
            which = "true" if number == 0 else "false"
        feedback[which] = r.field(row.find("feedback"), "answerfeedback")
        full = _fraction(row) >= 1.0
        correct = full if which == "true" else not full
    return q.TrueFalseData(
        true_answer=q.Answer(1, "True", 1.0 if correct else 0.0, feedback["true"]),
        false_answer=q.Answer(2, "False", 0.0 if correct else 1.0, feedback["false"]),
    )


def shortanswer(r: XmlRead) -> q.ShortAnswerData:
    return q.ShortAnswerData(
        case_sensitive=_int(r.element, "usecase", 0) != 0, answers=r.answers(html=False)
    )


def _units(r: XmlRead, default_show: int | None) -> q.UnitOptions:
    units = tuple(
        q.Unit(unit=_value(row, "unit_name"), multiplier=_float(row, "multiplier", 1.0))
        for row in r.element.findall("units/unit")
    )
    if default_show is None:
        default_show = 0 if units else 3
    return q.UnitOptions(
        units=units,
        show_units=_int(r.element, "showunits", default_show),
        units_left=_int(r.element, "unitsleft", 0) != 0,
        unit_grading=_int(r.element, "unitgradingtype", 0),
        unit_penalty=_float(r.element, "unitpenalty", 0.1),
    )


def numerical(r: XmlRead) -> q.NumericalData:
    rows = r.element.findall("answer")
    return q.NumericalData(
        answers=tuple(
            q.NumericalAnswer(
                answer=q.Answer(
                    source_id=number,
                    text=_text(row) or "*",
                    fraction=_fraction(row),
                    feedback=r.field(row.find("feedback"), "answerfeedback"),
                ),
                tolerance=abs(_float(row, "tolerance", 0.0)),
            )
            for number, row in enumerate(rows, start=1)
        ),
        units=_units(r, None),
    )


def match(r: XmlRead) -> q.MatchData:
    return q.MatchData(
        shuffle=_flag(r.element, "shuffleanswers", True),
        pairs=tuple(
            q.MatchPair(
                source_id=number,
                question=r.field(row, "subquestion"),
                answer=_text(row.find("answer")),
            )
            for number, row in enumerate(r.element.findall("subquestion"), start=1)
        ),
        feedback=r.combined(),
    )


def essay(r: XmlRead) -> q.EssayData:
    element = r.element
    return q.EssayData(
        response_format=_value(element, "responseformat") or "editor",
        response_required=_int(element, "responserequired", 1) != 0,
        response_lines=_int(element, "responsefieldlines", 15),
        attachments=_int(element, "attachments", 0),
        attachments_required=_int(element, "attachmentsrequired", 0),
        grader_info=r.child("graderinfo"),
        response_template=r.child("responsetemplate"),
        min_words=_int(element, "minwordlimit", 0) or None,
        max_words=_int(element, "maxwordlimit", 0) or None,
        file_types=_value(element, "filetypeslist"),
        max_bytes=max(0, _int(element, "maxbytes", 0)),
    )


def description(r: XmlRead) -> q.DescriptionData:
    return q.DescriptionData()


def _dataset(row: Element) -> q.Dataset:
    def number(tag: str, default: float) -> float:
        try:
            return float(_text(row.find(tag)) or default)
        except ValueError:
            return default

    return q.Dataset(
        name=_text(row.find("name")),
        kind="shared" if _text(row.find("status")) == "shared" else "private",
        distribution=_text(row.find("distribution")) or "uniform",
        minimum=number("minimum", 1.0),
        maximum=number("maximum", 10.0),
        decimals=int(number("decimals", 1)),
        items=tuple(
            sorted(
                (
                    q.DatasetItem(number=_int(item, "number", 0), value=_float(item, "value", 0))
                    for item in row.findall("dataset_items/dataset_item")
                ),
                key=lambda item: item.number,
            )
        ),
    )


def calculated(r: XmlRead) -> q.CalculatedData:
    multi = r.qtype == "calculatedmulti"
    answers = []
    for number, row in enumerate(r.element.findall("answer"), start=1):
        answers.append(
            q.CalculatedAnswer(
                answer=q.Answer(
                    source_id=number,
                    text=(r.field(row, "answer") if multi else _text(row)) or "*",
                    fraction=_fraction(row),
                    feedback=r.field(row.find("feedback"), "answerfeedback"),
                ),
                tolerance=_float(row, "tolerance", 0.01),
                tolerance_type=_int(row, "tolerancetype", 1),
                correct_answer_length=_int(row, "correctanswerlength", 2),
                correct_answer_format=_int(row, "correctanswerformat", 1),
            )
        )
    return q.CalculatedData(
        answers=tuple(answers),
        datasets=tuple(
            _dataset(row) for row in r.element.findall("dataset_definitions/dataset_definition")
        ),
        units=_units(r, 0),
        synchronize=_int(r.element, "synchronize", 0) != 0,
        single=_flag(r.element, "single", True),
        shuffle=_flag(r.element, "shuffleanswers", False),
        feedback=r.combined(parts=False) if multi else q.CombinedFeedback(),
    )


def gaps(r: XmlRead) -> q.GapData:
    """gapselect (``<selectoption>``) and ddwtos (``<dragbox>``)."""
    tag = "selectoption" if r.qtype == "gapselect" else "dragbox"
    return q.GapData(
        shuffle=_flag(r.element, "shuffleanswers", True),
        choices=tuple(
            q.GapChoice(
                text=_text(row), group=_int(row, "group", 1), infinite=_present(row, "infinite")
            )
            for row in r.element.findall(tag)
        ),
        feedback=r.combined(),
    )


def ddimageortext(r: XmlRead) -> q.DragImageData:
    drags = tuple(
        q.DragItem(
            number=_int(row, "no", 0),
            group=_int(row, "draggroup", 1),
            infinite=_present(row, "infinite"),
            text=_text(row),
            image=r.image(row, "dragimage"),
        )
        for row in r.element.findall("drag")
    )
    drops = tuple(
        q.DropZone(
            number=_int(row, "no", 0),
            x=_int(row, "xleft", 0),
            y=_int(row, "ytop", 0),
            choice=_int(row, "choice", 0),
            label=_text(row),
        )
        for row in r.element.findall("drop")
    )
    return q.DragImageData(
        background=r.image(r.element, "bgimage"),
        drags=tuple(sorted(drags, key=lambda item: item.number)),
        drops=tuple(sorted(drops, key=lambda item: item.number)),
        shuffle=_present(r.element, "shuffleanswers"),
        feedback=r.combined(),
    )


def ddmarker(r: XmlRead) -> q.DragMarkerData:
    markers = tuple(
        q.Marker(
            number=_int(row, "no", 0),
            label=_text(row),
            infinite=_present(row, "infinite"),
            count=_int(row, "noofdrags", 1),
        )
        for row in r.element.findall("drag")
    )
    zones = tuple(
        q.MarkerZone(
            number=_int(row, "no", 0),
            shape=_value(row, "shape"),
            coords=_value(row, "coords"),
            choice=_int(row, "choice", 0),
        )
        for row in r.element.findall("drop")
    )
    return q.DragMarkerData(
        background=r.image(r.element, "bgimage"),
        markers=tuple(sorted(markers, key=lambda item: item.number)),
        zones=tuple(sorted(zones, key=lambda item: item.number)),
        shuffle=_present(r.element, "shuffleanswers"),
        show_misplaced=_present(r.element, "showmisplaced"),
        feedback=r.combined(),
    )


def randomsamatch(r: XmlRead) -> q.RandomShortAnswerMatchData:
    return q.RandomShortAnswerMatchData(
        choose=_int(r.element, "choose", 4),
        subcategories=_flag(r.element, "subcats", True),
        shuffle=_flag(r.element, "shuffleanswers", True),
        feedback=r.combined(),
    )


def random(r: XmlRead) -> q.RandomData:
    return q.RandomData(include_subcategories=_text(r.element.find("questiontext")) == "1")


Reader = Callable[[XmlRead], q.QuestionData]

READERS: dict[str, Reader] = {
    "multichoice": multichoice,
    "truefalse": truefalse,
    "shortanswer": shortanswer,
    "numerical": numerical,
    "match": match,
    "essay": essay,
    "description": description,
    "gapselect": gaps,
    "ddwtos": gaps,
    "calculated": calculated,
    "calculatedsimple": calculated,
    "calculatedmulti": calculated,
    "ddimageortext": ddimageortext,
    "ddmarker": ddmarker,
    "randomsamatch": randomsamatch,
    "random": random,
}
# Read by ``_cloze``: its text is parsed for its parts.
TYPES = frozenset({*READERS, "multianswer"})


# --- Questions and categories ---------------------------------------------------------------


def _read(
    element: Element, number: int, builder: BankBuilder, links: FileLinks, files: EmbeddedFiles
) -> None:
    kind = (element.get("type") or "").strip()
    if kind == "category":
        _category(element, builder, links, files)
        return
    qtype = ALIASES.get(kind, kind)
    text_element = element.find("questiontext")
    raw_text = _text(text_element)
    name = clean_name(_text(element.find("name"))) or default_name(raw_text)
    if qtype not in TYPES:
        builder.skip(
            kind or "?",
            number,
            name,
            Text(
                gettext_noop("the question type '%(qtype)s' is not one Cartable supports"),
                qtype=kind[:40] or "?",
            ),
            raw_text,
        )
        return
    text_format = _format(None if text_element is None else text_element.get("format"), FORMAT_HTML)
    texts = Texts(links, 0, "question", question_owner(name))
    read = XmlRead(element, qtype, texts, files, text_format)
    penalty = _float(element, "penalty", _THIRD)
    if abs(penalty - _THIRD) < 0.005:
        penalty = _THIRD  # old files rounded a third
    if qtype == "multianswer":
        parsed = cloze.parse(raw_text)
        problems = cloze.problems(parsed)
        if problems:
            builder.skip(
                kind,
                number,
                name,
                Text(
                    gettext_noop("Moodle would refuse this cloze question: %(problem)s"),
                    problem=problems[0],
                ),
                raw_text,
            )
            return
        if parsed.gave_up:
            builder.notes.warn(
                Text(
                    gettext_noop(
                        "cloze question '%(name)s': its text is too tangled to read whole; "
                        "only its first %(count)d parts were read"
                    ),
                    name=name,
                    count=len(parsed.parts),
                )
            )
    key = builder.key(name, _value(element, "idnumber"))
    question_id = builder.question_id(key)
    if qtype == "multianswer":
        text = read.html(parsed.text, text_format, "questiontext", text_element)
        data: q.QuestionData = q.MultianswerData(
            subquestions=tuple(
                _part(part, position, key, question_id, name, penalty, texts)
                for position, part in enumerate(parsed.parts, start=1)
            )
        )
        mark = sum(part.mark for part in parsed.parts)
    else:
        data = READERS[qtype](read)
        text = "" if qtype == "random" else read.field(text_element, "questiontext")
        mark = 0.0 if qtype == "description" else _float(element, "defaultgrade", 1.0)
    builder.add(
        q.Question(
            source_id=question_id,
            category_id=key.category,
            qtype=qtype,
            name=name,
            text=text,
            general_feedback=read.child("generalfeedback"),
            default_mark=mark,
            penalty=penalty,
            data=data,
            hints=read.hints(),
            status="hidden" if _int(element, "hidden", 0) else "ready",
            idnumber=_value(element, "idnumber")[:100],
            files=texts.used_files(),
            external_links=texts.external_links(),
            findings=texts.findings(),
        )
    )


def _part(
    part: cloze.Part,
    position: int,
    key: Key,
    parent_id: int,
    name: str,
    penalty: float,
    texts: Texts,
) -> q.Question:
    """One embedded answer of a cloze question, as the question Moodle keeps for it."""
    return q.Question(
        source_id=key.part(position),
        category_id=key.category,
        qtype=part.kind.qtype,
        name=name,
        text=texts.html(part.source, FORMAT_HTML),
        general_feedback="",
        default_mark=part.mark,
        penalty=penalty,
        data=cloze_data(part, texts),
        parent_id=parent_id,
    )


def cloze_data(part: cloze.Part, texts: Texts) -> q.QuestionData:
    """The typed data of a cloze part (shared with every reader of cloze text)."""
    answers = tuple(
        q.Answer(
            source_id=number,
            text=texts.html(alternative.answer, FORMAT_HTML)
            if part.kind.qtype == "multichoice"
            else alternative.answer,
            fraction=alternative.fraction,
            feedback=texts.html(alternative.feedback, FORMAT_HTML),
        )
        for number, alternative in enumerate(part.alternatives, start=1)
    )
    if part.kind.qtype == "numerical":
        return q.NumericalData(
            answers=tuple(
                q.NumericalAnswer(answer=answer, tolerance=alternative.tolerance)
                for answer, alternative in zip(answers, part.alternatives, strict=True)
            ),
            units=q.UnitOptions(),
        )
    if part.kind.qtype == "shortanswer":
        return q.ShortAnswerData(case_sensitive=part.kind.case_sensitive, answers=answers)
    return q.MultichoiceData(
        single=part.kind.single,
        shuffle=part.kind.shuffle,
        numbering="0",
        answers=answers,
        feedback=q.CombinedFeedback(),
    )


def _category(
    element: Element, builder: BankBuilder, links: FileLinks, files: EmbeddedFiles
) -> None:
    path = _text(element.find("category"))
    info_element = element.find("info")
    info = ""
    if info_element is not None and _text(info_element):
        texts = Texts(
            links,
            0,
            "question",
            Text(gettext_noop("question category '%(name)s'"), name=path[:200]),
        )
        read = XmlRead(element, "category", texts, files, FORMAT_MOODLE)
        info = read.field(info_element, "categoryinfo")
        builder.findings.extend(texts.findings())
    builder.use_category(path, info=info, idnumber=_value(element, "idnumber"))


FORMAT = register(QuestionFormat(FORMAT_NAME, "Moodle XML", sniff, load))
