"""Drag-and-drop markers (``ddmarker/question.php``): markers put on a background image,
graded by which drop zones they land in.

Without JavaScript (or with the keyboard) a learner types where each marker goes: the marker
shown ``k``-th (from 1) is posted as ``ck``, holding pixel coordinates "x,y", several
separated by ";" (Moodle's own format, which the drag-and-drop script fills in too)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import CombinedFeedback, DragMarkerData, Hint

from . import forms, shapes
from .choice import full_order
from .core import Grade, Invalid, PartGrade, Prepared, State, combined_key, graded_state
from .responses import MarkerDrops, MarkerResponse, Point, Response

MSG_ONE_MARKER = gettext_noop("Please place at least one marker on the image.")

MAX_POINTS = 50  # markers of one kind a learner may place when their number is unlimited
MAX_COORDINATE = 100_000


@dataclass(frozen=True, slots=True)
class Zone:
    number: int
    marker: int  # the marker that belongs there
    shape: shapes.Shape


def zones(data: DragMarkerData) -> tuple[Zone, ...]:
    numbers = {marker.number for marker in data.markers}
    found = []
    for zone in data.zones:
        shape = shapes.parse(zone.shape, zone.coords)
        if shape is not None and zone.choice in numbers:
            found.append(Zone(zone.number, zone.choice, shape))
    return tuple(found)


def parse_points(text: str, limit: int) -> tuple[Point, ...]:
    """Points written "x,y;x,y" (spaces and new lines allowed between points); anything that
    is not a pair of whole numbers within the image's possible size is left out."""
    points: list[Point] = []
    for item in text.replace("\n", ";").split(";")[: limit * 4]:
        parts = item.split(",")
        if len(parts) != 2:
            continue
        x, y = (part.strip() for part in parts)
        if not (_coordinate(x) and _coordinate(y)):
            continue
        points.append(Point(int(x), int(y)))
        if len(points) >= limit:
            break
    return tuple(points)


def _coordinate(text: str) -> bool:
    digits = text[1:] if text.startswith("-") else text
    return (
        0 < len(digits) <= 6
        and digits.isascii()
        and digits.isdigit()
        and abs(int(text)) <= MAX_COORDINATE
    )


class Markers(Prepared):
    def __init__(
        self,
        data: DragMarkerData,
        order: Sequence[int],
        *,
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
    ) -> None:
        self.qtype = "ddmarker"
        self.data = data
        self.numbers = tuple(marker.number for marker in data.markers)
        positions = full_order(
            [self.numbers.index(n) for n in order if n in self.numbers], len(self.numbers)
        )
        self.order = tuple(self.numbers[i] for i in positions)
        self.limits = {
            marker.number: MAX_POINTS if marker.infinite else max(1, min(marker.count, MAX_POINTS))
            for marker in data.markers
        }
        self.zones = zones(data)
        self.penalty = penalty
        self.hints = hints
        self.feedback: CombinedFeedback = data.feedback
        self.countback = True

    def _points(self, response: Response) -> dict[int, tuple[Point, ...]]:
        found: dict[int, tuple[Point, ...]] = dict.fromkeys(self.numbers, ())
        if isinstance(response, MarkerResponse):
            for drops in response.markers:
                if drops.marker in found and not found[drops.marker]:
                    found[drops.marker] = drops.points[: self.limits[drops.marker]]
        return found

    def _response(self, points: dict[int, tuple[Point, ...]]) -> MarkerResponse:
        return MarkerResponse(tuple(MarkerDrops(n, points[n]) for n in self.numbers if points[n]))

    def empty(self) -> Response:
        return MarkerResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        points = {}
        for position, number in enumerate(self.order, start=1):
            points[number] = parse_points(
                forms.text(form, f"{prefix}c{position}"), self.limits[number]
            )
        return self._response(points)

    def form_data(self, response: Response) -> dict[str, str]:
        points = self._points(response)
        return {
            f"c{position}": ";".join(f"{p.x},{p.y}" for p in points[number])
            for position, number in enumerate(self.order, start=1)
            if points[number]
        }

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        if any(self._points(response).values()):
            return ()
        return (Invalid(Text(MSG_ONE_MARKER)),)

    def is_gradable(self, response: Response) -> bool:
        return any(self._points(response).values())

    def hits(self, response: Response) -> dict[int, tuple[int, int]]:
        """For each zone hit, the (marker, item) counted there: zones with fewer hits choose
        first, and one marker placed once counts in one zone only (Moodle's choose_hits)."""
        points = self._points(response)
        found: list[tuple[int, list[tuple[int, int]]]] = []
        for index, zone in enumerate(self.zones):
            items = [
                (zone.marker, item)
                for item, point in enumerate(points[zone.marker])
                if zone.shape.contains(point.x, point.y)
            ]
            if items:
                found.append((index, items))
        found.sort(key=lambda entry: len(entry[1]))
        chosen: dict[int, tuple[int, int]] = {}
        for index, items in found:
            for item in items:
                if item not in chosen.values():
                    chosen[index] = item
                    break
        return chosen

    def dragged(self, response: Response) -> int:
        return sum(len(found) for found in self._points(response).values())

    def grade(self, response: Response) -> Grade:
        hits = self.hits(response)
        total = max(len(self.zones), self.dragged(response))
        parts = tuple(
            PartGrade(
                zone.number,
                1.0 if index in hits else 0.0,
                State.GRADED_RIGHT if index in hits else State.GRADED_WRONG,
            )
            for index, zone in enumerate(self.zones)
        )
        fraction = len(hits) / total if total else 0.0
        state = graded_state(fraction)
        return Grade(fraction, state, parts=parts, combined=combined_key(state))

    def same(self, a: Response, b: Response) -> bool:
        first, second = self._points(a), self._points(b)
        return all(sorted(first[n], key=_key) == sorted(second[n], key=_key) for n in self.numbers)

    def correct(self) -> Response | None:
        points: dict[int, tuple[Point, ...]] = dict.fromkeys(self.numbers, ())
        for zone in self.zones:
            centre = zone.shape.centre()
            if centre is not None:
                points[zone.marker] += (Point(*centre),)
        return self._response(points)

    def clear_wrong(self, response: Response) -> Response:
        hits = set(self.hits(response).values())
        points = self._points(response)
        return self._response(
            {
                number: tuple(p for item, p in enumerate(found) if (number, item) in hits)
                for number, found in points.items()
            }
        )

    def parts_right(self, response: Response) -> tuple[int, int] | None:
        return len(self.hits(response)), max(len(self.zones), self.dragged(response))

    def final_grade(self, responses: Sequence[Response], penalty: float) -> float:
        """Moodle's countback for markers: a zone counts from the first try of the run of
        tries that hit it up to the last, each earlier try costing the penalty; kept at zero
        or more (Moodle could give less)."""
        most_dragged = 0
        first_hit: dict[int, int] = {}
        for index, response in enumerate(responses):
            most_dragged = max(most_dragged, self.dragged(response))
            hits = self.hits(response)
            for zone in hits:
                first_hit.setdefault(zone, index)
            for zone in list(first_hit):
                if zone not in hits:
                    del first_hit[zone]
        total = max(most_dragged, len(self.zones))
        if not total:
            return 0.0
        return max(0.0, (len(first_hit) - sum(first_hit.values()) * penalty) / total)


def _key(point: Point) -> tuple[int, int]:
    return (point.x, point.y)
