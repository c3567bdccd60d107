"""One reader per question type: the ``plugin_qtype_<qtype>_question`` element to typed data.

``QTYPES`` maps a Moodle question type to its reader; a type missing here is skipped by the
question bank reader, with a reason. Cloze subquestions are read by the same readers.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from xml.etree.ElementTree import Element

from cartable.importers import questions as q
from cartable.importers.common import FileRef
from cartable.importers.moodle import mxml
from cartable.importers.moodle.files import FileIndex
from cartable.importers.moodle.richtext import Texts


@dataclass(frozen=True, slots=True)
class QuestionRead:
    """What a type's reader gets: the question element, its plugin element and tools."""

    element: Element
    plugin: Element | None
    qtype: str
    question_id: int
    contextid: int
    texts: Texts
    files: FileIndex

    def html(
        self,
        element: Element | None,
        tag: str,
        component: str,
        filearea: str,
        itemid: int | None,
    ) -> str:
        return self.texts.html(
            mxml.opt_text(element, tag),
            mxml.integer(element, f"{tag}format", 1),
            filearea,
            itemid,
            component=component,
        )

    def answers(self) -> tuple[q.Answer, ...]:
        result = []
        for row in mxml.rows(self.plugin, "answers/answer"):
            answer_id = mxml.attr_int(row, "id")
            result.append(
                q.Answer(
                    source_id=answer_id,
                    text=self.html(row, "answertext", "question", "answer", answer_id)
                    if mxml.integer(row, "answerformat") in (1, 0) and self.qtype in _HTML_ANSWERS
                    else mxml.text(row, "answertext"),
                    fraction=mxml.number(row, "fraction"),
                    feedback=self.html(row, "feedback", "question", "answerfeedback", answer_id),
                )
            )
        return tuple(result)

    def combined(self, options: Element | None) -> q.CombinedFeedback:
        component = f"qtype_{self.qtype}"
        return q.CombinedFeedback(
            correct=self.html(
                options, "correctfeedback", component, "correctfeedback", self.question_id
            ),
            partially_correct=self.html(
                options,
                "partiallycorrectfeedback",
                component,
                "partiallycorrectfeedback",
                self.question_id,
            ),
            incorrect=self.html(
                options, "incorrectfeedback", component, "incorrectfeedback", self.question_id
            ),
            show_num_correct=mxml.flag(options, "shownumcorrect"),
        )

    def options(self, *tags: str) -> Element | None:
        """The first of the plugin's option elements found (names changed across versions)."""
        for tag in tags:
            found = None if self.plugin is None else self.plugin.find(tag)
            if found is not None:
                return found
        return None

    def image(self, component: str, filearea: str, itemid: int) -> FileRef | None:
        found = self.files.area_files(self.contextid, component, filearea, itemid)
        for ref in found:
            self.texts.files[ref.source_id] = ref
        return found[0] if found else None


# Types whose answers are rich text (the others are short strings, numbers or formulas).
_HTML_ANSWERS = frozenset({"multichoice", "calculatedmulti"})


def multichoice(r: QuestionRead) -> q.MultichoiceData:
    options = r.options("multichoice")
    return q.MultichoiceData(
        single=mxml.flag(options, "single", True),
        shuffle=mxml.flag(options, "shuffleanswers", True),
        numbering=mxml.text(options, "answernumbering", "abc"),
        answers=r.answers(),
        feedback=r.combined(options),
        show_standard_instruction=mxml.flag(options, "showstandardinstruction"),
    )


def truefalse(r: QuestionRead) -> q.TrueFalseData:
    options = r.options("truefalse")
    answers = {a.source_id: a for a in r.answers()}
    true_id, false_id = mxml.integer(options, "trueanswer"), mxml.integer(options, "falseanswer")
    listed = list(answers.values())
    missing = q.Answer(source_id=0, text="", fraction=0.0, feedback="")
    true = answers.get(true_id) or (listed[0] if listed else missing)
    false = answers.get(false_id) or (listed[1] if len(listed) > 1 else missing)
    return q.TrueFalseData(true_answer=true, false_answer=false)


def shortanswer(r: QuestionRead) -> q.ShortAnswerData:
    return q.ShortAnswerData(
        case_sensitive=mxml.flag(r.options("shortanswer"), "usecase"), answers=r.answers()
    )


def _units(r: QuestionRead) -> q.UnitOptions:
    options = r.options("numerical_options/numerical_option")
    return q.UnitOptions(
        units=tuple(
            q.Unit(unit=mxml.text(u, "unit"), multiplier=mxml.number(u, "multiplier", 1.0))
            for u in mxml.rows(r.plugin, "numerical_units/numerical_unit")
        ),
        show_units=mxml.integer(options, "showunits", 3),
        units_left=mxml.flag(options, "unitsleft"),
        unit_grading=mxml.integer(options, "unitgradingtype"),
        unit_penalty=mxml.number(options, "unitpenalty", 0.1),
    )


