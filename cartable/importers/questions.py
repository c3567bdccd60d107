"""The question bank of an imported course: categories and questions, one dataclass per kind.

Text fields are sanitised HTML with rewritten links, like the rest of the model. Fractions are
floats between -1 and 1 (1 = fully right). A question's ``source_id`` is the id of that
version; Moodle 4+ also gives the bank entry grouping its versions.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal, TypeAlias

from cartable.importers.common import FileRef, JsonValue
from cartable.lib.risks import Finding


@dataclass(frozen=True, slots=True)
class Answer:
    source_id: int
    text: str
    fraction: float
    feedback: str


@dataclass(frozen=True, slots=True)
class Hint:
    text: str
    show_num_correct: bool = False
    clear_wrong: bool = False
    options: str = ""


@dataclass(frozen=True, slots=True)
class CombinedFeedback:
    correct: str = ""
    partially_correct: str = ""
    incorrect: str = ""
    show_num_correct: bool = False


@dataclass(frozen=True, slots=True)
class Unit:
    unit: str
    multiplier: float


@dataclass(frozen=True, slots=True)
class UnitOptions:
    units: tuple[Unit, ...] = ()
    show_units: int = 3  # 0 text input, 1 choice, 2 left out... as Moodle numbers them
    units_left: bool = False
    unit_grading: int = 0
    unit_penalty: float = 0.1


@dataclass(frozen=True, slots=True)
class MultichoiceData:
    single: bool
    shuffle: bool
    numbering: str
    answers: tuple[Answer, ...]
    feedback: CombinedFeedback
    show_standard_instruction: bool = False


@dataclass(frozen=True, slots=True)
class TrueFalseData:
    true_answer: Answer
    false_answer: Answer

    @property
    def correct(self) -> bool:
        return self.true_answer.fraction > self.false_answer.fraction


@dataclass(frozen=True, slots=True)
class ShortAnswerData:
    case_sensitive: bool
    answers: tuple[Answer, ...]


@dataclass(frozen=True, slots=True)
class NumericalAnswer:
    answer: Answer  # answer.text is the number (or "*" for any other answer)
    tolerance: float


@dataclass(frozen=True, slots=True)
class NumericalData:
    answers: tuple[NumericalAnswer, ...]
    units: UnitOptions


@dataclass(frozen=True, slots=True)
class MatchPair:
    source_id: int
    question: str  # HTML; "" for an extra wrong answer
    answer: str  # plain text


@dataclass(frozen=True, slots=True)
class MatchData:
    shuffle: bool
    pairs: tuple[MatchPair, ...]
    feedback: CombinedFeedback


@dataclass(frozen=True, slots=True)
class EssayData:
    response_format: str
    response_required: bool
    response_lines: int
    attachments: int
    attachments_required: int
    grader_info: str
    response_template: str
    min_words: int | None = None
    max_words: int | None = None
    file_types: str = ""
    max_bytes: int = 0  # each attached file's limit (Moodle's maxbytes; 0: the box's own)


@dataclass(frozen=True, slots=True)
class DescriptionData:
    """Text only: nothing to answer."""


@dataclass(frozen=True, slots=True)
class MultianswerData:
    """A cloze question: its text holds ``{#1}``, ``{#2}``... standing for the subquestions."""

    subquestions: tuple[Question, ...]
    missing: tuple[int, ...] = ()  # ids in the sequence that the backup did not hold


@dataclass(frozen=True, slots=True)
class GapChoice:
    text: str
    group: int
    infinite: bool = False


@dataclass(frozen=True, slots=True)
class GapData:
    """gapselect and ddwtos: the text holds ``[[1]]``, ``[[2]]``... numbering the choices."""

    shuffle: bool
    choices: tuple[GapChoice, ...]
    feedback: CombinedFeedback


@dataclass(frozen=True, slots=True)
class DatasetItem:
    number: int
    value: float


@dataclass(frozen=True, slots=True)
class Dataset:
    name: str
    kind: str  # "private" or "shared"
    distribution: str  # "uniform" or "loguniform"
    minimum: float
    maximum: float
    decimals: int
    items: tuple[DatasetItem, ...]


@dataclass(frozen=True, slots=True)
class CalculatedAnswer:
    answer: Answer  # answer.text is the formula
    tolerance: float
    tolerance_type: int  # 1 relative, 2 nominal, 3 geometric
    correct_answer_length: int
    correct_answer_format: int  # 1 decimals, 2 significant figures


@dataclass(frozen=True, slots=True)
class CalculatedData:
    """calculated, calculatedsimple and calculatedmulti."""

    answers: tuple[CalculatedAnswer, ...]
    datasets: tuple[Dataset, ...]
    units: UnitOptions
    synchronize: bool = False
    single: bool = True  # calculatedmulti only
    shuffle: bool = False  # calculatedmulti only
    feedback: CombinedFeedback = CombinedFeedback()


@dataclass(frozen=True, slots=True)
class DragItem:
    number: int
    group: int
    infinite: bool
    text: str
    image: FileRef | None = None


@dataclass(frozen=True, slots=True)
class DropZone:
    number: int
    x: int
    y: int
    choice: int
    label: str


@dataclass(frozen=True, slots=True)
class DragImageData:
    """ddimageortext: items dragged onto places of a background image."""

    background: FileRef | None
    drags: tuple[DragItem, ...]
    drops: tuple[DropZone, ...]
    shuffle: bool
    feedback: CombinedFeedback


@dataclass(frozen=True, slots=True)
class Marker:
    number: int
    label: str
    infinite: bool
    count: int


@dataclass(frozen=True, slots=True)
class MarkerZone:
    number: int
    shape: str  # "circle", "rectangle" or "polygon"
    coords: str
    choice: int


@dataclass(frozen=True, slots=True)
class DragMarkerData:
    background: FileRef | None
    markers: tuple[Marker, ...]
    zones: tuple[MarkerZone, ...]
    shuffle: bool
    show_misplaced: bool
    feedback: CombinedFeedback


@dataclass(frozen=True, slots=True)
class RandomShortAnswerMatchData:
    choose: int
    subcategories: bool
    shuffle: bool
    feedback: CombinedFeedback


@dataclass(frozen=True, slots=True)
class RandomData:
    """A Moodle 3 random question (Moodle 4+ uses random quiz slots instead)."""

    include_subcategories: bool


QuestionData: TypeAlias = (
    MultichoiceData
    | TrueFalseData
    | ShortAnswerData
    | NumericalData
    | MatchData
    | EssayData
    | DescriptionData
    | MultianswerData
    | GapData
    | CalculatedData
    | DragImageData
    | DragMarkerData
    | RandomShortAnswerMatchData
    | RandomData
)

QuestionStatus = Literal["ready", "hidden", "draft"]


@dataclass(frozen=True, slots=True)
class Question:
    source_id: int
    category_id: int
    qtype: str
    name: str
    text: str
    general_feedback: str
    default_mark: float
    penalty: float
    data: QuestionData
    hints: tuple[Hint, ...] = ()
    status: QuestionStatus = "ready"
    stamp: str = ""
    idnumber: str = ""
    bank_entry_id: int | None = None  # Moodle 4+
    version: int | None = None  # Moodle 4+
    parent_id: int | None = None  # for the subquestions of a cloze question
    files: tuple[FileRef, ...] = ()
    external_links: tuple[str, ...] = ()
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class QuestionCategory:
    source_id: int
    name: str
    info: str
    parent_id: int | None
    context_level: str  # "system", "category", "course" or "module"
    context_instance_id: int
    stamp: str = ""
    idnumber: str = ""
    sort_order: int = 0


@dataclass(frozen=True, slots=True)
class QuestionBank:
    categories: tuple[QuestionCategory, ...] = ()
    questions: tuple[Question, ...] = ()  # subquestions of cloze questions sit in their parent
    filter_condition: JsonValue = None

    def by_id(self) -> dict[int, Question]:
        return {question.source_id: question for question in self.questions}

    def walk(self) -> Iterator[Question]:
        """Every question, subquestions of cloze questions included."""
        for question in self.questions:
            yield question
            if isinstance(question.data, MultianswerData):
                yield from question.data.subquestions
