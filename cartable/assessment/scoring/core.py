"""What every question type shares: states, grades, feedback keys, validation reasons, and the
``Prepared`` interface the behaviours drive.

A question is *started* once per attempt (``questions.start`` gives a ``Layout``: shuffles, the
calculated variant, the drawn subquestions) and *prepared* (``questions.prepare``: the question
and its layout together, like Moodle's question definition once ``apply_attempt_state`` ran).
Responses are typed per question type and name choices by what they are, not by where the page
showed them, so a grade never depends on the shuffle.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from cartable.importers.common import Text
from cartable.importers.questions import CombinedFeedback, Hint, QuestionBank

from .layouts import Variable
from .responses import Response


class State(StrEnum):
    """Moodle's question states (``question/engine/states.php``), by the same names."""

    TODO = "todo"
    INVALID = "invalid"
    COMPLETE = "complete"
    NEEDS_GRADING = "needsgrading"
    FINISHED = "finished"
    GAVE_UP = "gaveup"
    GRADED_WRONG = "gradedwrong"
    GRADED_PARTIAL = "gradedpartial"
    GRADED_RIGHT = "gradedright"
    MANUAL_FINISHED = "manfinished"
    MANUAL_GAVE_UP = "mangaveup"
    MANUAL_WRONG = "mangrwrong"
    MANUAL_PARTIAL = "mangrpartial"
    MANUAL_RIGHT = "mangrright"

    @property
    def is_active(self) -> bool:
        return self in (State.TODO, State.INVALID, State.COMPLETE)

    @property
    def is_finished(self) -> bool:
        return not self.is_active

    @property
    def is_graded(self) -> bool:
        return self in _GRADED


_GRADED = frozenset(
    {
        State.GRADED_WRONG,
        State.GRADED_PARTIAL,
        State.GRADED_RIGHT,
        State.MANUAL_WRONG,
        State.MANUAL_PARTIAL,
        State.MANUAL_RIGHT,
    }
)

# Below this a fraction is wrong, above 1 minus this it is right (question_state).
ALMOST_ZERO = 0.000001


def graded_state(fraction: float) -> State:
    if fraction < ALMOST_ZERO:
        return State.GRADED_WRONG
    if fraction > 1 - ALMOST_ZERO:
        return State.GRADED_RIGHT
    return State.GRADED_PARTIAL


def manually_graded_state(fraction: float) -> State:
    if fraction < ALMOST_ZERO:
        return State.MANUAL_WRONG
    if fraction > 1 - ALMOST_ZERO:
        return State.MANUAL_RIGHT
    return State.MANUAL_PARTIAL


CombinedKey = Literal["correct", "partially_correct", "incorrect", ""]


def combined_key(state: State) -> CombinedKey:
    """Which combined feedback (correct, partially correct, incorrect) a graded state shows."""
    if state in (State.GRADED_RIGHT, State.MANUAL_RIGHT):
        return "correct"
    if state in (State.GRADED_PARTIAL, State.MANUAL_PARTIAL):
        return "partially_correct"
    if state in (State.GRADED_WRONG, State.MANUAL_WRONG, State.GAVE_UP, State.MANUAL_GAVE_UP):
        return "incorrect"
    return ""


@dataclass(frozen=True, slots=True)
class PartGrade:
    """One part of a question: a cloze subquestion, a matching stem, a gap, a drop zone."""

    number: int
    fraction: float
    state: State
    answers: tuple[int, ...] = ()  # source ids of the answers whose feedback applies


@dataclass(frozen=True, slots=True)
class Grade:
    """The grade of one response: ``fraction`` of the question's mark (None: not graded by the
    machine), Moodle's state, the feedback to show and the parts."""

    fraction: float | None
    state: State
    answers: tuple[int, ...] = ()  # source ids of the chosen or matched answers (feedback)
    parts: tuple[PartGrade, ...] = ()
    combined: CombinedKey = ""  # which combined feedback applies, "" when none


@dataclass(frozen=True, slots=True)
class Invalid:
    """Why a response cannot be graded yet, in the words Moodle uses (``part``: which cloze
    part, numbered from 1)."""

    message: Text
    part: int | None = None


@dataclass(frozen=True, slots=True)
class StartContext:
    """What starting a question in an attempt needs besides the question.

    ``seed`` is stable for the attempt and the slot (a resumed attempt passes the same one);
    ``user`` and ``attempt_number`` pick the calculated variant the way Moodle avoids repeating
    one across a learner's attempts. The separators are those of the learner's language."""

    seed: str
    shuffle_answers: bool = True
    user: str = ""
    attempt_number: int = 1
    decimal_point: str = "."
    thousands_separator: str = ","
    bank: QuestionBank | None = None  # needed by randomsamatch (its short-answer questions)


NO_FEEDBACK = CombinedFeedback()


class Prepared(ABC):
    """A question ready to take responses: its data and its attempt layout together."""

    qtype: str
    penalty: float
    hints: tuple[Hint, ...]
    manual: bool = False  # graded by a teacher (essay)
    informational: bool = False  # nothing to answer, no mark (description)
    countback: bool = False  # interactive grading credits parts right on earlier tries
    feedback: CombinedFeedback = NO_FEEDBACK
    variables: tuple[Variable, ...] = ()  # calculated: the variant's values
    decimal_point: str = "."

    @abstractmethod
    def empty(self) -> Response:
        """The response of someone who answered nothing."""

    @abstractmethod
    def parse(self, form: object, prefix: str = "") -> Response:
        """The response posted in ``form`` (fields named as Moodle names them, after
        ``prefix``). Never raises: missing, extra or garbage fields mean "no answer"."""

    @abstractmethod
    def form_data(self, response: Response) -> dict[str, str]:
        """The form fields (without prefix) that post ``response`` again: what a page fills
        its inputs with. ``parse(form_data(r))`` gives ``r`` back."""

    @abstractmethod
    def problems(self, response: Response) -> tuple[Invalid, ...]:
        """Why ``response`` is incomplete; empty when it is complete."""

    @abstractmethod
    def is_gradable(self, response: Response) -> bool:
        """Whether there is anything to grade (a partial answer is gradable)."""

    @abstractmethod
    def grade(self, response: Response) -> Grade: ...

    @abstractmethod
    def same(self, a: Response, b: Response) -> bool:
        """Whether two responses are the same answer (saving it again changes nothing)."""

    def is_complete(self, response: Response) -> bool:
        return not self.problems(response)

    def correct(self) -> Response | None:
        """A response that earns full marks, or None when there is none to show."""
        return None

    def min_fraction(self) -> float:
        return 0.0

    def max_fraction(self) -> float:
        return 1.0

    def clear_wrong(self, response: Response) -> Response:
        """``response`` without its wrong parts (interactive hint "clear incorrect"); types
        without parts keep the response as it is, as in Moodle."""
        return response

    def adjust_hint(self, hint: Hint, response: Response) -> Hint:
        """The hint as it applies to ``response`` (multiple choice does not clear wrong
        choices when more are ticked than are right, not to give the answer away)."""
        return hint

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        """(parts right, parts) for the hint "show the number of correct responses"."""
        return None

    def final_grade(self, responses: Sequence[Response], penalty: float) -> float:
        """Interactive countback: the grade of the last try crediting parts right earlier
        (only when ``countback``)."""
        raise NotImplementedError
