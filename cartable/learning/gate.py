"""Whether a learner may open an activity now: its access rule and its section's ("available
from 1 March", "once the quiz is completed"), checked the same way by every view that reaches
the activity (its page, its files, marking it done, links and neighbours, study plans). Staff
and the course's teachers are not held by access rules.

This is the one dynamic rule, beside ``catalog.access.opened`` (the static one: approved,
current, shown): an activity is available only if its section's rule and its own both allow it,
as in Moodle (``cm_info`` checks the parent section's ``info_section`` after the module's
``info_module``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog.access import sees_all_of
from cartable.catalog.models import Activity, Course
from cartable.grades.models import Grade
from cartable.learning.availability import (
    OPEN,
    Grades,
    Verdict,
    evaluate,
    has_conditions,
    within,
)
from cartable.learning.models import ActivityProgress


def module_ids(pairs: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Moodle module id -> activity id, from (id, source key ``<modname>-<module id>``)."""
    found = {}
    for pk, source_key in pairs:
        _, _, number = source_key.rpartition("-")
        if number.isascii() and number.isdigit():
            found[int(number)] = pk
    return found


def ruled(own: Any, section: Any = None) -> bool:
    """Whether an activity (``own``: its rule) or its section (``section``: the section's
    rule) holds a condition: without one, it is open to whoever may see it."""
    return has_conditions(own) or has_conditions(section)


class Gate:
    """Decides the access rules of one learner in one or more courses.

    It reads nothing until a rule needs deciding; then, once, two small queries whatever the
    number of courses and activities: the courses' activities (what a completion or grade
    condition names, and their titles) and what the learner has completed; and a third, once,
    if a rule holds a grade condition: the learner's released grades. ``completed`` may be
    given by a caller that already read the learner's progress (the course page)."""

    def __init__(
        self,
        user: User,
        course_ids: Iterable[int],
        *,
        completed: Iterable[int] | None = None,
        now: datetime | None = None,
    ) -> None:
        self.user = user
        self.course_ids = sorted(set(course_ids))
        self.now = now or timezone.now()
        self._completed = None if completed is None else frozenset(completed)
        self._modules: dict[int, dict[int, int]] | None = None
        self._items: dict[int, dict[int, int]] = {}  # course -> grade item -> activity
        self._percents: dict[int, float] | None = None
        self._titles: dict[int, str] = {}

    def verdict(self, course_id: int, own: Any, section: Any = None) -> Verdict:
        """The verdict on an activity of ``course_id`` whose rule is ``own``, in a section
        whose rule is ``section``."""
        if not ruled(own, section):
            return OPEN
        return within(self.decide(course_id, section), self.decide(course_id, own))

    def decide(self, course_id: int, rule: Any) -> Verdict:
        """One rule on its own (a section's, for the course page)."""
        if not has_conditions(rule):
            return OPEN
        modules = self._load().get(course_id, {})
        done = self._done()
        # The learner's grades are read only if a grade condition names an activity.
        grades = Grades(self._items.get(course_id, {}), self._percent)
        return evaluate(
            rule, now=self.now, activity_for=modules, completed=done.__contains__, grades=grades
        )

    @property
    def titles(self) -> Mapping[int, str]:
        """The titles of the activities the rules decided so far may name."""
        return self._titles

    def _load(self) -> dict[int, dict[int, int]]:
        if self._modules is None:
            rows = Activity.objects.filter(
                course_id__in=self.course_ids,
                retired_at__isnull=True,
                review_status=Activity.Review.APPROVED,
            ).values_list("id", "course_id", "title", "source_key", "completion__grade_item")
            keys: dict[int, list[tuple[int, str]]] = {}
            for pk, course_id, title, source_key, item in rows:
                keys.setdefault(course_id, []).append((pk, source_key))
                self._titles[pk] = title
                if isinstance(item, int) and not isinstance(item, bool):
                    self._items.setdefault(course_id, {})[item] = pk
            self._modules = {course_id: module_ids(pairs) for course_id, pairs in keys.items()}
        return self._modules

    def _percent(self, activity_id: int) -> float | None:
        """The learner's released grade in an activity, as a percentage (None: no grade)."""
        if self._percents is None:
            self._percents = {}
            for activity, grade, maximum in Grade.objects.filter(
                user=self.user,
                course_id__in=self.course_ids,
                grade__isnull=False,
                released_at__isnull=False,
                released_at__lte=self.now,
                max_grade__gt=0,
            ).values_list("activity_id", "grade", "max_grade"):
                if grade is not None:
                    self._percents[activity] = 100 * grade / maximum
        return self._percents.get(activity_id)

    def _done(self) -> frozenset[int]:
        # Moodle only lets a rule name activities that track completion.
        if self._completed is None:
            self._completed = frozenset(
                ActivityProgress.objects.filter(
                    user=self.user, course_id__in=self.course_ids, completed_at__isnull=False
                ).values_list("activity_id", flat=True)
            )
        return self._completed


def holds(user: User, course: Course, activity: Activity) -> bool:
    """Whether the rules keep ``user`` out of the activity now (never staff or the course's
    teachers, who see everything the course holds)."""
    if not ruled(activity.availability, activity.section.availability):
        return False
    if sees_all_of(user, course):
        return False
    verdict = Gate(user, [course.pk]).verdict(
        course.pk, activity.availability, activity.section.availability
    )
    return not verdict.available
