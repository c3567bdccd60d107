"""The one rule for what a learner may open, ``access.opened``, has an ORM form (views, files,
search, plans) and a SQL form (``access.opened_sql``, for the learner home's hand-written
statements): on every combination of the states an activity and its section can be in, both
pick the same activities. The access rules (``learning.gate``), grade conditions included,
agree the same way on both paths."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from cartable.accounts.models import Role
from cartable.catalog.access import opened, opened_sql
from cartable.catalog.models import Activity, Course, Enrolment, Section
from cartable.grades.models import Grade
from cartable.learning.availability import Grades, evaluate
from cartable.learning.models import StudyPlanItem
from cartable.learning.plans import home_plan
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


def test_it_gives_the_same_answer_in_sql_and_in_the_orm(institution) -> None:
    course = Course.objects.create(institution=institution, shortname="RULE", title="Règle")
    sections = {
        shown: Section.objects.create(course=course, position=int(shown), visible=shown)
        for shown in (False, True)
    }
    states = itertools.product(
        (False, True),
        (False, True),
        (False, True),
        Activity.Review.values,
        (Activity.Kind.PAGE, Activity.Kind.QBANK),
    )
    for position, (retired, visible, section_visible, review, kind) in enumerate(states):
        Activity.objects.create(
            course=course,
            section=sections[section_visible],
            position=position,
            kind=kind,
            title=f"{retired} {visible} {section_visible} {review} {kind}",
            visible=visible,
            review_status=review,
            retired_at=timezone.now() if retired else None,
        )
    orm = set(Activity.objects.filter(opened(), course=course).values_list("pk", flat=True))
    condition, params = opened_sql("a", "s")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT a.id FROM {Activity._meta.db_table} a "  # noqa: S608 (names from the models)
            f"JOIN {Section._meta.db_table} s ON s.id = a.section_id "
            f"WHERE a.course_id = %s AND {condition}",
            [course.pk, *params],
        )
        sql = {row[0] for row in cursor.fetchall()}
    # Current, approved, shown in a shown section, a reader's kind (not a question bank): 1 of 48.
    assert len(orm) == 1
    assert sql == orm


def test_it_binds_no_review_status_that_sqlite_weighs_against_the_waiting_index() -> None:
    """The approved status is in the statement's text: bound as a parameter, SQLite compares
    its value with the partial index on waiting activities (``review_status = 'pending'``)
    and prepares the learner home's statements again on every request."""
    condition, params = opened_sql("a", "s")
    assert "a.review_status = 'approved'" in condition
    assert not set(Activity.Review.values) & {str(value) for value in params}


def test_grade_conditions_give_the_same_answer_on_every_path(institution, establishment) -> None:
    """Moodle's "grade" access conditions, on every combination of a condition (any grade, a
    minimum, a maximum, both; negated or not) and a learner's grade (none, not released yet,
    released low to high): the activity page (the ORM path) and the learner home's study plan
    (the hand-written SQL path) open the same activities, those Moodle's rule opens."""
    course = Course.objects.create(
        institution=institution, shortname="NOTE", title="Notes", status=Course.Status.PUBLISHED
    )
    section = Section.objects.create(course=course, position=0)
    quiz = Activity.objects.create(
        course=course,
        section=section,
        position=0,
        kind=Activity.Kind.QUIZ,
        title="Quiz",
        review_status=Activity.Review.APPROVED,
        completion={"tracking": "automatic", "grade_item": 7001},
    )
    conditions = [
        {"op": op, "c": [{"type": "grade", "id": 7001, **bounds}], "showc": [True]}
        for op in ("&", "!&")
        for bounds in ({}, {"min": 50}, {"max": 80}, {"min": 50, "max": 80})
    ]
    pages = [
        Activity.objects.create(
            course=course,
            section=section,
            position=position + 1,
            kind=Activity.Kind.PAGE,
            title=f"Page {position}",
            review_status=Activity.Review.APPROVED,
            availability=condition,
        )
        for position, condition in enumerate(conditions)
    ]
    now = timezone.now()
    states: list[tuple[float | None, bool]] = [
        (None, False),
        (18, False),
        (0, True),
        (9, True),
        (10, True),
        (16, True),
        (18, True),
    ]
    opened_for: Counter[int] = Counter()
    for number, (points, released) in enumerate(states):
        learner = make_user(f"l{number}", Role.LEARNER, establishment)
        Enrolment.objects.create(user=learner, course=course)
        if points is not None:
            Grade.objects.create(
                course=course,
                activity=quiz,
                user=learner,
                grade=points,
                max_grade=20,
                source=Grade.Source.QUIZ,
                released_at=now - timedelta(minutes=1) if released else None,
            )
        for page in pages:
            StudyPlanItem.objects.create(course=course, activity=page, learner=learner)
        percent = 100 * points / 20 if points is not None and released else None
        grades = Grades({7001: quiz.pk}, lambda pk, found=percent: found)
        expected = {
            page.pk
            for page in pages
            if evaluate(
                page.availability, now=now, activity_for={}, completed=lambda pk: False,
                grades=grades,
            ).available
        }  # fmt: skip
        client = signed_in(learner)
        orm = {
            page.pk
            for page in pages
            if client.get(f"/courses/{course.pk}/activities/{page.pk}/").status_code == 200
        }
        sql = {entry.activity_id for entry in home_plan(learner, [course.pk])}
        assert orm == sql == expected, (points, released)
        opened_for.update(expected)
    # Every condition opens for some learners and stays shut for others.
    assert all(0 < opened_for[page.pk] < len(states) for page in pages)
