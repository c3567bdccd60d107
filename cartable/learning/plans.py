"""Study plans: teachers hand a learner (or a group) activities or files to study, with a note
and a date; learners tick them off; teachers see who has done what."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.accounts.models import Cohort, Role, User
from cartable.audit.actions import record
from cartable.catalog.access import fetched, learner_files, opened, opened_sql, sees_all_of
from cartable.catalog.models import Activity, Blob, Course, CourseFile, Enrolment, Section
from cartable.learning.gate import Gate
from cartable.learning.models import StudyPlanItem, StudyPlanTick


class PlanError(ValueError):
    """A study-plan change that cannot be made; the message is for the user, translated."""


def may_plan(user: User, course: Course) -> bool:
    """Staff and the course's teachers hand out study-plan items (staff to the learners of
    their own establishment only: see ``course_learners``)."""
    return sees_all_of(user, course)


def _limit(viewer: User, *paths: str) -> Q | None:
    """Which rows ``viewer`` may see of a course's learners: staff those of their own
    establishment (none when they have none), reached through ``paths``; teachers and
    administrators every learner of the course (None: no limit)."""
    if viewer.role != Role.STAFF:
        return None
    if viewer.establishment_id is None:
        return Q(pk__in=[])
    limit = Q()
    for path in paths:
        limit |= Q(**{path: viewer.establishment_id})
    return limit


def course_learners(course: Course, viewer: User) -> QuerySet[User]:
    """The course's active learners whom ``viewer`` may follow."""
    learners = User.objects.filter(
        enrolments__course=course,
        enrolments__role=Enrolment.Role.LEARNER,
        is_active=True,
    ).order_by("last_name", "first_name", "username")
    limit = _limit(viewer, "establishment_id")
    return learners if limit is None else learners.filter(limit)


def course_cohorts(course: Course, viewer: User) -> QuerySet[Cohort]:
    """Groups with at least one learner of the course, that ``viewer`` may hand work to."""
    cohorts = Cohort.objects.filter(
        members__enrolments__course=course,
        members__enrolments__role=Enrolment.Role.LEARNER,
    )
    limit = _limit(viewer, "establishment_id")
    if limit is not None:
        cohorts = cohorts.filter(limit)
    return cohorts.distinct().order_by("name")


def course_items(course: Course, viewer: User) -> QuerySet[StudyPlanItem]:
    """The course's study-plan items that ``viewer`` may see and remove: staff those for
    their establishment's learners and groups."""
    items = StudyPlanItem.objects.filter(course=course)
    limit = _limit(viewer, "learner__establishment_id", "cohort__establishment_id")
    return items if limit is None else items.filter(limit)


@transaction.atomic
def add_items(
    *,
    actor: User,
    course: Course,
    activity: Activity | None = None,
    blob: Blob | None = None,
    filename: str = "",
    learners: Sequence[User] = (),
    cohort: Cohort | None = None,
    note: str = "",
    due_date: date | None = None,
    request: HttpRequest | None = None,
) -> list[StudyPlanItem]:
    if not may_plan(actor, course):
        raise PlanError(_("You do not teach this course."))
    if (activity is None) == (blob is None):
        raise PlanError(_("Choose one activity or one file."))
    if activity is not None and activity.course_id != course.pk:
        raise PlanError(_("This activity is not part of the course."))
    if activity is not None and not activity.is_approved:
        raise PlanError(_("This activity is still waiting for review."))
    if activity is not None and not (activity.visible and activity.section.visible):
        raise PlanError(_("This activity is hidden from learners: show it first."))
    if blob is not None and not learner_files(course).filter(blob=blob).exists():
        raise PlanError(_("This file is not part of the course, or learners may not open it."))
    if not learners and cohort is None:
        raise PlanError(_("Choose at least one learner or a group."))
    enrolled = set(course_learners(course, actor).values_list("pk", flat=True))
    if any(learner.pk not in enrolled for learner in learners):
        raise PlanError(_("Only learners of the course can receive it in their plan."))
    if cohort is not None and not course_cohorts(course, actor).filter(pk=cohort.pk).exists():
        raise PlanError(_("This group has no learner in the course."))
    common = {
        "course": course,
        "activity": activity,
        "blob": blob,
        "filename": filename[:255] if blob is not None else "",
        "note": note.strip()[:2000],
        "due_date": due_date,
        "created_by": actor,
    }
    items = [StudyPlanItem.objects.create(learner=learner, **common) for learner in learners]
    if cohort is not None:
        items.append(StudyPlanItem.objects.create(cohort=cohort, **common))
    for item in items:
        record(
            "plan.item_added",
            actor=actor,
            target=item,
            request=request,
            details={
                "course": course.pk,
                "for": item.learner.username if item.learner else f"group:{cohort}",
                "what": item.title,
            },
        )
    return items


