"""Whether a learner may open an activity now: its access rule ("available from 1 March", "once
the quiz is completed"), checked the same way by every view that reaches the activity (its page,
its file, marking it done). Staff and the course's teachers are not held by access rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils import timezone

from cartable.accounts.models import User
from cartable.catalog.access import sees_all_of
from cartable.catalog.models import Activity, Course
from cartable.learning.availability import Verdict, evaluate
from cartable.learning.models import ActivityProgress


def module_ids(pairs: Iterable[tuple[int, str]]) -> dict[int, int]:
    """Moodle module id -> activity id, from (id, source key ``<modname>-<module id>``)."""
    found = {}
    for pk, source_key in pairs:
        _, _, number = source_key.rpartition("-")
        if number.isdigit():
            found[int(number)] = pk
    return found


@dataclass(frozen=True)
class Closed:
    """The rule is not met: the verdict, and the titles of the activities it names."""

    verdict: Verdict
    titles: dict[int, str]


def closed(user: User, course: Course, activity: Activity) -> Closed | None:
    """None when ``user`` may open ``activity`` now; otherwise why not. Costs nothing for an
    activity without a rule, two small queries for one with a rule."""
    if not activity.availability:
        return None
    siblings = list(
        Activity.objects.filter(
            course=course,
            retired_at__isnull=True,
            review_status=Activity.Review.APPROVED,
        ).values_list("id", "title", "source_key")
    )
    # Moodle only lets a rule name activities that track completion.
    done = set(
        ActivityProgress.objects.filter(
            user=user, course=course, completed_at__isnull=False
        ).values_list("activity_id", flat=True)
    )
    verdict = evaluate(
        activity.availability,
        now=timezone.now(),
        activity_for=module_ids((pk, key) for pk, _title, key in siblings),
        completed=done.__contains__,
    )
    if verdict.available:
        return None
    return Closed(verdict, {pk: title for pk, title, _key in siblings})


def holds(user: User, course: Course, activity: Activity) -> bool:
    """Whether the activity's rule keeps ``user`` out now (never staff or the course's
    teachers, who see everything the course holds)."""
    if not activity.availability or sees_all_of(user, course):
        return False
    return closed(user, course, activity) is not None
