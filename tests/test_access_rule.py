"""The one rule for what a learner may open, ``access.opened``, has an ORM form (views, files,
search, plans) and a SQL form (``access.opened_sql``, for the learner home's hand-written
statements): on every combination of the states an activity and its section can be in, both
pick the same activities."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from django.utils import timezone

from cartable.catalog.access import opened, opened_sql
from cartable.catalog.models import Activity, Course, Section

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
