"""Searching the index for one user: ranked by the database's own full-text search, limited to
what the catalog's access rules let the user see, in one query whatever the size of the
courses, which ranks, counts and reads the page's rows (and one more when no row holds every
word, to look for rows holding some, or when the page asked for is past the last).

Who sees what (``cartable.catalog.access``): a course row needs its course visible; a section's
row its section; an activity's rows their activity (published, enrolled, not retired, not
hidden, its section not hidden; staff see all). The content of an activity with access
conditions, its own or its section's (rows marked ``restricted`` by the index), is for staff
only: learners and teachers may not have unlocked it yet; its title still leads to it (to its
page, which says why it is closed), unless a rule may hide it entirely, as the course page
would; a section whose rule may hide it entirely is likewise found by staff only.

The access rules are the catalog's querysets, compiled to SQL once per database and kind of
reader (staff, teacher, anyone else) with a placeholder for the user's id; each search only
puts its user's id in (``_visibility``). Building them with the ORM on every request cost more
than the database spent searching.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from html import escape  # what django.utils.html.escape calls, without its lazy wrapper
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.db.models.expressions import RawSQL
from django.urls import reverse
from django.utils.encoding import force_str
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, Role, User
from cartable.catalog.access import visible_activities, visible_courses, visible_sections
from cartable.catalog.models import Activity, Course, Section
from cartable.compiled import PLACEHOLDERS, inline_words
from cartable.search.models import Entry
from cartable.search.query import (
    SCAN_CHARS,
    Matcher,
    Part,
    Query,
    fts5_match,
    parse,
    snippet,
    tsquery,
)

PER_PAGE = 20

# bm25 weights of the FTS5 columns (title, text), and the same balance for PostgreSQL, whose
# ts_rank gives weight A (titles) 1.0 and D (text) 0.1.
TITLE_WEIGHT = 10.0

# The rows the user may see that match, with their score. SQLite allows bm25() only next to its
# MATCH, not under the window function that counts all the matches: hence the subqueries.
SQLITE = """
    SELECT search_entry.id AS id, bm25(search_entry_fts, {title_weight}, 1.0) AS score
    FROM search_entry_fts JOIN search_entry ON search_entry.id = search_entry_fts.rowid
    WHERE search_entry_fts MATCH %s AND {visible}
"""
POSTGRESQL = """
    SELECT search_entry.id AS id, ts_rank(search_entry.vector, query, 1) AS score
    FROM search_entry, to_tsquery('simple', %s) AS query
    WHERE search_entry.vector @@ query AND {visible}
"""
ORDER = {"sqlite": "{0}score, {0}id", "postgresql": "{0}score DESC, {0}id"}
# One page of them, best first, with how many there are and what the page shows of each.
PAGE = """
SELECT found.total, entry.kind, entry.anchor, entry.title, substr(entry.text, 1, {scan}),
    entry.course_id, course.title, entry.section_id, section.position,
    entry.activity_id, activity.kind, activity.title
