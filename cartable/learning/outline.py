"""The course page's outline: read in three compiled statements, rendered once per content.

What a course page lists is the same for every reader of the same kind (learner, teacher,
staff) in the same language: sections, activity titles, icons, links, durations. Only a few
things are the reader's: what they have done, which rules hold them back, their progress.

So each request reads the course's sections, its activities and the reader's progress (three
statements compiled once: ``cartable.compiled``) and looks up the outline made from exactly
those rows (raw, as the database returned them: the key is the content itself, so a title
changed, an activity hidden, approved, moved or retired, a section renamed — whatever the
action or statement that changed it — reads other rows and finds another outline; nothing is
ever invalidated by time or forgotten to be). An outline keeps, per language, the HTML of each
section's frame and of each activity row in each state it has been shown in; a request only
decides each activity's state and access (rules are evaluated only for the activities and
sections that hold one) and joins kept strings. Rows that show a rule's reasons (dates, other
activities' titles) and texts whose links need the course's files are rendered on each request.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import router
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from cartable.accounts.models import STAFF_ROLES, Role, User
from cartable.catalog.access import opened
from cartable.catalog.kinds import KINDS
from cartable.catalog.models import Activity, Course, Section
from cartable.catalog.rendering import CourseLinks
from cartable.compiled import PLACEHOLDERS, Statement, compile_values
from cartable.grades.book import GRADED_KINDS
from cartable.learning import progress
from cartable.learning.availability import OPEN, Verdict, has_conditions, within
from cartable.learning.gate import Gate
from cartable.learning.models import ActivityProgress
from cartable.learning.templatetags.learning import duration

SECTION_COLUMNS = ("id", "position", "title", "summary", "visible", "availability")
ITEM_COLUMNS = (
    "id",
    "section_id",
    "title",
    "kind",
    "visible",
    "intro",
    "availability",
    "completion_mode",
    "estimated_minutes",
)
PROGRESS_COLUMNS = ("activity_id", "views", "completed_at", "last_viewed_at")
# Readers of a course, as the rows they may see differ: staff (everything), the course's
# teachers (hidden content too), learners (what ``opened`` lets them open).
STAFF, TEACHER, LEARNER = "staff", "teacher", "learner"
# Bounds per server process: outlines (a course for a kind of reader) and the fragments each
# keeps (a row in a state, in a language: about 600 bytes), about 15 MB at the very most.
OUTLINES_KEPT = 16
FRAGMENTS_KEPT = 1_500
MARK = "\x00rows\x00"  # where a section frame's rows go (never in a rendered text)


# --- The three statements ---------------------------------------------------------------------


@functools.cache
def _sections(alias: str, every: bool) -> Statement:
    course_id = PLACEHOLDERS[0]
    sections = Section.objects.filter(course_id=course_id, retired_at__isnull=True)
    if not every:
        sections = sections.filter(visible=True)
    return compile_values(sections.order_by("position").values_list(*SECTION_COLUMNS), alias)


@functools.cache
def _activities(alias: str, reader: str) -> Statement:
    activities = Activity.objects.filter(course_id=PLACEHOLDERS[0], retired_at__isnull=True)
    if reader != STAFF:  # content waiting for review is for staff's eyes only
        activities = activities.filter(opened(hidden=reader == TEACHER))
    return compile_values(activities.order_by("position").values_list(*ITEM_COLUMNS), alias)


@functools.cache
def _progress(alias: str) -> Statement:
    rows = ActivityProgress.objects.filter(user_id=PLACEHOLDERS[0], course_id=PLACEHOLDERS[1])
    return compile_values(rows.values_list(*PROGRESS_COLUMNS), alias)


# --- An outline: what the rows say, and the HTML made from them --------------------------------


@dataclass(slots=True)
class Item:
    pk: int
    section_id: int
    title: str
    kind: str
    visible: bool
    intro: str
    availability: Any
    completion_mode: str
    estimated_minutes: int
    ruled: bool = False
    answer: bool = False  # completed by an answer the box records (a "to do" until then)
    counted: bool = False  # in the course's progress (set with its section)


@dataclass(slots=True)
class Part:
    pk: int
    position: int
    title: str
    summary: str
    visible: bool
    availability: Any
    ruled: bool = False
    items: list[Item] = field(default_factory=list)
    section: Section | None = None  # the row as a model instance, for the templates


@dataclass(slots=True)
class Entry:
    """An activity as one reader sees it on the course page now."""

    pk: int
    kind: str
    title: str
    visible: bool
    open: bool  # the reader may open it now
    state: str  # for a learner: "done", "to_do" (with ``to_do``), "viewed" or ""
    to_do: str  # what the learner has to do that a view does not do, if anything
    reasons: list[dict[str, Any]]


class Outline:
    """A course's sections and activities as one kind of reader may see them, and the HTML
    made from them so far (per language, row state…), kept while the rows are the same."""

    def __init__(self, course_id: int, sections: list[list[Any]], items: list[list[Any]]):
        self.course_id = course_id
        self.parts = [Part(*values) for values in sections]
        by_section = {part.pk: part for part in self.parts}
        answers = {name for name, kind in KINDS.items() if kind.answer is not None}
        for values in items:
            item = Item(*values)
            part = by_section.get(item.section_id)
            if part is None:
                continue  # in a section this reader does not see
            item.ruled = has_conditions(item.availability)
            item.answer = item.completion_mode == "answer" and item.kind in answers
            item.counted = item.kind not in progress.NOT_STUDIED and part.visible and item.visible
            part.items.append(item)
        for part in self.parts:
            part.ruled = has_conditions(part.availability)
            part.section = Section(
                id=part.pk,
                course_id=course_id,
                position=part.position,
                title=part.title,
                summary=part.summary,
                visible=part.visible,
                availability=part.availability,
            )
        self.counted = [
            (i.pk, i.estimated_minutes) for p in self.parts for i in p.items if i.counted
        ]
        self.url = reverse("learning:activity", args=[course_id, 987654321])
        self.plan_url = reverse("learning:plan", args=[course_id])
        self.html: dict[tuple[Any, ...], Any] = {}

    def _keep(self, key: tuple[Any, ...], html: Any) -> None:
        if len(self.html) < FRAGMENTS_KEPT:
            self.html[key] = html

    def row(self, item: Item, language: str, *, learner: bool, open_: bool, state: str) -> str:
        """An activity's row (not a label's) as a reader in this state sees it."""
        key = (item.pk, language, learner, open_, state)
        html = self.html.get(key)
        if html is None:
            html = _row_html(self._row_key(item, language, learner, open_, state), [])
            self._keep(key, html)
        return html

    def _row_key(
        self, item: Item, language: str, learner: bool, open_: bool, state: str
    ) -> tuple[Any, ...]:
        """What a row is rendered from (``_row_html``): everything it shows."""
        kind = KINDS.get(item.kind)
        to_do = str(kind.answer) if item.answer and kind is not None else ""
        return (
            language,
            learner,
            not learner,  # who sees every activity hands them out in study plans
            self.plan_url,
            item.pk,
            item.kind,
            item.title,
            item.visible,
            self.url.replace("987654321", str(item.pk)),
            str(kind.label) if kind is not None else item.kind,
            duration(item.estimated_minutes) if item.estimated_minutes else "",
            open_,
            state,
            to_do,
        )

    def to_do(self, item: Item) -> str:
        kind = KINDS.get(item.kind)
        return str(kind.answer) if item.answer and kind is not None else ""

    def label(self, item: Item, language: str, links: CourseLinks) -> str:
        key = (item.pk, language, "label")
        html = self.html.get(key)
        if html is None:
            links.reached = False
            html = (
                '\n    <li class="activity activity--label"><div class="prose">'
                f"{links.html(item.intro or '')}</div></li>\n  "
            )
            if not links.reached:  # (links to files or activities are read each time)
                self._keep(key, html)
        return html

    def frame(
        self,
        part: Part,
        course: Course,
        links: CourseLinks,
        *,
        listed: bool,
        verdict: Verdict,
        reasons: list[dict[str, Any]],
    ) -> tuple[str, str]:
        """A section's HTML before and after its rows."""
        weeks = None
        if course.format == "weeks":  # its title may be its dates, with the year if not this one
            weeks = (course.start_date, timezone.localdate().year)
        key = (part.pk, get_language(), listed, weeks)
        if verdict.available:
            kept = self.html.get(key)
            if kept is not None:
                return kept  # type: ignore[no-any-return]
        links.reached = False
        html = render_to_string(
            "learning/course_section.html",
            {
                "section": part.section,
                "course": course,
                "links": links,
                "verdict": verdict,
                "reasons": reasons,
                "listed": listed,
                "rows": mark_safe(MARK),  # noqa: S308 (a marker, replaced by rendered rows)
            },
        )
        before, _, after = html.partition(MARK)
        if verdict.available and not links.reached:
            self._keep(key, (before, after))
        return before, after