def numerical(r: QuestionRead) -> q.NumericalData:
    tolerances = {
        mxml.integer(row, "answer"): mxml.number(row, "tolerance")
        for row in mxml.rows(r.plugin, "numerical_records/numerical_record")
    }
    return q.NumericalData(
        answers=tuple(
            q.NumericalAnswer(answer=a, tolerance=tolerances.get(a.source_id, 0.0))
            for a in r.answers()
        ),
        units=_units(r),
    )


def match(r: QuestionRead) -> q.MatchData:
    options = r.options("matchoptions", "match_options")
    pairs = []
    for row in mxml.rows(r.plugin, "matches/match"):
        match_id = mxml.attr_int(row, "id")
        pairs.append(
            q.MatchPair(
                source_id=match_id,
                question=r.html(row, "questiontext", "qtype_match", "subquestion", match_id),
                answer=mxml.text(row, "answertext"),
            )
        )
    return q.MatchData(
        shuffle=mxml.flag(options, "shuffleanswers", True),
        pairs=tuple(pairs),
        feedback=r.combined(options),
    )


def essay(r: QuestionRead) -> q.EssayData:
    options = r.options("essay")
    return q.EssayData(
        response_format=mxml.text(options, "responseformat", "editor"),
        response_required=mxml.flag(options, "responserequired", True),
        response_lines=mxml.integer(options, "responsefieldlines", 15),
        attachments=mxml.integer(options, "attachments"),
        attachments_required=mxml.integer(options, "attachmentsrequired"),
        grader_info=r.html(options, "graderinfo", "qtype_essay", "graderinfo", r.question_id),
        response_template=r.html(
            options, "responsetemplate", "qtype_essay", "responsetemplate", r.question_id
        ),
        min_words=mxml.opt_int(options, "minwordlimit") or None,
        max_words=mxml.opt_int(options, "maxwordlimit") or None,
        file_types=mxml.text(options, "filetypeslist"),
        max_bytes=max(0, mxml.integer(options, "maxbytes")),
    )


def description(r: QuestionRead) -> q.DescriptionData:
    return q.DescriptionData()


def multianswer(r: QuestionRead) -> q.MultianswerData:
    """Subquestions are attached by the question bank reader once all are read."""
    return q.MultianswerData(subquestions=())


def multianswer_sequence(r: QuestionRead) -> tuple[int, ...]:
    sequence = mxml.text(r.options("multianswer"), "sequence")
    return tuple(
        int(part)
        for part in sequence.split(",")
        if part.strip().isascii() and part.strip().isdigit()
    )


_DRAGGROUP = re.compile(r'"draggroup";(?:s:\d+:"(\d+)"|i:(\d+))')
_INFINITE = re.compile(r'"infinite";(?:s:\d+:"(\d+)"|i:(\d+)|b:(\d))')


def _serialized_int(pattern: re.Pattern[str], raw: str) -> int:
    found = pattern.search(raw)
    if not found:
        return 0
    value = next((g for g in found.groups() if g is not None), "0")
    return int(value)


def gaps(r: QuestionRead) -> q.GapData:
    """gapselect (the group in the answer's feedback) and ddwtos (a PHP-serialised object)."""
    options = r.options(r.qtype, f"qtype_{r.qtype}")
    choices = []
    for row in mxml.rows(r.plugin, "answers/answer"):
        raw = mxml.text(row, "feedback")
        if raw.strip().isascii() and raw.strip().isdigit():
            group, infinite = int(raw.strip()), False
        else:
            group = _serialized_int(_DRAGGROUP, raw) or 1
            infinite = bool(_serialized_int(_INFINITE, raw))
        choices.append(
            q.GapChoice(text=mxml.text(row, "answertext"), group=group, infinite=infinite)
        )
    return q.GapData(
        shuffle=mxml.flag(options, "shuffleanswers", True),
        choices=tuple(choices),
        feedback=r.combined(options),
    )


def _dataset(row: Element) -> q.Dataset:
    # options: "uniform:1.0:10.0:1" (distribution, minimum, maximum, decimals)
    parts = mxml.text(row, "options").split(":")
    name = mxml.text(row, "name")

    def part(index: int, default: float) -> float:
        try:
            return float(parts[index])
        except (IndexError, ValueError):
            return default

    return q.Dataset(
        name=name,
        kind="shared" if mxml.integer(row, "category") else "private",
        distribution=parts[0] if parts and parts[0] else "uniform",
        minimum=part(1, 1.0),
        maximum=part(2, 10.0),
        decimals=int(part(3, 1)),
        items=tuple(
            sorted(
                (
                    q.DatasetItem(number=mxml.integer(i, "number"), value=mxml.number(i, "value"))
                    for i in mxml.rows(row, "dataset_items/dataset_item")
                ),
                key=lambda i: i.number,
            )
        ),
    )


