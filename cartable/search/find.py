"""Searching the index for one user: ranked by the database's own full-text search, limited to
what the catalog's access rules let the user see, in a fixed number of queries whatever the
size of the courses: one to rank and count, one to read the page's rows (and one more when no
row holds every word, to look for rows holding some).

Who sees what (``cartable.catalog.access``): a course row needs its course visible; a section's
row its section; an activity's rows their activity (published, enrolled, not retired, not
hidden, its section not hidden; staff see all). The content of an activity with access
conditions, its own or its section's (rows marked ``restricted`` by the index), is for staff
only: learners and teachers may not have unlocked it yet; its title still leads to it (to its
page, which says why it is closed), unless a rule may hide it entirely, as the course page
would; a section whose rule may hide it entirely is likewise found by staff only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db import connection
from django.db.models import QuerySet
from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.translation import gettext as _

from cartable.accounts.models import STAFF_ROLES, User
from cartable.catalog.access import visible_activities, visible_courses, visible_sections
from cartable.search.models import Entry
from cartable.search.query import SCAN_CHARS, Part, Query, fts5_match, parse, snippet, tsquery

PER_PAGE = 20

# bm25 weights of the FTS5 columns (title, text), and the same balance for PostgreSQL, whose
# ts_rank gives weight A (titles) 1.0 and D (text) 0.1.
TITLE_WEIGHT = 10.0

# The score is computed in a subquery: SQLite allows bm25() only next to its MATCH, not under
# the window function that counts all the matches.
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
VISIBLE = """search_entry.course_id IN ({courses})
AND (search_entry.section_id IS NULL OR search_entry.section_id IN ({sections}))
AND (search_entry.activity_id IS NULL OR search_entry.activity_id IN ({activities}))"""
FOR_LEARNERS = " AND NOT search_entry.restricted"


@dataclass(frozen=True)
class Hit:
    entry: Entry
    url: str
    title: str
    kind: str  # shown to the user: "Page", "Book chapter", …
    activity_title: str  # the activity a chapter, entry, page or file belongs to
    parts: tuple[Part, ...]  # the snippet


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


def _sql(queryset: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    sql, params = queryset.order_by().values("id").query.sql_with_params()
    return sql, tuple(params)


def _ranked(user: User, query: Query, *, every: bool, page: int) -> tuple[list[int], int]:
    """The ids of one page of rows the user may see, best first, and how many there are."""
    parts = {
        "courses": _sql(visible_courses(user)),
        "sections": _sql(visible_sections(user)),
        "activities": _sql(visible_activities(user)),
    }
    visible = VISIBLE.format(**{name: sql for name, (sql, _) in parts.items()})
    visible_params = [param for _, params in parts.values() for param in params]
    if user.role not in STAFF_ROLES:
        visible += FOR_LEARNERS
    if connection.vendor == "postgresql":
        sql = POSTGRESQL.format(visible=visible)
        match = tsquery(query, every=every)
    else:
        sql = SQLITE.format(visible=visible, title_weight=TITLE_WEIGHT)
        match = fts5_match(query, every=every)
    offset = max(page - 1, 0) * PER_PAGE
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *visible_params, PER_PAGE, offset])
        found = cursor.fetchall()
    if not found:
        return [], 0 if offset == 0 else _count(sql, match, visible_params)
    return [row[0] for row in found], found[0][1]


def _count(sql: str, match: str, params: list[Any]) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql, [match, *params, 1, 0])
        found = cursor.fetchone()
    return found[1] if found else 0


def _hits(query: Query, ids: list[int]) -> list[Hit]:
    if not ids:
        return []
    rows = (
        Entry.objects.filter(pk__in=ids)
        .select_related("course", "section", "activity")
        .only(
            "kind",
            "anchor",
            "title",
            "course__id",
            "course__title",
            "section__id",
            "section__title",
            "section__position",
            "activity__id",
            "activity__kind",
            "activity__title",
        )
        .annotate(excerpt=Substr("text", 1, SCAN_CHARS))
    )
    by_id = {row.pk: row for row in rows}
    return [_hit(by_id[pk], query) for pk in ids if pk in by_id]


def _hit(entry: Entry, query: Query) -> Hit:
    activity = entry.activity
    course_url = reverse("learning:course", args=[entry.course_id])
    anchor = entry.anchor  # "#section-3" or "?chapter=12": where on the page
    if activity is not None:
        url = reverse("learning:activity", args=[entry.course_id, activity.pk]) + anchor
        kind = activity.get_kind_display() if entry.kind == Entry.Kind.ACTIVITY else ""
    elif entry.section is not None:
        url = f"{course_url}#section-{entry.section_id}"
        kind = ""
    else:
        url = course_url
        kind = ""
    title = entry.title or (activity.title if activity else "")
    if not title and entry.section is not None:  # as the course page names untitled sections
        position = entry.section.position
        title = _("General") if position == 0 else _("Part %(number)s") % {"number": position}
    excerpt: str = getattr(entry, "excerpt", "") or ""
    return Hit(
        entry=entry,
        url=url,
        title=title,
        kind=kind or entry.get_kind_display(),
        activity_title=activity.title
        if activity is not None and entry.kind != Entry.Kind.ACTIVITY
        else "",
        parts=snippet(excerpt, query),
    )
