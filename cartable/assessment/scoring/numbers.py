"""Numbers typed by learners, units, and tolerances, as Moodle reads them
(``qtype_numerical_answer_processor`` and ``qtype_numerical_answer``).

A response is a number in almost any form ("3.14", "3,14", "1 000", "3x10^8", "1.5e-3")
followed by a unit (or preceded by it when units go on the left); a known unit's multiplier
brings the value back to the answer's unit.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

# The exponent forms Moodle accepts: e, E, x10^, *10^, ×10^, x10**...
_EXPONENT = re.compile(r"(?:e|E|(?:x|\*|×)10(?:\^|\*\*))([+-]?\d+)")
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:e[-+]?\d+)?"
_NUMBER_FIRST = re.compile("^" + _NUMBER)
_NUMBER_LAST = re.compile(_NUMBER + "$")
# PHP's default ``precision``: the smallest relative difference tolerances allow for.
EPSILON = 1e-14


@dataclass(frozen=True, slots=True)
class Reading:
    """A response read: its value (None when it is not a number), the unit text found, and
    the multiplier that brings the value to the answer's unit (None for an unknown unit)."""

    value: float | None
    unit: str
    multiplier: float | None


@dataclass(frozen=True, slots=True)
class Processor:
    units: Mapping[str, float]  # unit -> multiplier, in the question's order
    units_left: bool = False
    decimal_point: str = "."
    thousands_separator: str = ","

    def read(self, response: str | None, separate_unit: str | None = None) -> Reading:
        text = (response or "").replace(" ", "")
        text = _EXPONENT.sub(r"e\1", text)
        if "." in text or text.count(",") > 1:
            text = text.replace(",", "")
        else:
            for old, new in ((self.thousands_separator, ""), (self.decimal_point, "."), (",", ".")):
                if old:
                    text = text.replace(old, new)
        found = (_NUMBER_LAST if self.units_left else _NUMBER_FIRST).search(text)
        if found is None:
            return Reading(None, "", None)
        number = found.group(0)
        unit = text[: found.start()] if self.units_left else text[found.end() :]
        if separate_unit is not None:
            unit = separate_unit
        try:
            value = float(number)
        except (ValueError, OverflowError):  # pragma: no cover - the pattern only keeps numbers
            return Reading(None, "", None)
        multiplier = self.units.get(unit)
        if multiplier is None or multiplier == 0 or not math.isfinite(multiplier):
            return Reading(value, unit, None)
        return Reading(value, unit, 1 / multiplier)

    def has_thousands_separator(self, response: str) -> bool:
        """Whether the response holds the thousands separator when it is "." or ",": then
        reading it could give what the learner did not mean, and Moodle asks again."""
        return self.thousands_separator in (".", ",") and self.thousands_separator in response

    def default_unit(self) -> str:
        return next(iter(self.units), "")


def parse_answer(text: str, default_unit: str = "") -> float | None:
    """An answer's number as stored by Moodle ("3.14", "1e-3"), the default unit tolerated
    after it (older questions kept it there). None when it is not a number."""
    cleaned = text.strip()
    if default_unit and cleaned.endswith(default_unit):
        cleaned = cleaned[: -len(default_unit)].strip()
    try:
        found = float(cleaned)
    except (ValueError, OverflowError):
        return None
    return found if math.isfinite(found) else None


def interval(answer: float, tolerance: float, kind: int) -> tuple[float, float]:
    """The values an answer accepts: ``kind`` 1 relative, 2 nominal, 3 geometric (Moodle's
    ``get_tolerance_interval``, with the same tiny allowance for rounding)."""
    tolerance = abs(tolerance)
    if kind == 1:
        spread = abs(answer) * (tolerance + EPSILON)
        return answer - spread, answer + spread
    if kind == 3:
        quotient = 1 + tolerance + EPSILON
        low, high = answer / quotient, answer * quotient
        return (low, high) if low <= high else (high, low)
    spread = tolerance + EPSILON * max(tolerance, abs(answer), EPSILON)
    return answer - spread, answer + spread


def within(value: float, answer: float, tolerance: float, kind: int) -> bool:
    low, high = interval(answer, tolerance, kind)
    return low <= value <= high