ROW_FIELDS = (
    "pk",
    "kind",
    "title",
    "visible",
    "url",
    "kind_label",
    "duration",
    "open",
    "state",
    "to_do",
)


def _row_html(key: tuple[Any, ...], reasons: list[dict[str, Any]]) -> SafeString:
    """An activity's row from what ``Outline._row_key`` says it is made of."""
    _language, learner, plans, plan_url, *values = key
    entry = {**dict(zip(ROW_FIELDS, values, strict=True)), "reasons": reasons}
    html = render_to_string(
        "learning/course_row.html",
        {"entry": entry, "learner": learner, "plans": plans, "plan_url": plan_url},
    )
    return mark_safe(html)  # noqa: S308  (rendered by the template engine, which escapes)


@functools.lru_cache(maxsize=OUTLINES_KEPT)
def _outline(key: tuple[Any, ...]) -> Outline:
    alias, course_id, every, reader, sections, items = key
    return Outline(
        course_id,
        _sections(alias, every).convert(sections),
        _activities(alias, reader).convert(items),
    )


def outline_of(alias: str, course_id: int, every: bool, reader: str) -> Outline:
    sections = tuple(_sections(alias, every).fetch(course_id))
    items = tuple(_activities(alias, reader).fetch(course_id))
    key = (alias, course_id, every, reader, sections, items)
    try:
        return _outline(key)
    except TypeError:  # a value the driver gave is not hashable: not kept
        return _outline.__wrapped__(key)


