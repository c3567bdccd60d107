"""The search page's cost: the access rules compiled once per kind of reader say what the
catalog's querysets say, a page of results takes one query whatever the number of courses or
results, and the results are those of the plain ORM reading (kept below as the reference:
the ranking with the access rules built on every request, then the page's rows read apart)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.catalog.access import visible_activities, visible_courses, visible_sections
from cartable.catalog.models import Activity, Course, Enrolment, Section
from cartable.compiled import inline_words
from cartable.search import find
from cartable.search.index import reindex_course
from cartable.search.models import Entry
from cartable.search.query import SCAN_CHARS, fts5_match, parse, snippet, tsquery
from tests import kinddata
from tests.conftest import build_course, signed_in
from tests.test_search_results import add, search

pytestmark = pytest.mark.django_db

READERS = ["learner", "teacher", "staff", "admin", "outsider_learner"]


def _orm_sql(queryset) -> tuple[str, tuple]:
    sql, params = queryset.order_by().values("id").query.sql_with_params()
    return sql, tuple(params)


VISIBLE = """search_entry.course_id IN ({courses})
AND (search_entry.section_id IS NULL OR search_entry.section_id IN ({sections}))
AND (search_entry.activity_id IS NULL OR search_entry.activity_id IN ({activities}))"""


def _orm_visibility(user: User) -> tuple[str, list]:
    """What the search page built with the ORM on every request before it compiled it once
    (and checked sections and activities against their whole lists)."""
    parts = {
        "courses": _orm_sql(visible_courses(user)),
        "sections": _orm_sql(visible_sections(user)),
        "activities": _orm_sql(visible_activities(user)),
    }
    visible = VISIBLE.format(**{name: sql for name, (sql, _) in parts.items()})
    if user.role not in STAFF_ROLES:
        visible += find.FOR_LEARNERS
    return visible, [param for _, params in parts.values() for param in params]


@pytest.mark.parametrize("reader", READERS)
def test_the_compiled_access_rules_are_the_catalogs(request, course, reader: str) -> None:
    user = request.getfixturevalue(reader)
    visible, params, slots = find._visibility(connection.alias, find.reader_of(user))
    filled = list(params)
    for position in slots:
        filled[position] = user.pk
    # The ORM's, with the constant words in the text (SQLite would prepare it on every search).
    parts = [
        inline_words(*_orm_sql(visible_courses(user))),
        inline_words(*_orm_sql(visible_sections(user).filter(pk=find.ROW_SECTION))),
        inline_words(*_orm_sql(visible_activities(user).filter(pk=find.ROW_ACTIVITY))),
    ]
    expected = find.VISIBLE.format(
        courses=parts[0][0], sections=parts[1][0], activities=parts[2][0]
    )
    if user.role not in STAFF_ROLES:
        expected += find.FOR_LEARNERS
    assert (visible, filled) == (expected, [value for _, values in parts for value in values])
    assert not set(Activity.Review.values) & {str(value) for value in params}
    assert slots or user.role in STAFF_ROLES  # a reader who is not staff is one user


@pytest.mark.parametrize("reader", ["learner", "teacher", "staff"])
def test_a_page_of_results_is_one_query_whatever_the_courses(
    request, institution, reader: str
) -> None:
    user = request.getfixturevalue(reader)
    client = signed_in(user)
    client.get("/")
    counts = []
    for number in range(6):
        built = build_course(institution, f"C{number}", sections=3, pages_per_section=4)
        role = Enrolment.Role.TEACHER if reader == "teacher" else Enrolment.Role.LEARNER
        Enrolment.objects.create(user=user, course=built, role=role)
        reindex_course(built.pk)
        if number in (0, 5):
            with CaptureQueriesContext(connection) as done:
                status, page = search(client, "texte page")
            assert status == 200
            assert f"{(number + 1) * 12} results" in page
            searched = [query for query in done.captured_queries if "search_entry" in query["sql"]]
            assert len(searched) == 1
            counts.append(len(done.captured_queries))
    if reader != "staff":  # (staff pages also read what awaits them, and the clock)
        assert counts == [3, 3]  # the whole page: session, user, the results


# --- The reference: the ORM reading, as the page did it before ---------------------------------

SQLITE = """
SELECT id, count(*) OVER () FROM (
    SELECT search_entry.id AS id, bm25(search_entry_fts, {title_weight}, 1.0) AS score
    FROM search_entry_fts JOIN search_entry ON search_entry.id = search_entry_fts.rowid
    WHERE search_entry_fts MATCH %s AND {visible}
) AS found
ORDER BY score, id
LIMIT %s OFFSET %s
"""
POSTGRESQL = """
SELECT id, count(*) OVER () FROM (
    SELECT search_entry.id AS id, ts_rank(search_entry.vector, query, 1) AS score
    FROM search_entry, to_tsquery('simple', %s) AS query
    WHERE search_entry.vector @@ query AND {visible}
) AS found
ORDER BY score DESC, id
LIMIT %s OFFSET %s
"""


def _reference_ids(user: User, text: str, every: bool, page: int) -> tuple[list[int], int]:
    visible, params = _orm_visibility(user)
    query = parse(text)
    if connection.vendor == "postgresql":
        sql, match = POSTGRESQL.format(visible=visible), tsquery(query, every=every)
    else:
        sql = SQLITE.format(visible=visible, title_weight=find.TITLE_WEIGHT)
        match = fts5_match(query, every=every)
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, 10_000, 0])
        found = cursor.fetchall()
    ids = [row[0] for row in found]
    return ids[(page - 1) * find.PER_PAGE : page * find.PER_PAGE], len(ids)


def _reference(user: User, text: str, page: int) -> tuple[list[tuple], int, bool]:
    """The hits of a page as (url, title, kind, activity title, course title, snippet)."""
    every = True
    ids, total = _reference_ids(user, text, True, page)
    if total == 0 and len(parse(text).terms) > 1:
        every = False
        ids, total = _reference_ids(user, text, False, page)
    query = parse(text)
    rows = {
        row.pk: row
        for row in Entry.objects.filter(pk__in=ids).select_related("course", "section", "activity")
    }
    hits = []
    for pk in ids:
        entry = rows[pk]
        activity, section = entry.activity, entry.section
        course_url = reverse("learning:course", args=[entry.course_id])
        if activity is not None:
            url = reverse("learning:activity", args=[entry.course_id, activity.pk]) + entry.anchor
            kind = activity.get_kind_display() if entry.kind == Entry.Kind.ACTIVITY else ""
        elif section is not None:
            url, kind = f"{course_url}#section-{section.pk}", ""
        else:
            url, kind = course_url, ""
        title = entry.title or (activity.title if activity else "")
        if not title and section is not None:
            position = section.position
            title = _("General") if position == 0 else _("Part %(number)s") % {"number": position}
        hits.append(
            (
                url,
                title,
                kind or entry.get_kind_display(),
                activity.title if activity and entry.kind != Entry.Kind.ACTIVITY else "",
                entry.course.title,
                snippet(entry.text[:SCAN_CHARS], query),
            )
        )
    return hits, total, every


@pytest.fixture
def varied(course: Course, other_course: Course, learner: User) -> list[Course]:
    """Every kind of row: courses, titled and untitled sections, hidden and restricted
    content, chapters, glossary entries, files, and a second course the learner follows."""
    Section.objects.create(course=course, position=5, title="", summary="<p>Texte à part</p>")
    course.sections.filter(position=0).update(title="", summary="<p>Texte du début</p>")
    add(course, "Caché", content="<p>Texte caché</p>", visible=False)
    rule = {"op": "&", "c": [{"type": "date", "d": ">=", "t": 4102444800}], "showc": [True]}
    add(course, "Plus tard", content="<p>Texte réservé</p>", availability=rule)
    add(
        course,
        "Livre de textes",
        kind=Activity.Kind.BOOK,
        data=kinddata.book(
            kinddata.chapter(1, "Premier texte", "<p>Un texte, des textes.</p>"),
            kinddata.chapter(2, "", "<p>Le texte sans titre</p>"),
        ),
    )
    add(
        course,
        "Lexique",
        kind=Activity.Kind.GLOSSARY,
        data=kinddata.glossary(kinddata.entry("Texte", "<p>Un écrit &lt;b&gt; page</p>")),
    )
    long = "Rien ici. " * 400 + "Enfin le texte <b>voulu</b> & la page."
    add(course, "Long", content=f"<p>{long}</p>")
    Enrolment.objects.create(user=learner, course=other_course)
    for each in (course, other_course):
        each.summary = "<p>Un cours de texte</p>"
        each.save()
        reindex_course(each.pk)
    return [course, other_course]


@pytest.mark.parametrize("reader", READERS)
def test_the_results_are_those_of_the_orm_reading(
    request, varied, reader: str, monkeypatch
) -> None:
    user = request.getfixturevalue(reader)
    monkeypatch.setattr(find, "PER_PAGE", 4)
    texts = ["texte", "page", "texte page", "page xylophone", "voulu", "début", "de", "zzz"]
    pages = 0
    for text in texts:
        for page in (1, 2, 3):
            found = find.search(user, text, page)
            expected, total, every = _reference(user, text, found.page.number if found.page else 1)
            shown = [
                (hit.url, hit.title, hit.kind, hit.activity_title, hit.course_title, hit.parts)
                for hit in found.hits
            ]
            assert (shown, found.total, found.every) == (expected, total, every), (text, page)
            pages += bool(shown)
    assert pages >= (10 if reader != "outsider_learner" else 0)