FROM (
    SELECT id, score, count(*) OVER () AS total FROM ({matching}) AS scored
    ORDER BY {order}
    LIMIT %s OFFSET %s
) AS found
JOIN search_entry AS entry ON entry.id = found.id
JOIN {course} AS course ON course.id = entry.course_id
LEFT JOIN {section} AS section ON section.id = entry.section_id
LEFT JOIN {activity} AS activity ON activity.id = entry.activity_id
ORDER BY {found_order}
"""
# A row's section and activity are checked one by one (EXISTS, by primary key), not against
# the list of every section and activity the user may see: SQLite would build that list on
# every search, reading every activity row of the user's courses (their pages' HTML included)
# for the few a rare word matches. The courses are few: their list it is.
VISIBLE = """search_entry.course_id IN ({courses})
AND (search_entry.section_id IS NULL OR EXISTS ({sections}))
AND (search_entry.activity_id IS NULL OR EXISTS ({activities}))"""
FOR_LEARNERS = " AND NOT search_entry.restricted"
ROW_SECTION = RawSQL("search_entry.section_id", ())
ROW_ACTIVITY = RawSQL("search_entry.activity_id", ())

# A reader of each kind the access rules tell apart; staff roles all see the same.
READERS = {"staff": Role.STAFF, "teacher": Role.TEACHER, "learner": Role.LEARNER}


@dataclass(frozen=True)
class Hit:
    url: str
    title: str
    kind: str  # shown to the user: "Page", "Book chapter", …
    activity_title: str  # the activity a chapter, entry, page or file belongs to
    course_title: str
    parts: tuple[Part, ...]  # the snippet

    @property
    def marked(self) -> SafeString:
        """The snippet as HTML: its text escaped, the matching words in ``<mark>``."""
        return mark_safe(  # noqa: S308  (every part escaped here, as the template would)
            "".join(
                f"<mark>{escape(part.text)}</mark>" if part.match else escape(part.text)
                for part in self.parts
            )
        )


@dataclass(frozen=True)
class Results:
    text: str
    hits: list[Hit]
    page: Page[Any] | None
    total: int
    every: bool  # False: no row held every word; these hold some


def search(user: User, text: str, page_number: int = 1) -> Results:
    query = parse(text)
    if not query or not user.is_authenticated or not user.is_active:
        return Results(text, [], None, 0, True)
    every = True
    rows, total = _ranked(user, query, every=True, page=page_number)
    if total == 0 and len(query.terms) > 1:
        every = False
        rows, total = _ranked(user, query, every=False, page=page_number)
    paginator = Paginator(range(total), PER_PAGE)
    page = paginator.get_page(page_number)
    if not rows and total:  # asked for a page past the end: show the last one
        rows, total = _ranked(user, query, every=every, page=page.number)
    return Results(text, _hits(query, rows), page, total, every)


def reader_of(user: User) -> str:
    """Which of ``READERS`` the access rules see in ``user``."""
    if user.role in STAFF_ROLES:
        return "staff"
    return "teacher" if user.role == Role.TEACHER else "learner"


def _sql(queryset: QuerySet[Any], alias: str) -> tuple[str, tuple[Any, ...]]:
    """The queryset's SQL, its constant words written in (``compiled.inline_words``: SQLite
    would prepare the search's statement again on every search) and its parameters."""
    return inline_words(*queryset.order_by().values("id").query.get_compiler(alias).as_sql())


@functools.cache
def _visibility(alias: str, reader: str) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """The rows a reader of this kind may see, as a SQL condition on ``search_entry`` (the
    catalog's access rules, compiled for the database ``alias``), its parameters, and where
    among them the user's id goes."""
    user = User(pk=PLACEHOLDERS[0], role=READERS[reader], is_active=True)
    parts = {
        "courses": _sql(visible_courses(user), alias),
        "sections": _sql(visible_sections(user).filter(pk=ROW_SECTION), alias),
        "activities": _sql(visible_activities(user).filter(pk=ROW_ACTIVITY), alias),
    }
    visible = VISIBLE.format(**{name: sql for name, (sql, _) in parts.items()})
    params = tuple(param for _, params in parts.values() for param in params)
    if reader != "staff":
        visible += FOR_LEARNERS
    slots = tuple(
        position
        for position, param in enumerate(params)
        if type(param) is int and param == PLACEHOLDERS[0]
    )
    return visible, params, slots


@functools.cache
def _statement(
    alias: str, vendor: str, reader: str
) -> tuple[str, tuple[Any, ...], tuple[int, ...]]:
    """The whole page's statement for a reader of this kind: parameters the match, then
    ``_visibility``'s, then the limit and the offset."""
    visible, params, slots = _visibility(alias, reader)
    if vendor == "postgresql":
        matching = POSTGRESQL.format(visible=visible)
    else:
        matching = SQLITE.format(visible=visible, title_weight=TITLE_WEIGHT)
    order = ORDER["postgresql" if vendor == "postgresql" else "sqlite"]
    sql = PAGE.format(
        scan=SCAN_CHARS,
        matching=matching,
        order=order.format(""),
        found_order=order.format("found."),
        course=Course._meta.db_table,
        section=Section._meta.db_table,
        activity=Activity._meta.db_table,
    )
    return sql, params, tuple(position + 1 for position in slots)


