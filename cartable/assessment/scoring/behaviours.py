"""Question behaviours as pure state machines (``question/behaviour/*/behaviour.php``).

A question attempt is the list of its steps. ``begin`` makes the first step, ``process``
takes an action (save, check, try again, finish, a teacher's grade) and returns the attempt
with one more step, or the same attempt when the action changes nothing (Moodle's DISCARD: the
same response saved again, a check after the question is finished...). ``replay`` runs a whole
list of actions. Nothing here raises on what a learner sends: a response is already parsed.

Behaviours: deferred feedback, immediate feedback, interactive with several tries (and its
countback variant for questions graded by parts), adaptive and adaptive without penalties,
deferred and immediate feedback with certainty-based marking (deferredcbm, immediatecbm: the
learner's certainty 1 to 3 is sent with each response and rescales the grade, ``cbm``); an
essay is always graded by hand (manualgraded) and a description only shown (informationitem).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Literal, TypeAlias

from cartable.importers.questions import Hint

from . import cbm
from .core import ALMOST_ZERO, Prepared, State, manually_graded_state
from .responses import Response


class Behaviour(StrEnum):
    DEFERRED = "deferredfeedback"
    IMMEDIATE = "immediatefeedback"
    INTERACTIVE = "interactive"
    INTERACTIVE_COUNTBACK = "interactivecountback"
    ADAPTIVE = "adaptive"
    ADAPTIVE_NO_PENALTY = "adaptivenopenalty"
    DEFERRED_CBM = "deferredcbm"
    IMMEDIATE_CBM = "immediatecbm"
    MANUAL = "manualgraded"
    INFORMATION = "informationitem"


_PREFERRED = {
    "deferredfeedback": Behaviour.DEFERRED,
    "deferredcbm": Behaviour.DEFERRED_CBM,
    "immediatefeedback": Behaviour.IMMEDIATE,
    "immediatecbm": Behaviour.IMMEDIATE_CBM,
    "interactive": Behaviour.INTERACTIVE,
    "adaptive": Behaviour.ADAPTIVE,
    "adaptivenopenalty": Behaviour.ADAPTIVE_NO_PENALTY,
}


def behaviour_for(preferred: str, question: Prepared) -> Behaviour:
    """The behaviour a question runs under in a quiz that prefers ``preferred``: essays are
    graded by hand, descriptions only shown, questions graded by parts use countback in
    interactive mode; an unknown name as deferred feedback."""
    if question.manual:
        return Behaviour.MANUAL
    if question.informational:
        return Behaviour.INFORMATION
    found = _PREFERRED.get(preferred, Behaviour.DEFERRED)
    if found is Behaviour.INTERACTIVE and question.countback:
        return Behaviour.INTERACTIVE_COUNTBACK
    return found


StepKind = Literal["start", "save", "submit", "tryagain", "finish", "comment"]


@dataclass(frozen=True, slots=True)
class Step:
    kind: StepKind
    state: State
    response: Response | None = None  # the response sent with this step, if any
    fraction: float | None = None
    tries_left: int | None = None  # interactive (Moodle's _triesleft)
    tries: int | None = None  # adaptive: responses graded so far (Moodle's _try)
    raw_fraction: float | None = None  # adaptive, CBM: the grade before penalties, certainty
    comment: str = ""
    certainty: int | None = None  # CBM: the certainty sent with this step (Moodle's certainty)
    assumed_certainty: int | None = None  # CBM: graded without one, this was assumed


@dataclass(frozen=True, slots=True)
class QuestionAttempt:
    behaviour: Behaviour
    max_mark: float
    steps: tuple[Step, ...]

    @property
    def last(self) -> Step:
        return self.steps[-1]

    @property
    def state(self) -> State:
        return self.last.state

    @property
    def fraction(self) -> float | None:
        return self.last.fraction

    @property
    def mark(self) -> float | None:
        return None if self.fraction is None else self.fraction * self.max_mark

    @property
    def response(self) -> Response | None:
        """The learner's latest response."""
        return next((s.response for s in reversed(self.steps) if s.response is not None), None)

    @property
    def tries_left(self) -> int | None:
        return next((s.tries_left for s in reversed(self.steps) if s.tries_left is not None), None)

    @property
    def tries(self) -> int:
        return next((s.tries for s in reversed(self.steps) if s.tries is not None), 0)

    @property
    def certainty(self) -> int | None:
        """CBM: the learner's latest certainty (Moodle's last behaviour var)."""
        return next((s.certainty for s in reversed(self.steps) if s.certainty is not None), None)

    @property
    def assumed_certainty(self) -> int | None:
        """CBM: the certainty assumed when the question was graded without one."""
        return next(
            (s.assumed_certainty for s in reversed(self.steps) if s.assumed_certainty), None
        )

    @property
    def raw_fraction(self) -> float | None:
        """The last grade before penalties or certainty (Moodle's ``_rawfraction``)."""
        return next(
            (s.raw_fraction for s in reversed(self.steps) if s.raw_fraction is not None), None
        )

    @property
    def comment(self) -> str:
        return next((s.comment for s in reversed(self.steps) if s.kind == "comment"), "")

    @property
    def try_again_pending(self) -> bool:
        """Interactive: checked, wrong, tries left; waiting for "Try again"."""
        last = self.last
        return self.state.is_active and last.kind == "submit" and last.tries_left is not None


