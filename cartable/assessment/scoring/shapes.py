"""Drop zones of drag-and-drop markers, as Moodle reads and tests them
(``question/type/ddmarker/shapes.php``): a circle "x,y;r", a rectangle "x,y;width,height"
and a polygon "x1,y1;x2,y2;...", in whole pixels of the background image."""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TypeAlias

MAX_POINTS = 200


@dataclass(frozen=True, slots=True)
class Circle:
    x: int
    y: int
    radius: int

    def contains(self, x: int, y: int) -> bool:
        return math.hypot(x - self.x, y - self.y) <= self.radius

    def centre(self) -> tuple[int, int] | None:
        return (self.x, self.y)


@dataclass(frozen=True, slots=True)
class Rectangle:
    left: int
    top: int
    width: int
    height: int

    def contains(self, x: int, y: int) -> bool:
        return self.left <= x <= self.left + self.width and self.top <= y <= self.top + self.height

    def centre(self) -> tuple[int, int] | None:
        return (
            self.left + _php_round_half(self.width / 2),
            self.top + _php_round_half(self.height / 2),
        )


@dataclass(frozen=True, slots=True)
class Polygon:
    points: tuple[tuple[int, int], ...]

    def contains(self, x: int, y: int) -> bool:
        """The winding-number test Moodle uses; a point on an edge is inside."""
        winding = 0
        count = len(self.points)
        for index, (sx, sy) in enumerate(self.points):
            ex, ey = self.points[(index + 1) % count]
            side = (ex - sx) * (y - sy) - (x - sx) * (ey - sy)
            if sy <= y:
                if ey >= y:  # an upward crossing
                    if side == 0:
                        return True
                    if side > 0:
                        winding += 1
            elif ey <= y:  # a downward crossing
                if side == 0:
                    return True
                if side < 0:
                    winding -= 1
        return winding != 0

    def centre(self) -> tuple[int, int] | None:
        xs = [p[0] for p in self.points]
        ys = [p[1] for p in self.points]
        centre = (
            _php_round_half((min(xs) + max(xs)) / 2),
            _php_round_half((min(ys) + max(ys)) / 2),
        )
        return centre if self.contains(*centre) else None


Shape: TypeAlias = Circle | Rectangle | Polygon


def _php_round_half(value: float) -> int:
    return math.floor(abs(value) + 0.5) * (1 if value >= 0 else -1)


def _whole(text: str) -> int | None:
    text = text.strip()
    if not text or len(text) > 9 or not (text.isascii() and text.isdigit()):
        return None
    return int(text)


def _pair(text: str) -> tuple[int, int] | None:
    parts = text.split(",")
    if len(parts) != 2:
        return None
    x, y = _whole(parts[0]), _whole(parts[1])
    return None if x is None or y is None else (x, y)


def parse(shape: str, coords: str) -> Shape | None:
    """The zone described, or None when Moodle's form would refuse it (such a zone takes no
    marker)."""
    parts = "".join(coords.split()).split(";")
    kind = shape.strip().lower()
    if kind == "circle" and len(parts) == 2:
        centre, radius = _pair(parts[0]), _whole(parts[1])
        if centre is not None and radius is not None:
            return Circle(centre[0], centre[1], radius)
    elif kind == "rectangle" and len(parts) == 2:
        corner, size = _pair(parts[0]), _pair(parts[1])
        if corner is not None and size is not None:
            return Rectangle(corner[0], corner[1], size[0], size[1])
    elif kind == "polygon" and 3 <= len(parts) <= MAX_POINTS:
        points = [_pair(part) for part in parts]
        if all(point is not None for point in points):
            found = [point for point in points if point is not None]
            if any(a == b for a, b in itertools.pairwise(found)):
                return None  # a repeated point
            if len(found) > 3 and found[0] == found[-1]:
                found = found[:-1]  # a closed outline: the last point is the first
            return Polygon(tuple(found))
    return None