def _ranked(user: User, query: Query, *, every: bool, page: int) -> tuple[list[Any], int]:
    """One page of rows the user may see, best first, and how many there are."""
    sql, template, slots = _statement(connection.alias, connection.vendor, reader_of(user))
    if connection.vendor == "postgresql":
        match = tsquery(query, every=every)
    else:
        match = fts5_match(query, every=every)
    params = [match, *template]
    for position in slots:
        params[position] = user.pk
    offset = max(page - 1, 0) * PER_PAGE
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, PER_PAGE, offset])
        found = cursor.fetchall()
    if not found:
        return [], 0 if offset == 0 else _count(sql, params)
    return found, found[0][0]


def _count(sql: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, 1, 0])
        found = cursor.fetchone()
    return found[0] if found else 0


ENTRY_KINDS: dict[str, Any] = dict(Entry.Kind.choices)
ACTIVITY_KINDS: dict[str, Any] = dict(Activity.Kind.choices)


def _hits(query: Query, rows: list[Any]) -> list[Hit]:
    if not rows:
        return []
    matches = Matcher(query.stems)  # one for the page's snippets
    course_url, activity_url = _address("learning:course", 1), _address("learning:activity", 2)
    return [_hit(row, course_url, activity_url, query, matches) for row in rows]


# Stand-in ids: the addresses of a page of results come from one reverse() per URL name.
STAND_INS = (987_654_321_012_345, 987_654_321_067_890)


def _address(name: str, arity: int) -> Callable[..., str]:
    """``reverse(name, args=ids)`` for any ``arity`` integer ids, from one reverse() with
    stand-ins in their places."""
    url = reverse(name, args=STAND_INS[:arity])
    pieces = [url]
    for stand_in in STAND_INS[:arity]:
        head, found, tail = pieces[-1].partition(str(stand_in))
        assert found and str(stand_in) not in tail, url
        pieces[-1:] = [head, tail]
    first, rest = pieces[0], pieces[1:]

    def address(*ids: int) -> str:
        return first + "".join(
            f"{int(value)}{piece}" for value, piece in zip(ids, rest, strict=True)
        )

    return address


def _hit(
    row: Any,
    course_url: Callable[..., str],
    activity_url: Callable[..., str],
    query: Query,
    matches: Matcher,
) -> Hit:
    (
        _total,
        kind,
        anchor,  # "#section-3" or "?chapter=12": where on the page
        title,
        excerpt,
        course_id,
        course_title,
        section_id,
        section_position,
        activity_id,
        activity_kind,
        activity_title,
    ) = row
    shown_kind = ""
    if activity_id is not None:
        url = activity_url(course_id, activity_id) + anchor
        if kind == Entry.Kind.ACTIVITY:
            shown_kind = force_str(ACTIVITY_KINDS.get(activity_kind, activity_kind))
    elif section_id is not None:
        url = f"{course_url(course_id)}#section-{section_id}"
    else:
        url = course_url(course_id)
    title = title or (activity_title if activity_id is not None else "")
    if not title and section_id is not None:  # as the course page names untitled sections
        position = section_position
        title = _("General") if position == 0 else _("Part %(number)s") % {"number": position}
    return Hit(
        url=url,
        title=title,
        kind=shown_kind or force_str(ENTRY_KINDS.get(kind, kind)),
        activity_title=activity_title
        if activity_id is not None and kind != Entry.Kind.ACTIVITY
        else "",
        course_title=course_title,
        parts=snippet(excerpt or "", query, matches=matches),
    )