@dataclass(frozen=True, slots=True)
class Save:
    response: Response
    certainty: int | None = None  # CBM behaviours only: 1, 2, 3 or none chosen


@dataclass(frozen=True, slots=True)
class Submit:
    """The learner's "Check" (immediate feedback, interactive, adaptive)."""

    response: Response
    certainty: int | None = None  # CBM behaviours only


@dataclass(frozen=True, slots=True)
class TryAgain:
    pass


@dataclass(frozen=True, slots=True)
class Finish:
    """The attempt is submitted (or closed at its time limit)."""


@dataclass(frozen=True, slots=True)
class Comment:
    """A teacher's comment and, optionally, grade (as a fraction of the question's mark)."""

    fraction: float | None
    comment: str = ""


Action: TypeAlias = Save | Submit | TryAgain | Finish | Comment


def begin(behaviour: Behaviour, question: Prepared, max_mark: float) -> QuestionAttempt:
    tries = len(question.hints) + 1 if behaviour in _INTERACTIVE else None
    first = Step("start", State.TODO, question.empty(), tries_left=tries)
    return QuestionAttempt(behaviour, max_mark, (first,))


def replay(
    behaviour: Behaviour, question: Prepared, max_mark: float, actions: Iterable[Action]
) -> QuestionAttempt:
    attempt = begin(behaviour, question, max_mark)
    for action in actions:
        attempt = process(attempt, question, action)
    return attempt


_INTERACTIVE = (Behaviour.INTERACTIVE, Behaviour.INTERACTIVE_COUNTBACK)
_ADAPTIVE = (Behaviour.ADAPTIVE, Behaviour.ADAPTIVE_NO_PENALTY)
CBM_BEHAVIOURS = frozenset({Behaviour.DEFERRED_CBM, Behaviour.IMMEDIATE_CBM})
_IMMEDIATE = (Behaviour.IMMEDIATE, Behaviour.IMMEDIATE_CBM)


def process(attempt: QuestionAttempt, question: Prepared, action: Action) -> QuestionAttempt:
    """``attempt`` after ``action`` (the same object when the action changes nothing)."""
    step = _step(attempt, question, action)
    return attempt if step is None else replace(attempt, steps=(*attempt.steps, step))


def _step(attempt: QuestionAttempt, question: Prepared, action: Action) -> Step | None:
    if isinstance(action, Comment):
        return _comment(attempt, question, action)
    behaviour = attempt.behaviour
    if behaviour is Behaviour.INFORMATION:
        if isinstance(action, Finish) and not attempt.state.is_finished:
            return Step("finish", State.FINISHED)
        return None
    if behaviour in _INTERACTIVE:
        return _interactive(attempt, question, action)
    if behaviour in _ADAPTIVE:
        return _adaptive(attempt, question, action)
    uses_cbm = behaviour in CBM_BEHAVIOURS
    if isinstance(action, Finish):
        return _finish(attempt, question)
    certainty = (
        _certainty(action.certainty) if uses_cbm and isinstance(action, Save | Submit) else None
    )
    if isinstance(action, Submit) and behaviour in _IMMEDIATE:
        return _submit_once(attempt, question, action.response, certainty, uses_cbm)
    if isinstance(action, Save | Submit):
        return _save(
            attempt,
            question,
            action.response,
            complete_state=behaviour not in _IMMEDIATE,
            certainty=certainty,
            uses_cbm=uses_cbm,
        )
    return None


def _certainty(value: int | None) -> int | None:
    return value if value in cbm.CERTAINTIES else None


def _last_sent(attempt: QuestionAttempt, question: Prepared) -> Response:
    """What the last step sent (Moodle compares with the last step's data only)."""
    response = attempt.last.response
    return question.empty() if response is None else response


def _save(
    attempt: QuestionAttempt,
    question: Prepared,
    response: Response,
    *,
    complete_state: bool,
    certainty: int | None = None,
    uses_cbm: bool = False,
) -> Step | None:
    """A response saved (with its certainty under CBM: a new certainty alone is a new step,
    and a response is complete only with a certainty)."""
    if attempt.state.is_finished:
        return None
    if question.same(_last_sent(attempt, question), response) and (
        not uses_cbm or attempt.certainty == certainty
    ):
        return None
    complete = question.is_complete(response) and (not uses_cbm or certainty is not None)
    state = State.COMPLETE if complete and complete_state else State.TODO
    return Step("save", state, response, certainty=certainty)