@transaction.atomic
def remove_item(*, actor: User, item: StudyPlanItem, request: HttpRequest | None = None) -> None:
    if not may_plan(actor, item.course):
        raise PlanError(_("You do not teach this course."))
    if not course_items(item.course, actor).filter(pk=item.pk).exists():
        raise PlanError(_("This item is for learners you do not follow."))
    record(
        "plan.item_removed",
        actor=actor,
        target=item,
        request=request,
        details={"course": item.course_id, "what": item.title},
    )
    item.delete()


def items_for(learner: User, course_ids: Sequence[int] | None = None) -> QuerySet[StudyPlanItem]:
    """The plan of a learner: items for them or their groups, in published courses they
    are enrolled in (``course_ids``, when the caller already knows them); an item drops out
    while the learner may not open what it hands out (an activity retired, hidden, waiting or
    rejected; a file only such activities hold). The access rules are not decided here:
    ``closed_items`` says which of these items they keep out now."""
    if course_ids is None:
        courses = Q(
            course__status=Course.Status.PUBLISHED,
            course__in=Enrolment.objects.filter(user=learner).values("course"),
        )
    else:
        courses = Q(course_id__in=course_ids)
    held = Q(blob__isnull=True) | Exists(
        learner_files(OuterRef("course_id")).filter(blob_id=OuterRef("blob_id"))
    )
    return (
        StudyPlanItem.objects.filter(Q(learner=learner) | Q(cohort__members=learner), courses)
        .filter(Q(activity__isnull=True) | opened("activity__"), held)
        .select_related("course", "activity")
        .order_by("due_date", "created_at")
    )


@dataclass(frozen=True, slots=True)
class PlanEntry:
    """A study-plan item as the learner's home page shows it."""

    pk: int
    course_id: int
    course_title: str
    activity_id: int | None
    title: str
    blob_id: str | None
    filename: str
    note: str
    due_date: date | None
    done: bool


def home_plan(learner: User, course_ids: Sequence[int]) -> list[PlanEntry]:
    """The learner's plan in the given (published, enrolled) courses, with whether each item
    is ticked, in one statement: the learner home's hot path, written in portable SQL (the
    same rules as ``items_for``)."""
    ids = [int(pk) for pk in course_ids]
    if not ids:
        return []
    item = StudyPlanItem._meta.db_table
    tick = StudyPlanTick._meta.db_table
    course = Course._meta.db_table
    activity = Activity._meta.db_table
    section = Section._meta.db_table
    files = CourseFile._meta.db_table
    members = Cohort.members.through._meta.db_table
    rule, rule_params = opened_sql("a", "s")
    file_rule, file_rule_params = opened_sql("fa", "fs")
    # An item stays in the plan while the learner may open what it hands out: its activity
    # approved and shown, or its file held by the course's own texts or by such an activity.
    sql = (
        "SELECT i.id, i.course_id, c.title, i.activity_id, a.title, i.blob_id, i.filename, "  # noqa: S608 (names from the models, values as parameters)
        "i.note, i.due_date, t.id, a.availability, s.availability "
        f"FROM {item} i JOIN {course} c ON c.id = i.course_id "
        f"LEFT JOIN {activity} a ON a.id = i.activity_id "
        f"LEFT JOIN {section} s ON s.id = a.section_id "
        f"LEFT JOIN {tick} t ON t.item_id = i.id AND t.learner_id = %s "
        f"WHERE i.course_id IN ({', '.join(['%s'] * len(ids))}) "
        f"AND (a.id IS NULL OR {rule}) "
        f"AND (i.blob_id IS NULL OR EXISTS (SELECT 1 FROM {files} f "
        f"LEFT JOIN {activity} fa ON fa.id = f.activity_id "
        f"LEFT JOIN {section} fs ON fs.id = fa.section_id "
        "WHERE f.course_id = i.course_id AND f.blob_id = i.blob_id AND (f.activity_id IS NULL "
        f"OR {file_rule}))) "
        f"AND (i.learner_id = %s OR i.cohort_id IN (SELECT cohort_id FROM {members} WHERE user_id = %s)) "
        "ORDER BY i.due_date IS NULL, i.due_date, i.created_at"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                learner.pk,
                *ids,
                *rule_params,
                *file_rule_params,
                learner.pk,
                learner.pk,
            ],
        )
        rows = cursor.fetchall()
    shut = closed_items(
        learner,
        [
            Planned(
                pk=row[0],
                course_id=row[1],
                activity_id=row[3],
                blob_id=row[5],
                rule=_json(row[10]),
                section_rule=_json(row[11]),
            )
            for row in rows
        ],
    )
    return [
        PlanEntry(
            pk=row[0],
            course_id=row[1],
            course_title=row[2],
            activity_id=row[3],
            title=row[4] if row[3] is not None else row[6],
            blob_id=row[5],
            filename=row[6],
            note=row[7],
            due_date=_date(row[8]),
            done=row[9] is not None,
        )
        for row in rows
        if row[0] not in shut
    ]


