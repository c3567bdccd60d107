"""Embedded answers, or cloze (``multianswer/question.php``): a text with parts ``{#1}``,
``{#2}``... each a short answer, numerical or multiple choice question of its own, weighted by
its mark. Part ``i``'s fields are posted with the prefix ``subi_``."""

from __future__ import annotations

from collections.abc import Sequence

from cartable.importers.questions import Hint

from .core import Grade, Invalid, PartGrade, Prepared, State
from .responses import (
    ChoiceResponse,
    ChoicesResponse,
    ClozeResponse,
    NumberResponse,
    PartResponse,
    Response,
    TextResponse,
)

_PART_RESPONSES = (ChoiceResponse, ChoicesResponse, TextResponse, NumberResponse)


def combine(overall: State | None, new: State) -> State:
    """The state of the whole from its parts' (``combine_states``): right when all are right,
    wrong when all are wrong or unanswered, gave up when none was answered."""
    if overall is None:
        return new
    wrongish = (State.GAVE_UP, State.GRADED_WRONG)
    if overall is State.GAVE_UP and new is State.GAVE_UP:
        return State.GAVE_UP
    if overall in wrongish and new in wrongish:
        return State.GRADED_WRONG
    if overall is State.GRADED_RIGHT and new is State.GRADED_RIGHT:
        return State.GRADED_RIGHT
    return State.GRADED_PARTIAL


class Cloze(Prepared):
    def __init__(
        self,
        parts: tuple[Prepared, ...],
        weights: tuple[float, ...],
        *,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
    ) -> None:
        self.qtype = "multianswer"
        self.parts = parts
        self.weights = weights
        self.penalty = penalty
        self.hints = hints
        self.countback = True

    def _parts(self, response: Response) -> tuple[PartResponse, ...]:
        found = response.parts if isinstance(response, ClozeResponse) else ()
        result: list[PartResponse] = []
        for index, part in enumerate(self.parts):
            given = found[index] if index < len(found) else None
            empty = part.empty()
            if isinstance(given, type(empty)) and isinstance(given, _PART_RESPONSES):
                result.append(given)
            elif isinstance(empty, _PART_RESPONSES):
                result.append(empty)
        return tuple(result)

    def empty(self) -> Response:
        return ClozeResponse(self._parts(ClozeResponse()))

    def parse(self, form: object, prefix: str = "") -> Response:
        parsed = [part.parse(form, f"{prefix}sub{i}_") for i, part in enumerate(self.parts, 1)]
        return ClozeResponse(
            self._parts(ClozeResponse(tuple(p for p in parsed if isinstance(p, _PART_RESPONSES))))
        )

    def form_data(self, response: Response) -> dict[str, str]:
        data: dict[str, str] = {}
        for i, (part, given) in enumerate(zip(self.parts, self._parts(response), strict=True), 1):
            data.update({f"sub{i}_{k}": v for k, v in part.form_data(given).items()})
        return data

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        found: list[Invalid] = []
        for i, (part, given) in enumerate(zip(self.parts, self._parts(response), strict=True), 1):
            found.extend(Invalid(problem.message, i) for problem in part.problems(given))
        return tuple(found)

    def is_gradable(self, response: Response) -> bool:
        return any(
            part.is_gradable(given)
            for part, given in zip(self.parts, self._parts(response), strict=True)
        )

    def grade(self, response: Response) -> Grade:
        overall: State | None = None
        total = 0.0
        parts: list[PartGrade] = []
        for i, (part, given) in enumerate(zip(self.parts, self._parts(response), strict=True), 1):
            if not part.is_gradable(given):
                overall = combine(overall, State.GAVE_UP)
                parts.append(PartGrade(i, 0.0, State.GAVE_UP))
                continue
            grade = part.grade(given)
            fraction = grade.fraction or 0.0
            total += fraction * self.weights[i - 1]
            overall = combine(overall, grade.state)
            parts.append(PartGrade(i, fraction, grade.state, grade.answers))
        weight = sum(self.weights)
        if not parts or weight <= 0:
            return Grade(0.0, State.GRADED_WRONG, parts=tuple(parts))
        return Grade(total / weight, overall or State.GRADED_WRONG, parts=tuple(parts))

    def same(self, a: Response, b: Response) -> bool:
        return all(
            part.same(x, y)
            for part, x, y in zip(self.parts, self._parts(a), self._parts(b), strict=True)
        )

    def correct(self) -> Response | None:
        found = [part.correct() for part in self.parts]
        if any(r is None for r in found):
            return None
        return ClozeResponse(
            self._parts(ClozeResponse(tuple(r for r in found if isinstance(r, _PART_RESPONSES))))
        )

    def min_fraction(self) -> float:
        weight = sum(self.weights)
        if weight <= 0:
            return 0.0
        return (
            sum(w * part.min_fraction() for part, w in zip(self.parts, self.weights, strict=True))
            / weight
        )

    def clear_wrong(self, response: Response) -> Response:
        kept = [
            given if part.grade(given).state is State.GRADED_RIGHT else part.empty()
            for part, given in zip(self.parts, self._parts(response), strict=True)
        ]
        return ClozeResponse(tuple(k for k in kept if isinstance(k, _PART_RESPONSES)))

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        right = sum(
            1
            for part, given in zip(self.parts, self._parts(response), strict=True)
            if part.grade(given).state is State.GRADED_RIGHT
        )
        return right, len(self.parts)

    def final_grade(self, responses: Sequence[Response], penalty: float) -> float:
        """Each part is worth its grade on the try it last changed, less a penalty for each
        try before that one."""
        weight = sum(self.weights)
        if weight <= 0:
            return 0.0
        tries = [self._parts(response) for response in responses]
        total = 0.0
        for index, part in enumerate(self.parts):
            last: Response = part.empty()
            last_change, fraction = 0, 0.0
            for attempt, given in enumerate(tries):
                if part.same(last, given[index]):
                    continue
                last, last_change = given[index], attempt
                fraction = part.grade(given[index]).fraction or 0.0
            total += self.weights[index] * max(0.0, fraction - last_change * penalty)
        return total / weight