def _finish(attempt: QuestionAttempt, question: Prepared) -> Step | None:
    if attempt.state.is_finished:
        return None
    response = attempt.response or question.empty()
    if not question.is_gradable(response):
        return Step("finish", State.GAVE_UP)
    grade = question.grade(response)
    if question.manual:
        return Step("finish", State.NEEDS_GRADING)
    if attempt.behaviour in CBM_BEHAVIOURS:
        # The certainty sent with the last step counts; without one, low is assumed.
        return _cbm_graded("finish", grade.state, grade.fraction, attempt.last.certainty)
    return Step("finish", grade.state, fraction=grade.fraction)


def _cbm_graded(
    kind: StepKind,
    state: State,
    fraction: float | None,
    certainty: int | None,
    response: Response | None = None,
) -> Step:
    assumed = cbm.LOW if certainty is None else None
    return Step(
        kind,
        state,
        response,
        fraction=cbm.adjust(fraction, certainty),
        raw_fraction=fraction,
        certainty=certainty if response is not None else None,
        assumed_certainty=assumed,
    )


def _submit_once(
    attempt: QuestionAttempt,
    question: Prepared,
    response: Response,
    certainty: int | None = None,
    uses_cbm: bool = False,
) -> Step | None:
    """Immediate feedback: a complete response (with a certainty under CBM) is graded and
    the question is over."""
    if attempt.state.is_finished:
        return None
    if not question.is_complete(response) or (uses_cbm and certainty is None):
        return Step("submit", State.INVALID, response, certainty=certainty)
    grade = question.grade(response)
    if uses_cbm:
        return _cbm_graded("submit", grade.state, grade.fraction, certainty, response)
    return Step("submit", grade.state, response, fraction=grade.fraction)


# --- Interactive with several tries ----------------------------------------------------------


def _interactive(attempt: QuestionAttempt, question: Prepared, action: Action) -> Step | None:
    if isinstance(action, Finish):
        if attempt.state.is_finished:
            return None
        response = attempt.response or question.empty()
        if not question.is_gradable(response):
            return Step("finish", State.GAVE_UP)
        grade = question.grade(response)
        fraction = _interactive_fraction(attempt, question, grade.fraction or 0.0, None)
        return Step("finish", grade.state, fraction=fraction)
    if attempt.try_again_pending:
        return Step("tryagain", State.TODO) if isinstance(action, TryAgain) else None
    if isinstance(action, Submit):
        if attempt.state.is_finished:
            return None
        response = action.response
        if not question.is_complete(response):
            return Step("submit", State.INVALID, response)
        tries_left = attempt.tries_left or 1
        grade = question.grade(response)
        if grade.state is State.GRADED_RIGHT or tries_left <= 1:
            fraction = _interactive_fraction(attempt, question, grade.fraction or 0.0, response)
            return Step("submit", grade.state, response, fraction=fraction)
        return Step("submit", State.TODO, response, tries_left=tries_left - 1)
    if isinstance(action, Save):
        return _save(attempt, question, action.response, complete_state=False)
    return None


def _interactive_fraction(
    attempt: QuestionAttempt, question: Prepared, fraction: float, submitted: Response | None
) -> float:
    total = attempt.steps[0].tries_left or 1
    if attempt.behaviour is Behaviour.INTERACTIVE_COUNTBACK:
        responses: list[Response] = []
        last_save: Response | None = None
        for step in attempt.steps:
            if (
                step.kind == "submit"
                and step.state is not State.INVALID
                and step.response is not None
            ):
                responses.append(step.response)
                last_save = None
            else:
                last_save = step.response
        if submitted is not None:
            responses.append(submitted)
        elif last_save is not None:
            responses.append(last_save)
        return question.final_grade(responses, question.penalty)
    tries_left = attempt.tries_left or 1
    return max(fraction - (total - tries_left) * question.penalty, 0.0)


def applicable_hint(attempt: QuestionAttempt, question: Prepared) -> Hint | None:
    """Interactive: the hint shown while waiting for "Try again" (the first hint after the
    first wrong try...), as it applies to the response checked."""
    if not attempt.try_again_pending or attempt.tries_left is None:
        return None
    index = len(question.hints) - attempt.tries_left
    if not 0 <= index < len(question.hints):
        return None
    return question.adjust_hint(question.hints[index], attempt.response or question.empty())