def calculated(r: QuestionRead) -> q.CalculatedData:
    records = {
        mxml.integer(row, "answer"): row
        for row in mxml.rows(r.plugin, "calculated_records/calculated_record")
    }
    answers = []
    for answer in r.answers():
        row = records.get(answer.source_id)
        answers.append(
            q.CalculatedAnswer(
                answer=answer,
                tolerance=mxml.number(row, "tolerance", 0.01),
                tolerance_type=mxml.integer(row, "tolerancetype", 1),
                correct_answer_length=mxml.integer(row, "correctanswerlength", 2),
                correct_answer_format=mxml.integer(row, "correctanswerformat", 1),
            )
        )
    options = r.options("calculated_options/calculated_option")
    return q.CalculatedData(
        answers=tuple(answers),
        datasets=tuple(
            _dataset(row) for row in mxml.rows(r.plugin, "dataset_definitions/dataset_definition")
        ),
        units=_units(r),
        synchronize=mxml.flag(options, "synchronize"),
        single=mxml.flag(options, "single", True),
        shuffle=mxml.flag(options, "shuffleanswers"),
        feedback=r.combined(options) if r.qtype == "calculatedmulti" else q.CombinedFeedback(),
    )


def ddimageortext(r: QuestionRead) -> q.DragImageData:
    options = r.options("ddimageortext")
    component = "qtype_ddimageortext"
    drags = []
    for row in mxml.rows(r.plugin, "drags/drag"):
        drag_id = mxml.attr_int(row, "id")
        drags.append(
            q.DragItem(
                number=mxml.integer(row, "no"),
                group=mxml.integer(row, "draggroup", 1),
                infinite=mxml.flag(row, "infinite"),
                text=mxml.text(row, "label"),
                image=r.image(component, "dragimage", drag_id),
            )
        )
    drops = tuple(
        q.DropZone(
            number=mxml.integer(row, "no"),
            x=mxml.integer(row, "xleft"),
            y=mxml.integer(row, "ytop"),
            choice=mxml.integer(row, "choice"),
            label=mxml.text(row, "label"),
        )
        for row in mxml.rows(r.plugin, "drops/drop")
    )
    return q.DragImageData(
        background=r.image(component, "bgimage", r.question_id),
        drags=tuple(sorted(drags, key=lambda d: d.number)),
        drops=tuple(sorted(drops, key=lambda d: d.number)),
        shuffle=mxml.flag(options, "shuffleanswers", True),
        feedback=r.combined(options),
    )


def ddmarker(r: QuestionRead) -> q.DragMarkerData:
    options = r.options("ddmarker")
    markers = tuple(
        q.Marker(
            number=mxml.integer(row, "no"),
            label=mxml.text(row, "label"),
            infinite=mxml.flag(row, "infinite"),
            count=mxml.integer(row, "noofdrags", 1),
        )
        for row in mxml.rows(r.plugin, "drags/drag")
    )
    zones = tuple(
        q.MarkerZone(
            number=mxml.integer(row, "no"),
            shape=mxml.text(row, "shape"),
            coords=mxml.text(row, "coords"),
            choice=mxml.integer(row, "choice"),
        )
        for row in mxml.rows(r.plugin, "drops/drop")
    )
    return q.DragMarkerData(
        background=r.image("qtype_ddmarker", "bgimage", r.question_id),
        markers=tuple(sorted(markers, key=lambda m: m.number)),
        zones=tuple(sorted(zones, key=lambda z: z.number)),
        shuffle=mxml.flag(options, "shuffleanswers"),
        show_misplaced=mxml.flag(options, "showmisplaced"),
        feedback=r.combined(options),
    )


def randomsamatch(r: QuestionRead) -> q.RandomShortAnswerMatchData:
    options = r.options("randomsamatch")
    return q.RandomShortAnswerMatchData(
        choose=mxml.integer(options, "choose", 4),
        subcategories=mxml.flag(options, "subcats", True),
        shuffle=mxml.flag(options, "shuffleanswers", True),
        feedback=r.combined(options),
    )


def random(r: QuestionRead) -> q.RandomData:
    return q.RandomData(include_subcategories=mxml.text(r.element, "questiontext").strip() == "1")


Reader = Callable[[QuestionRead], q.QuestionData]

QTYPES: dict[str, Reader] = {
    "multichoice": multichoice,
    "truefalse": truefalse,
    "shortanswer": shortanswer,
    "numerical": numerical,
    "match": match,
    "essay": essay,
    "description": description,
    "multianswer": multianswer,
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
