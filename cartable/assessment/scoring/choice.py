"""Multiple choice (one answer or several), true/false, and the choices of calculated
multichoice (``question/type/multichoice/question.php``, ``truefalse/question.php``).

On the page, the answer ``k`` shown is posted as ``answer=k`` (one answer) or ``choicek=1``
(several), ``k`` counting from 0 in the shuffled order, as Moodle posts them.
"""

from __future__ import annotations

from collections.abc import Sequence

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import Answer, CombinedFeedback, Hint, TrueFalseData

from . import forms
from .core import ALMOST_ZERO, NO_FEEDBACK, Grade, Invalid, Prepared, combined_key, graded_state
from .responses import ChoiceResponse, ChoicesResponse, Response, TrueFalseResponse

MSG_SELECT_ONE = gettext_noop("Please select an answer.")
MSG_SELECT_SOME = gettext_noop("Please select at least one answer.")


def full_order(order: Sequence[int], count: int) -> tuple[int, ...]:
    """A stored order made whole: indexes out of range or repeated are dropped, indexes it
    lacks are added at the end (the question may have changed since the attempt began)."""
    seen: list[int] = []
    for index in order:
        if isinstance(index, int) and 0 <= index < count and index not in seen:
            seen.append(index)
    return tuple(seen) + tuple(i for i in range(count) if i not in seen)


def is_right(fraction: float) -> bool:
    return fraction > 1 - ALMOST_ZERO


def is_wrong(fraction: float) -> bool:
    return fraction < ALMOST_ZERO


class SingleChoice(Prepared):
    def __init__(
        self,
        qtype: str,
        answers: tuple[Answer, ...],
        order: Sequence[int],
        *,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
        feedback: CombinedFeedback = NO_FEEDBACK,
    ) -> None:
        self.qtype = qtype
        self.answers = answers
        self.order = full_order(order, len(answers))
        self.penalty = penalty
        self.hints = hints
        self.feedback = feedback

    def _selected(self, response: Response) -> int | None:
        if isinstance(response, ChoiceResponse) and response.selected in self.order:
            return response.selected
        return None

    def empty(self) -> Response:
        return ChoiceResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        position = forms.integer(form, prefix + "answer")
        if position is None or not 0 <= position < len(self.order):
            return ChoiceResponse()
        return ChoiceResponse(self.order[position])

    def form_data(self, response: Response) -> dict[str, str]:
        selected = self._selected(response)
        return {} if selected is None else {"answer": str(self.order.index(selected))}

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        if self._selected(response) is None:
            return (Invalid(Text(MSG_SELECT_ONE)),)
        return ()

    def is_gradable(self, response: Response) -> bool:
        return self._selected(response) is not None

    def grade(self, response: Response) -> Grade:
        selected = self._selected(response)
        if selected is None:
            return Grade(0.0, graded_state(0.0), combined=combined_key(graded_state(0.0)))
        answer = self.answers[selected]
        state = graded_state(answer.fraction)
        return Grade(answer.fraction, state, (answer.source_id,), combined=combined_key(state))

    def same(self, a: Response, b: Response) -> bool:
        return self._selected(a) == self._selected(b)

    def correct(self) -> Response | None:
        for index in self.order:
            if is_right(self.answers[index].fraction):
                return ChoiceResponse(index)
        return None

    def min_fraction(self) -> float:
        return min([0.0, *(answer.fraction for answer in self.answers)])


class MultipleChoice(Prepared):
    def __init__(
        self,
        qtype: str,
        answers: tuple[Answer, ...],
        order: Sequence[int],
        *,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
        feedback: CombinedFeedback = NO_FEEDBACK,
    ) -> None:
        self.qtype = qtype
        self.answers = answers
        self.order = full_order(order, len(answers))
        self.penalty = penalty
        self.hints = hints
        self.feedback = feedback

    def _selected(self, response: Response) -> tuple[int, ...]:
        if not isinstance(response, ChoicesResponse):
            return ()
        return tuple(sorted({i for i in response.selected if i in self.order}))

    def empty(self) -> Response:
        return ChoicesResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        ticked = {
            index
            for position, index in enumerate(self.order)
            if forms.flag(form, f"{prefix}choice{position}")
        }
        return ChoicesResponse(tuple(sorted(ticked)))

    def form_data(self, response: Response) -> dict[str, str]:
        return {f"choice{self.order.index(i)}": "1" for i in self._selected(response)}

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        return () if self._selected(response) else (Invalid(Text(MSG_SELECT_SOME)),)

    def is_gradable(self, response: Response) -> bool:
        return bool(self._selected(response))

    def grade(self, response: Response) -> Grade:
        selected = self._selected(response)
        total = sum(self.answers[i].fraction for i in selected)
        fraction = min(max(0.0, total), 1.0)
        state = graded_state(fraction)
        return Grade(
            fraction,
            state,
            tuple(self.answers[i].source_id for i in selected),
            combined=combined_key(state),
        )

    def same(self, a: Response, b: Response) -> bool:
        return self._selected(a) == self._selected(b)

    def correct(self) -> Response | None:
        return ChoicesResponse(
            tuple(sorted(i for i in self.order if not is_wrong(self.answers[i].fraction)))
        )

    def clear_wrong(self, response: Response) -> Response:
        return ChoicesResponse(
            tuple(i for i in self._selected(response) if not is_wrong(self.answers[i].fraction))
        )

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        right = sum(1 for i in self._selected(response) if not is_wrong(self.answers[i].fraction))
        return right, len(self.order)

    def adjust_hint(self, hint: Hint, response: Response) -> Hint:
        correct = sum(1 for answer in self.answers if not is_wrong(answer.fraction))
        if len(self._selected(response)) > correct and hint.clear_wrong:
            return Hint(hint.text, hint.show_num_correct, False, hint.options)
        return hint


class TrueFalse(Prepared):
    def __init__(
        self, data: TrueFalseData, *, penalty: float = 0.0, hints: tuple[Hint, ...] = ()
    ) -> None:
        self.qtype = "truefalse"
        self.data = data
        self.right = data.true_answer.fraction > 0.99
        self.penalty = penalty
        self.hints = hints

    @staticmethod
    def _value(response: Response) -> bool | None:
        return response.value if isinstance(response, TrueFalseResponse) else None

    def empty(self) -> Response:
        return TrueFalseResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        found = forms.text(form, prefix + "answer")
        return TrueFalseResponse({"1": True, "0": False}.get(found))

    def form_data(self, response: Response) -> dict[str, str]:
        value = self._value(response)
        return {} if value is None else {"answer": "1" if value else "0"}

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        return () if self._value(response) is not None else (Invalid(Text(MSG_SELECT_ONE)),)

    def is_gradable(self, response: Response) -> bool:
        return self._value(response) is not None

    def grade(self, response: Response) -> Grade:
        value = self._value(response)
        fraction = 1.0 if value is not None and value == self.right else 0.0
        chosen = (
            ()
            if value is None
            else ((self.data.true_answer if value else self.data.false_answer).source_id,)
        )
        return Grade(fraction, graded_state(fraction), chosen)

    def same(self, a: Response, b: Response) -> bool:
        return self._value(a) == self._value(b)

    def correct(self) -> Response | None:
        return TrueFalseResponse(self.right)
