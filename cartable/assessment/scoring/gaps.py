"""Gaps in a text and drop zones on an image: select missing words (gapselect), drag and drop
into text (ddwtos) and drag and drop onto image (ddimageortext), all graded as Moodle's
``qtype_gapselect_question_base``. Place ``n`` is posted as ``pn``, its value the position
(from 1) of the chosen item among its group's items as shown, 0 for none."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import CombinedFeedback, GapData, Hint

from . import forms
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
from .responses import GapResponse, Response

MSG_EACH_BOX = gettext_noop("Please put an answer in each box.")
MSG_EACH_ZONE = gettext_noop("Please drag an item to each drop zone.")

_PLACE = re.compile(r"\[\[(\d{1,6})\]\]")


@dataclass(frozen=True, slots=True)
class Place:
    number: int  # as posted: p1, p2...
    group: int
    right: int  # the right item's identity in its group


def text_places(text: str, data: GapData) -> tuple[Place, ...]:
    """The places of a gap text: each ``[[n]]`` names choice ``n`` (from 1, over all the
    choices), the right one for that place; the place takes the items of its group. A number
    naming no choice is left as text, as it is no place."""
    within: list[int] = []
    counts: dict[int, int] = {}
    for choice in data.choices:
        counts[choice.group] = counts.get(choice.group, 0) + 1
        within.append(counts[choice.group])
    places: list[Place] = []
    for match in _PLACE.finditer(text):
        index = int(match.group(1)) - 1
        if 0 <= index < len(data.choices):
            choice = data.choices[index]
            places.append(Place(len(places) + 1, choice.group, within[index]))
    return tuple(places)


def group_items(data: GapData) -> dict[int, tuple[int, ...]]:
    """Each group's items, numbered from 1 in the order of the choices."""
    counts: dict[int, int] = {}
    for choice in data.choices:
        counts[choice.group] = counts.get(choice.group, 0) + 1
    return {group: tuple(range(1, count + 1)) for group, count in counts.items()}


def full_items(order: Sequence[int], items: Sequence[int]) -> tuple[int, ...]:
    seen = [item for i, item in enumerate(order) if item in items and item not in order[:i]]
    return tuple(seen) + tuple(item for item in items if item not in seen)


class Gaps(Prepared):
    def __init__(
        self,
        qtype: str,
        places: tuple[Place, ...],
        items: Mapping[int, tuple[int, ...]],
        orders: Mapping[int, Sequence[int]],
        *,
        message: str = MSG_EACH_BOX,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
        feedback: CombinedFeedback = NO_FEEDBACK,
    ) -> None:
        self.qtype = qtype
        self.places = places
        self.orders = {
            group: full_items(orders.get(group, ()), found) for group, found in items.items()
        }
        self.message = message
        self.penalty = penalty
        self.hints = hints
        self.feedback = feedback
        self.countback = True

    def _chosen(self, response: Response) -> tuple[int | None, ...]:
        found = response.places if isinstance(response, GapResponse) else ()
        return tuple(
            found[i] if i < len(found) and found[i] in self.orders.get(place.group, ()) else None
            for i, place in enumerate(self.places)
        )

    def empty(self) -> Response:
        return GapResponse(tuple(None for _ in self.places))

    def parse(self, form: object, prefix: str = "") -> Response:
        chosen: list[int | None] = []
        for place in self.places:
            order = self.orders.get(place.group, ())
            value = forms.integer(form, f"{prefix}p{place.number}")
            chosen.append(
                order[value - 1] if value is not None and 1 <= value <= len(order) else None
            )
        return GapResponse(tuple(chosen))

    def form_data(self, response: Response) -> dict[str, str]:
        data = {}
        for place, item in zip(self.places, self._chosen(response), strict=True):
            if item is not None:
                data[f"p{place.number}"] = str(self.orders[place.group].index(item) + 1)
        return data

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        if all(item is not None for item in self._chosen(response)):
            return ()
        return (Invalid(Text(self.message)),)

    def is_gradable(self, response: Response) -> bool:
        return any(item is not None for item in self._chosen(response))

    def grade(self, response: Response) -> Grade:
        parts = tuple(
            PartGrade(
                place.number,
                1.0 if item == place.right else 0.0,
                State.GRADED_RIGHT if item == place.right else State.GRADED_WRONG,
            )
            for place, item in zip(self.places, self._chosen(response), strict=True)
        )
        if not parts:
            return Grade(0.0, State.GRADED_WRONG)
        fraction = sum(part.fraction for part in parts) / len(parts)
        state = graded_state(fraction)
        return Grade(fraction, state, parts=parts, combined=combined_key(state))

    def same(self, a: Response, b: Response) -> bool:
        return self._chosen(a) == self._chosen(b)

    def correct(self) -> Response | None:
        return GapResponse(tuple(place.right for place in self.places))

    def clear_wrong(self, response: Response) -> Response:
        return GapResponse(
            tuple(
                item if item == place.right else None
                for place, item in zip(self.places, self._chosen(response), strict=True)
            )
        )

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        chosen = self._chosen(response)
        right = sum(
            1 for place, item in zip(self.places, chosen, strict=True) if item == place.right
        )
        return right, len(self.places)

    def final_grade(self, responses: Sequence[Response], penalty: float) -> float:
        if not self.places:
            return 0.0
        tries = [self._chosen(response) for response in responses]
        total = 0.0
        for index, place in enumerate(self.places):
            last_wrong, finally_right = -1, False
            for attempt, chosen in enumerate(tries):
                if chosen[index] != place.right:
                    last_wrong, finally_right = attempt, False
                else:
                    finally_right = True
            if finally_right:
                total += max(0.0, 1 - (last_wrong + 1) * penalty)
        return total / len(self.places)