# --- One reader's page ----------------------------------------------------------------------


@dataclass(frozen=True)
class Shown:
    """The outline as one reader sees it now."""

    html: SafeString
    parts: list[dict[str, Any]]  # per section shown: its row, entries, verdict and reasons
    progress: progress.CourseProgress
    resume_id: int | None
    next_id: int | None  # the first activity to study that is open and not done
    graded: bool  # it lists a graded activity


def read_progress(user: User, course: Course) -> list[list[Any]]:
    """(activity id, views, completed at, last viewed at) of a learner in a course; none for
    teachers and staff, who are not followed."""
    if user.role in STAFF_ROLES or user.role == Role.TEACHER:
        return []
    statement = _progress(router.db_for_read(ActivityProgress))
    return statement.convert(statement.fetch(user.pk, course.pk))


def shown(
    user: User,
    course: Course,
    links: CourseLinks,
    *,
    sees_all: bool,
    reader: str,
    reasons_of: Any,
) -> Shown:
    """``reasons_of(verdict, titles)``: a verdict's reasons as the templates show them."""
    outline = outline_of(router.db_for_read(Activity), course.pk, sees_all, reader)
    rows = read_progress(user, course)
    done = {pk for pk, _views, completed_at, _last in rows if completed_at is not None}
    viewed = {pk for pk, *_rest in rows}
    finished = minutes_done = minutes = 0
    for pk, estimated in outline.counted:
        minutes += estimated
        if pk in done:
            finished += 1
            minutes_done += estimated
    # Teachers and staff are held by no rule, but see what holds learners back.
    rules = Gate(user, [course.pk], completed=done)
    learner = not sees_all
    language = get_language()
    html: list[str] = []
    parts: list[dict[str, Any]] = []
    openable: set[int] = set()
    next_id: int | None = None
    graded = False
    for part in outline.parts:
        opening = rules.decide(course.pk, part.availability) if part.ruled else OPEN
        if not (opening.shown or sees_all):
            continue  # its rule hides the section entirely, title included
        pieces: list[str] = []
        entries: list[Entry] = []
        if opening.available or sees_all:
            for item in part.items:
                verdict = rules.decide(course.pk, item.availability) if item.ruled else OPEN
                if not verdict.shown and not sees_all:
                    continue
                state = ""
                if learner:
                    state = (
                        "done"
                        if item.pk in done
                        else "to_do"
                        if item.answer
                        else "viewed"
                        if item.pk in viewed
                        else ""
                    )
                is_open = (
                    True
                    if opening is OPEN and verdict is OPEN
                    else within(opening, verdict).available
                )
                if is_open:
                    openable.add(item.pk)
                    if (
                        next_id is None
                        and state != "done"
                        and item.kind not in progress.NOT_STUDIED
                    ):
                        next_id = item.pk
                graded = graded or item.kind in GRADED_KINDS
                reasons = reasons_of(verdict, rules.titles) if not verdict.available else []
                entries.append(
                    Entry(
                        item.pk,
                        item.kind,
                        item.title,
                        item.visible,
                        is_open,
                        state,
                        outline.to_do(item) if item.answer else "",
                        reasons,
                    )
                )
                if item.kind == "label":
                    pieces.append(outline.label(item, language, links))
                    continue
                if reasons:
                    key = outline._row_key(item, language, learner, is_open, state)
                    pieces.append(_row_html(key, reasons))
                else:
                    pieces.append(
                        outline.row(item, language, learner=learner, open_=is_open, state=state)
                    )
        if not pieces and not part.summary and opening.available:
            continue  # nothing in it for this reader: no bare card
        section_reasons = reasons_of(opening, rules.titles)
        before, after = outline.frame(
            part, course, links, listed=bool(pieces), verdict=opening, reasons=section_reasons
        )
        html += [before, *pieces, after]
        parts.append(
            {
                "section": part.section,
                "entries": entries,
                "verdict": opening,
                "reasons": section_reasons,
            }
        )
    # Continue with the last activity viewed, if the learner may still open it.
    last: tuple[datetime, int] | None = None
    for pk, _views, _completed, last_viewed_at in rows:
        if (
            last_viewed_at is not None
            and pk in openable
            and (last is None or last_viewed_at > last[0])
        ):
            last = (last_viewed_at, pk)
    return Shown(
        html=mark_safe("".join(html)),  # noqa: S308 (rendered by the template engine, which escapes)
        parts=parts,
        progress=progress.CourseProgress(
            finished, len(outline.counted), minutes, minutes - minutes_done
        ),
        resume_id=last[1] if last else None,
        next_id=next_id,
        graded=graded,
    )
