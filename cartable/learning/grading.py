"""Completion by a grade (Moodle's "receive a grade" and "receive a passing grade" rules): when
``grades.actions.record`` records a grade the learner may read, the activity is completed
through ``learning.actions.complete`` if its completion rule asks for a grade, or a passing
grade and this one passes (at least the imported grade to pass; with none, any grade passes,
as in Moodle). An activity whose rule also asks for something of its kind (a submission, a
number of attempts) is left to its kind's own app. An earlier completion stands."""

from __future__ import annotations

from typing import Any

from cartable.accounts.models import User
from cartable.grades.models import Grade
from cartable.learning.actions import complete
from cartable.learning.models import ActivityProgress

PASSING_RULE = "completionpass"  # a quiz's own "passing grade" rule (before Moodle 4.0)


def completes(completion: Any, grade: float) -> bool:
    """Whether ``grade`` (points) completes an activity of these completion settings (pure)."""
    if not isinstance(completion, dict) or completion.get("tracking") != "automatic":
        return False
    rules = {str(name) for name, _value in completion.get("rules") or ()}
    needs_pass = bool(completion.get("pass_grade")) or PASSING_RULE in rules
    if rules - {PASSING_RULE}:
        return False  # it asks for more than a grade
    if needs_pass:
        to_pass = completion.get("grade_pass") or 0
        return not (isinstance(to_pass, int | float) and to_pass > 0 and grade < to_pass)
    return bool(completion.get("grade"))


def on_released(sender: Any, *, grade: Grade, actor: User | None, **kwargs: Any) -> None:
    activity = grade.activity
    if grade.grade is None or not completes(activity.completion, grade.grade):
        return
    complete(actor=actor, activity=activity, learner=grade.user, by=ActivityProgress.Source.GRADE)