def try_again_response(attempt: QuestionAttempt, question: Prepared) -> Response:
    """What the form holds when the learner tries again: the last response, without its wrong
    parts when the hint says so."""
    response = attempt.response or question.empty()
    hint = applicable_hint(attempt, question)
    return question.clear_wrong(response) if hint is not None and hint.clear_wrong else response


# --- Adaptive --------------------------------------------------------------------------------


def _adaptive(attempt: QuestionAttempt, question: Prepared, action: Action) -> Step | None:
    penalty = question.penalty if attempt.behaviour is Behaviour.ADAPTIVE else 0.0
    previous = attempt.fraction
    if isinstance(action, Save):
        if attempt.state.is_finished or question.same(
            _last_sent(attempt, question), action.response
        ):
            return None
        return Step("save", State.TODO, action.response, fraction=previous)
    if isinstance(action, Submit):
        if attempt.state.is_finished:
            return None
        response = action.response
        if not question.is_complete(response):
            if attempt.state is State.INVALID and question.same(
                _last_sent(attempt, question), response
            ):
                return None
            return Step("submit", State.INVALID, response, fraction=previous)
        graded = next((s for s in reversed(attempt.steps) if s.tries is not None), None)
        graded_response = (
            graded.response if graded and graded.response is not None else question.empty()
        )
        if graded is not None and question.same(response, graded_response):
            return None
        tries = attempt.tries
        grade = question.grade(response)
        raw = grade.fraction or 0.0
        best = max(previous or 0.0, raw - penalty * tries)
        if (
            graded is not None and graded.state is State.COMPLETE
        ) or grade.state is State.GRADED_RIGHT:
            state = State.COMPLETE
        else:
            state = State.TODO
        return Step("submit", state, response, fraction=best, tries=tries + 1, raw_fraction=raw)
    if isinstance(action, Finish):
        if attempt.state.is_finished:
            return None
        tries = attempt.tries
        best = previous or 0.0
        response = attempt.response or question.empty()
        if not question.is_gradable(response):
            return Step("finish", State.GAVE_UP, fraction=max(best, 0.0 - penalty * tries))
        if attempt.last.tries is not None:
            tries -= 1  # the last response was graded already: grade it again, not as a new try
        grade = question.grade(response)
        raw = grade.fraction or 0.0
        return Step(
            "finish",
            grade.state,
            fraction=max(best, raw - penalty * tries),
            tries=tries + 1,
            raw_fraction=raw,
        )
    return None


# --- Teachers' comments and grades -----------------------------------------------------------


def _comment(attempt: QuestionAttempt, question: Prepared, action: Comment) -> Step | None:
    """A teacher comments or grades a finished question (``process_comment``). A grade out of
    the question's bounds, or a comment on an unfinished question, changes nothing."""
    if not attempt.state.is_finished:
        return None
    fraction = action.fraction
    if fraction is not None and not (
        min_fraction(attempt.behaviour, question) - ALMOST_ZERO
        <= fraction
        <= max_fraction(attempt.behaviour, question) + ALMOST_ZERO
    ):
        return None
    if fraction == attempt.fraction and action.comment == attempt.comment:
        return None
    if fraction is None:
        fraction = attempt.fraction
        state = _commented_without_grade(attempt.state, fraction)
    else:
        state = manually_graded_state(fraction)
    return Step("comment", state, fraction=fraction, comment=action.comment)


def _commented_without_grade(state: State, fraction: float | None) -> State:
    if state in (State.GAVE_UP, State.MANUAL_GAVE_UP):
        return State.MANUAL_GAVE_UP
    if state in (State.FINISHED, State.MANUAL_FINISHED):
        return State.MANUAL_FINISHED
    if state is State.NEEDS_GRADING or fraction is None:
        return state
    return manually_graded_state(fraction)


def min_fraction(behaviour: Behaviour, question: Prepared) -> float:
    """The least fraction a question can score under a behaviour: deferred and immediate
    feedback keep negative marks, the others stop at zero, certainty-based marking goes down
    to what a wrong answer at high certainty costs."""
    if behaviour in CBM_BEHAVIOURS:
        return cbm.adjust(question.min_fraction(), cbm.HIGH) or 0.0
    if behaviour in (Behaviour.DEFERRED, Behaviour.IMMEDIATE):
        return question.min_fraction()
    return 0.0


def max_fraction(behaviour: Behaviour, question: Prepared) -> float:
    """The most a question can score under a behaviour (certainty-based marking: a right
    answer at high certainty)."""
    if behaviour in CBM_BEHAVIOURS:
        return cbm.adjust(question.max_fraction(), cbm.HIGH) or 0.0
    return question.max_fraction()


def summary_of(steps: Sequence[Step]) -> list[str]:
    """The step kinds and states, for reports and tests ("submit:todo")."""
    return [f"{step.kind}:{step.state.value}" for step in steps]
