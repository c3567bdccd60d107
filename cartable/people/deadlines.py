"""A learner's deadlines in one list: the dated items of their study plan, the close dates of
their quizzes and the due dates of their assignments (their extension's when they have one),
sorted, late ones flagged and done ones marked.

Only what the learner may open now counts: the study plan as ``plans.home_plan`` gives it, and
activities ``catalog.access.opened`` lets learners open whose access rules (``gate.Gate``) let
this learner in. A fixed number of queries whatever the number of courses and activities.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from cartable.accounts.models import Cohort, User
from cartable.assessment.models import Attempt, Override
from cartable.assessment.overriding import as_override, concerning
from cartable.assessment.scoring import overrides
from cartable.assignments.models import Extension, Submission
from cartable.catalog.access import opened
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.importers.jsonable import from_json
from cartable.importers.model import QuizOverride
from cartable.learning import plans
from cartable.learning.gate import Gate
from cartable.learning.models import ActivityProgress

PLAN, QUIZ, ASSIGNMENT = "plan", "quiz", "assign"


@dataclass(frozen=True, slots=True)
class Deadline:
    kind: str  # PLAN, QUIZ or ASSIGNMENT
    course_id: int
    course_title: str
    title: str
    due: datetime  # when it is due (a plan's day: the end of that day, local time)
    day_only: bool  # the plan gives a day, not a time
    done: bool
    late: bool  # past and not done
    activity_id: int | None = None
    blob_id: str | None = None
    filename: str = ""
    extended: bool = False  # an assignment's extension moved the date


def _end_of(day: date) -> datetime:
    """The last moment of a day in the box's time zone."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min)) - timedelta(
        microseconds=1
    )


def _moment(value: Any) -> datetime | None:
    """A date the importer stored in an activity's data (ISO 8601 text), or None."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def deadlines_for(learner: User, *, now: datetime | None = None) -> list[Deadline]:
    """The learner's deadlines in the published courses they follow, soonest first."""
    now = now or timezone.now()
    courses = dict(
        Enrolment.objects.filter(
            user=learner,
            role=Enrolment.Role.LEARNER,
            course__status=Course.Status.PUBLISHED,
        ).values_list("course_id", "course__title")
    )
    if not courses:
        return []
    ids = sorted(courses)
    found = [
        Deadline(
            kind=PLAN,
            course_id=item.course_id,
            course_title=item.course_title,
            title=item.title,
            due=_end_of(item.due_date),
            day_only=True,
            done=item.done,
            late=not item.done and item.due_date < timezone.localdate(now),
            activity_id=item.activity_id,
            blob_id=item.blob_id,
            filename=item.filename,
        )
        for item in plans.home_plan(learner, ids)
        if item.due_date is not None
    ]
    rows = list(
        Activity.objects.filter(
            opened(), course_id__in=ids, kind__in=(Activity.Kind.QUIZ, Activity.Kind.ASSIGN)
        ).values_list(
            "id",
            "course_id",
            "kind",
            "title",
            "data__closes",
            "data__due",
            "data__overrides",
            "availability",
            "section__availability",
        )
    )
    gate = Gate(learner, ids, now=now)
    dated = {
        pk: (course_id, kind, title, _moment(closes if kind == QUIZ else due))
        for pk, course_id, kind, title, closes, due, _o, rule, section_rule in rows
        if gate.verdict(course_id, rule, section_rule).available
    }
    imported = {pk: found for pk, *_r, found, _a, _s in rows if pk in dated and found}
    quizzes = [pk for pk, (_c, kind, _t, _d) in dated.items() if kind == QUIZ]
    assignments = [pk for pk, (_c, kind, _t, _d) in dated.items() if kind == ASSIGNMENT]
    extended: dict[int, datetime | None] = dict(
        Extension.objects.filter(learner=learner, activity_id__in=assignments).values_list(
            "activity_id", "due"
        )
    )
    extended.update(_quiz_closes(learner, quizzes, dated, imported))
    done = set(
        ActivityProgress.objects.filter(
            user=learner, activity_id__in=list(dated), completed_at__isnull=False
        ).values_list("activity_id", flat=True)
    )
    done |= set(
        Attempt.objects.filter(
            user=learner, preview=False, state=Attempt.State.FINISHED, activity_id__in=quizzes
        ).values_list("activity_id", flat=True)
    )
    done |= set(
        Submission.objects.filter(
            learner=learner, status=Submission.Status.SUBMITTED, activity_id__in=assignments
        ).values_list("activity_id", flat=True)
    )
    for pk, (course_id, kind, title, due) in dated.items():
        when = extended.get(pk, due)
        if when is None:
            continue
        finished = pk in done
        found.append(
            Deadline(
                kind=kind,
                course_id=course_id,
                course_title=courses[course_id],
                title=title,
                due=when,
                day_only=False,
                done=finished,
                late=not finished and when < now,
                activity_id=pk,
                extended=pk in extended,
            )
        )
    found.sort(key=lambda deadline: (deadline.due, deadline.course_title, deadline.title))
    return found


def _quiz_closes(
    learner: User,
    quizzes: list[int],
    dated: dict[int, tuple[int, str, str, datetime | None]],
    imported: dict[int, Any],
) -> dict[int, datetime | None]:
    """The quizzes whose close date the learner's overrides (set on the box, or carried by
    the backup) move, with their close date for this learner (None: never). One query, two
    when a backup's override names a group."""
    if not quizzes:
        return {}
    box: dict[int, list[Override]] = {}
    for row in Override.objects.filter(concerning(learner), activity_id__in=quizzes).select_related(
        "user", "cohort"
    ):
        box.setdefault(row.activity_id, []).append(row)
    carried = {
        pk: from_json(tuple[QuizOverride, ...], value)
        for pk, value in imported.items()
        if pk in quizzes and isinstance(value, list)
    }
    groups: list[str] | None = None
    if any(o.group and not o.user for found in carried.values() for o in found):
        groups = list(Cohort.objects.filter(members=learner).values_list("name", flat=True))
    moved: dict[int, datetime | None] = {}
    for pk in set(box) | set(carried):
        rows = box.get(pk, [])
        mine = next((as_override(r) for r in rows if r.user_id == learner.pk), None)
        theirs = {o.group: o for o in (as_override(r) for r in rows if r.cohort_id)}
        names = groups if groups is not None else list(theirs)
        user, group_overrides = overrides.pick(
            carried.get(pk, ()), learner.username, names, mine, theirs
        )
        closes = dated[pk][3]
        found = overrides.closes_for(closes, user, group_overrides)
        if found != closes:
            moved[pk] = found
    return moved