@dataclass(frozen=True, slots=True)
class Planned:
    """What deciding whether a learner may open a study-plan item's content needs."""

    pk: int
    course_id: int
    activity_id: int | None
    blob_id: str | None
    rule: Any = None  # the activity's access rule
    section_rule: Any = None  # its section's


def planned(item: StudyPlanItem) -> Planned:
    """A study-plan item as ``closed_items`` takes it (its activity and the activity's
    section read: ``select_related("activity__section")``)."""
    activity = item.activity
    return Planned(
        pk=item.pk,
        course_id=item.course_id,
        activity_id=item.activity_id,
        blob_id=item.blob_id,
        rule=activity.availability if activity else None,
        section_rule=activity.section.availability if activity else None,
    )


def closed_items(learner: User, items: Sequence[Planned]) -> set[int]:
    """The items (among those ``items_for`` allows) whose content the access rules keep the
    learner out of now: an activity closed by its rule or its section's, a file that only such
    activities hold. Reads nothing when no rule is involved, but one query for the holders of
    the files handed out; deciding rules takes two more (``gate.Gate``)."""
    rules = Gate(learner, {item.course_id for item in items})
    shut = {
        item.pk
        for item in items
        if item.activity_id is not None
        and not rules.verdict(item.course_id, item.rule, item.section_rule).available
    }
    files = [item for item in items if item.activity_id is None and item.blob_id is not None]
    if files:
        holders: dict[tuple[int, str], list[tuple[Any, Any]]] = {}
        for course_id, blob_id, own, section in CourseFile.objects.filter(
            fetched(),
            course_id__in={item.course_id for item in files},
            blob_id__in={item.blob_id for item in files},
        ).values_list(
            "course_id", "blob_id", "activity__availability", "activity__section__availability"
        ):
            holders.setdefault((course_id, blob_id), []).append((own, section))
        shut |= {
            item.pk
            for item in files
            if not any(
                rules.verdict(item.course_id, own, section).available
                for own, section in holders.get((item.course_id, str(item.blob_id)), [])
            )
        }
    return shut


def _json(value: object) -> Any:
    """A JSON column read by hand: text on both databases (Django reads jsonb as text)."""
    return json.loads(value) if isinstance(value, str) else value


def _date(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))  # SQLite returns dates as text


def who_has_done(
    items: Sequence[StudyPlanItem], course: Course, viewer: User
) -> dict[int, list[tuple[User, bool]]]:
    """For a teacher: each item's learners and whether they ticked it (three queries)."""
    learners = list(course_learners(course, viewer).prefetch_related("cohorts"))
    ticks = set(StudyPlanTick.objects.filter(item__in=items).values_list("item_id", "learner_id"))
    result: dict[int, list[tuple[User, bool]]] = {}
    for item in items:
        if item.learner_id is not None:
            people = [learner for learner in learners if learner.pk == item.learner_id]
        else:
            people = [
                learner
                for learner in learners
                if any(cohort.pk == item.cohort_id for cohort in learner.cohorts.all())
            ]
        result[item.pk] = [(person, (item.pk, person.pk) in ticks) for person in people]
    return result
