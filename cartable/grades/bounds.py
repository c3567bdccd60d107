"""A grade as the gradebook keeps it: within its item's bounds, as Moodle's gradebook stores a
grade (``grade_item::adjust_raw_grade`` then ``bounded_grade``, without the site's
"unlimited grades").

An activity may reckon a figure beyond them: a quiz with certainty-based marking counts a
right answer at "quite sure" three times, a wrong one minus six times, so its attempts' sum
of marks, and the grade over its attempts, may be above the quiz's maximum or below zero.
The quiz keeps that figure (its attempts and review show it, as Moodle's quiz does); the
gradebook, and what goes from it to the university, holds it brought back within 0 and the
maximum.
"""

from __future__ import annotations

import math


def bounded(value: float | None, grade_max: float, grade_min: float = 0.0) -> float | None:
    """``value`` within [``grade_min``, ``grade_max``]; None for no grade, and for an item
    whose bounds are upside down (Moodle gives no grade then). An item without range (its
    maximum its minimum) gives its maximum whatever the value."""
    if value is None or math.isnan(value) or grade_max < grade_min:
        return None
    if grade_max == grade_min:
        return grade_max
    return min(max(value, grade_min), grade_max)
