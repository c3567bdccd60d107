"""Compiled statements (``cartable.compiled``) hold the code's constant words in their text, not
as parameters: SQLite weighs a bound value against the condition of a partial index it might
use (``activity_waiting_idx``: ``review_status = 'pending'``) and then prepares the statement
again each time the value is bound, on every request. The request's values stay parameters,
in their places, and the statements find what the ORM finds."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
from django.db import connection
from django.utils import timezone

from cartable.catalog.access import _activity_query, opened
from cartable.catalog.models import Activity, Course
from cartable.compiled import PLACEHOLDERS, inline_words
from cartable.learning import outline
from cartable.learning.views import _siblings


def test_words_are_written_in_and_every_other_parameter_stays_in_its_place() -> None:
    sql = (
        "SELECT 1 WHERE a = %s AND b LIKE %s ESCAPE '\\' AND c = %s AND d = '%%' AND e IN (%s, %s)"
    )
    params = ("approved", "it's", PLACEHOLDERS[0], True, "with space")
    written, left = inline_words(sql, params)
    assert written == (
        "SELECT 1 WHERE a = 'approved' AND b LIKE %s ESCAPE '\\' AND c = %s AND d = '%%' "
        "AND e IN (%s, %s)"
    )
    assert left == ("it's", PLACEHOLDERS[0], True, "with space")


@pytest.mark.parametrize("word", ["x%", "a-b", "1a", "", "é", "a'b", "pending;"])
def test_what_is_not_a_plain_word_stays_a_parameter(word: str) -> None:
    assert inline_words("a = %s", (word,)) == ("a = %s", (word,))


def test_a_member_of_choices_is_written_as_its_value() -> None:
    assert inline_words("a = %s", (Activity.Review.APPROVED,)) == ("a = 'approved'", ())


def test_a_statement_whose_marks_do_not_match_its_parameters_is_left_alone() -> None:
    assert inline_words("a = %s AND b = %s", ("x",)) == ("a = %s AND b = %s", ("x",))


def _states(course: Course) -> dict[str, Activity]:
    """An activity of the course in each state the access rule tells apart."""
    section = course.sections.get(position=0)
    made = {}
    for name, values in {
        "pending": {"review_status": Activity.Review.PENDING},
        "rejected": {"review_status": Activity.Review.REJECTED},
        "hidden": {"visible": False},
        "retired": {"retired_at": timezone.now()},
        "bank": {"kind": Activity.Kind.QBANK},
    }.items():
        made[name] = Activity.objects.create(
            **{
                "course": course,
                "section": section,
                "position": 50 + len(made),
                "kind": Activity.Kind.PAGE,
                "review_status": Activity.Review.APPROVED,
                "title": name,
                **values,
            }
        )
    return made


@pytest.mark.django_db
def test_the_activity_lookup_has_the_status_inline_and_finds_what_the_orm_finds(course) -> None:
    _states(course)
    for reader in ("", "teacher", "staff"):
        query = _activity_query(connection.alias, reader)
        sql, params = query.statement.sql, query.statement.params
        assert (f"'{Activity.Review.APPROVED.value}'" in sql) is (reader != "staff")
        assert not set(Activity.Review.values) & {str(value) for value in params}
        assert params.count(PLACEHOLDERS[0]) == params.count(PLACEHOLDERS[1]) == 1
        orm = Activity.objects.filter(course=course, retired_at__isnull=True)
        if reader != "staff":
            orm = orm.filter(opened(hidden=reader == "teacher"))
        expected = set(orm.values_list("pk", flat=True))
        found = {
            activity.pk
            for activity in Activity.objects.filter(course=course)
            if query.first(activity.pk, course.pk) is not None
        }
        assert found == expected, reader
        assert query.first(min(expected), course.pk + 1) is None


@pytest.mark.django_db
def test_the_siblings_have_the_status_inline_and_are_the_orms(course) -> None:
    _states(course)
    for reader in (outline.LEARNER, outline.TEACHER):
        statement = _siblings(connection.alias, reader)
        assert f"'{Activity.Review.APPROVED.value}'" in statement.sql
        assert statement.slots == ((statement.params.index(PLACEHOLDERS[0]), 0),)
        orm = Activity.objects.filter(course=course, retired_at__isnull=True)
        orm = orm.filter(opened(hidden=reader == outline.TEACHER))
        expected = orm.order_by("section__position", "position").values_list(
            "id", "title", "kind", "availability", "section__availability"
        )
        assert [tuple(row) for row in statement.convert(statement.fetch(course.pk))] == [
            tuple(row) for row in expected
        ]


@contextmanager
def _preparations() -> Iterator[Callable[[], int]]:
    """How many times SQLite prepares a statement: it calls the authorizer while it does."""
    calls = [0]

    def authorizer(*args: object) -> int:
        calls[0] += 1
        return sqlite3.SQLITE_OK

    connection.ensure_connection()
    raw = connection.connection
    raw.set_authorizer(authorizer)  # (which expires every statement prepared so far)
    try:
        yield lambda: calls[0]
    finally:
        raw.set_authorizer(None)


@pytest.mark.django_db
def test_sqlite_prepares_the_activity_pages_statements_once(course) -> None:
    if connection.vendor != "sqlite":
        pytest.skip("SQLite's own statement preparation")
    activity = course.activities.first()
    query, siblings = _activity_query(connection.alias, ""), _siblings(connection.alias, "")
    bound = Activity.objects.filter(opened(), course_id=course.pk).values_list("id")
    bound_sql, bound_params = bound.query.sql_with_params()
    assert Activity.Review.APPROVED in bound_params
    with _preparations() as prepared, connection.cursor() as cursor:
        for _ in range(2):  # the first run prepares each again (the authorizer expired them)
            before = prepared()
            assert query.first(activity.pk, course.pk) is not None
            siblings.fetch(course.pk)
        assert prepared() == before
        # What it guards against: the same rule with the status bound, prepared every time.
        for _ in range(2):
            before = prepared()
            cursor.execute(bound_sql, bound_params)
        assert prepared() > before
