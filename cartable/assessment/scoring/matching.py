"""Matching and random short-answer matching (``match/question.php``,
``randomsamatch/question.php``). The stem shown ``k``-th (from 0) is posted as ``subk``, its
value the position (from 1) of the chosen choice in the shuffled list, 0 for none."""

from __future__ import annotations

from collections.abc import Sequence

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import CombinedFeedback, Hint

from . import forms
from .choice import full_order
from .core import (
    NO_FEEDBACK,
    Grade,
    Invalid,
    PartGrade,
    Prepared,
    State,
    combined_key,
    graded_state,
)
from .responses import MatchResponse, Response

MSG_ALL_PARTS = gettext_noop("Please answer all parts of the question.")


class Matching(Prepared):
    def __init__(
        self,
        qtype: str,
        stems: tuple[str, ...],
        choices: tuple[str, ...],
        right: tuple[int, ...],
        stem_order: Sequence[int],
        choice_order: Sequence[int],
        *,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
        feedback: CombinedFeedback = NO_FEEDBACK,
    ) -> None:
        self.qtype = qtype
        self.stems = stems
        self.choices = choices
        self.right = right
        self.stem_order = full_order(stem_order, len(stems))
        self.choice_order = full_order(choice_order, len(choices))
        self.penalty = penalty
        self.hints = hints
        self.feedback = feedback
        self.countback = True

    def _choices(self, response: Response) -> tuple[int | None, ...]:
        found = response.choices if isinstance(response, MatchResponse) else ()
        return tuple(
            found[i] if i < len(found) and found[i] in self.choice_order else None
            for i in range(len(self.stems))
        )

    def empty(self) -> Response:
        return MatchResponse(tuple(None for _ in self.stems))

    def parse(self, form: object, prefix: str = "") -> Response:
        chosen: list[int | None] = [None] * len(self.stems)
        for position, stem in enumerate(self.stem_order):
            value = forms.integer(form, f"{prefix}sub{position}")
            if value is not None and 1 <= value <= len(self.choice_order):
                chosen[stem] = self.choice_order[value - 1]
        return MatchResponse(tuple(chosen))

    def form_data(self, response: Response) -> dict[str, str]:
        chosen = self._choices(response)
        return {
            f"sub{position}": str(self.choice_order.index(choice) + 1)
            for position, stem in enumerate(self.stem_order)
            if (choice := chosen[stem]) is not None
        }

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        if all(choice is not None for choice in self._choices(response)):
            return ()
        return (Invalid(Text(MSG_ALL_PARTS)),)

    def is_gradable(self, response: Response) -> bool:
        return any(choice is not None for choice in self._choices(response))

    def grade(self, response: Response) -> Grade:
        chosen = self._choices(response)
        parts = tuple(
            PartGrade(
                stem + 1,
                1.0 if chosen[stem] == self.right[stem] else 0.0,
                State.GRADED_RIGHT if chosen[stem] == self.right[stem] else State.GRADED_WRONG,
            )
            for stem in range(len(self.stems))
        )
        if not parts:
            return Grade(0.0, State.GRADED_WRONG)
        fraction = sum(part.fraction for part in parts) / len(parts)
        state = graded_state(fraction)
        return Grade(fraction, state, parts=parts, combined=combined_key(state))

    def same(self, a: Response, b: Response) -> bool:
        return self._choices(a) == self._choices(b)

    def correct(self) -> Response | None:
        return MatchResponse(self.right)

    def clear_wrong(self, response: Response) -> Response:
        chosen = self._choices(response)
        return MatchResponse(tuple(c if c == self.right[i] else None for i, c in enumerate(chosen)))

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        chosen = self._choices(response)
        return sum(1 for i, c in enumerate(chosen) if c == self.right[i]), len(self.stems)

    def final_grade(self, responses: Sequence[Response], penalty: float) -> float:
        """Each stem counts as right from the try after its last wrong one."""
        if not self.stems:
            return 0.0
        total = 0.0
        tries = [self._choices(response) for response in responses]
        for stem in range(len(self.stems)):
            last_wrong = -1
            finally_right = False
            for index, chosen in enumerate(tries):
                if chosen[stem] != self.right[stem]:
                    last_wrong, finally_right = index, False
                else:
                    finally_right = True
            if finally_right:
                total += max(0.0, 1 - (last_wrong + 1) * penalty)
        return total / len(self.stems)
