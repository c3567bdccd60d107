"""Reading the gradebook: a course's learners × graded activities (for its teachers), a
learner's own released grades, and the feedback a learner received lately. Each is a fixed
number of queries whatever the size of the class or the course."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import number_format

from cartable.accounts.models import User
from cartable.catalog.access import opened, opened_sql
from cartable.catalog.models import Activity, Course, Section
from cartable.grades import hiding
from cartable.grades.models import FeedbackFile, Grade

# The kinds whose activities the box grades (Moodle's grade items of a course's modules).
GRADED_KINDS = (Activity.Kind.QUIZ, Activity.Kind.ASSIGN)


@dataclass(frozen=True, slots=True)
class Column:
    """A graded activity, as a column of the gradebook."""

    pk: int
    title: str
    kind: str
    max_grade: float | None  # from the imported settings; None: a scale or unknown
    grade_hidden: int = hiding.SHOWN  # its grade item's hiding (``grades.hiding``)

    @property
    def hidden(self) -> bool:
        """Hidden from learners now (teachers see its grades, marked)."""
        return hiding.is_hidden(self.grade_hidden, timezone.now())

    @property
    def hidden_until(self) -> datetime | None:
        return hiding.hidden_until(self.grade_hidden)


@dataclass(frozen=True, slots=True)
class Cell:
    """One learner's grade for one activity."""

    grade: float | None
    max_grade: float
    scale_item: str = ""
    released: bool = False
    source: str = ""

    @property
    def shown(self) -> str:
        """The grade as people read it: the scale's item, or points out of the maximum."""
        if self.scale_item:
            return self.scale_item
        if self.grade is None:
            return ""
        return f"{number(self.grade)} / {number(self.max_grade)}"


@dataclass(frozen=True, slots=True)
class Total:
    points: float
    max_points: float

    @property
    def percent(self) -> float | None:
        return 100 * self.points / self.max_points if self.max_points > 0 else None

    @property
    def rounded_percent(self) -> int | None:
        found = self.percent
        return None if found is None else round(found)

    @property
    def shown(self) -> str:
        return f"{number(self.points)} / {number(self.max_points)}" if self.max_points else ""


@dataclass(slots=True)
class Line:
    learner: User
    cells: list[Cell | None] = field(default_factory=list)  # one per column

    @property
    def total(self) -> Total:
        return total(cell for cell in self.cells if cell is not None)


@dataclass(frozen=True, slots=True)
class Book:
    columns: list[Column]
    lines: list[Line]

    def rows(self) -> list[tuple[Line, list[tuple[Column, Cell | None]], Total]]:
        """Each learner's line with its cells beside their columns, and its total."""
        return [
            (line, list(zip(self.columns, line.cells, strict=True)), line.total)
            for line in self.lines
        ]


def number(value: float) -> str:
    """A number of points as the reader's language writes it: 14, 12.5 (12,5 in French),
    13.33: two decimals at most."""
    rounded = round(value, 2)
    return number_format(int(rounded) if rounded == int(rounded) else rounded)


def total(cells: Any) -> Total:
    """The course total (Moodle's "natural" aggregation, empty grades left out): the points
    of the graded activities out of their maximum."""
    points = max_points = 0.0
    for cell in cells:
        if cell.grade is not None and cell.max_grade > 0:
            points += cell.grade
            max_points += cell.max_grade
    return Total(points, max_points)


def _points(value: Any) -> float | None:
    """An imported maximum grade; None for a scale (negative in Moodle) or none."""
    if isinstance(value, int | float) and not isinstance(value, bool) and value > 0:
        return float(value)
    return None


def graded_column_max(activity: Activity) -> float | None:
    """The maximum grade of an activity as imported (a quiz's or an assignment's), None for a
    scale or an activity without one."""
    data = activity.data
    return _points(data.get("grade") if isinstance(data, dict) else None)


def graded_activities(course: Course) -> list[Column]:
    """The course's graded activities a teacher may open (quizzes and assignments, and any
    other activity holding a grade), in course order: one query."""
    rows = (
        Activity.objects.filter(opened(hidden=True), course=course)
        .filter(Q(kind__in=GRADED_KINDS) | Exists(Grade.objects.filter(activity=OuterRef("pk"))))
        .order_by("section__position", "position")
        .values_list("id", "title", "kind", "data__grade", "grade_hidden")
    )
    return [
        Column(pk, title, kind, _points(grade), hidden) for pk, title, kind, grade, hidden in rows
    ]


def _cell(grade: Grade, now: datetime) -> Cell:
    return Cell(
        grade=grade.grade,
        max_grade=grade.max_grade,
        scale_item=grade.scale_item,
        released=grade.released_at is not None and grade.released_at <= now,
        source=grade.source,
    )


def book(course: Course, learners: Sequence[User]) -> Book:
    """The gradebook of ``course`` for ``learners`` (those the viewer may follow): two
    queries, the columns and every grade of these learners in them."""
    columns = graded_activities(course)
    index = {column.pk: position for position, column in enumerate(columns)}
    lines = {learner.pk: Line(learner, [None] * len(columns)) for learner in learners}
    now = timezone.now()
    if columns and lines:
        grades = Grade.objects.filter(
            course=course, activity_id__in=list(index), user_id__in=list(lines)
        ).only(
            "activity_id", "user_id", "grade", "max_grade", "scale_item", "released_at", "source"
        )
        for grade in grades:
            lines[grade.user_id].cells[index[grade.activity_id]] = _cell(grade, now)
    return Book(columns, [lines[learner.pk] for learner in learners])


def released() -> Q:
    """The grades their learner may read now."""
    return Q(released_at__isnull=False, released_at__lte=timezone.now())


@dataclass(frozen=True, slots=True)
class Mine:
    """A learner's released grade, with its feedback and files; only its activity's title and
    ``hidden_until`` while its grade item hides it until a date."""

    activity_id: int
    title: str
    cell: Cell
    feedback: str  # sanitised HTML
    released_at: datetime | None
    files: list[FeedbackFile]
    hidden_until: datetime | None = None


@dataclass(frozen=True, slots=True)
class Own:
    """A learner's grades in a course, and the course total they may read: none while a
    grade item hides one of their grades, as Moodle's user report does by default ("hide
    totals if they contain hidden items": the total would tell the hidden grade)."""

    grades: list[Mine]
    total: Total | None


def own_grades(learner: User, course: Course) -> Own:
    """``learner``'s released grades in ``course``, on activities they may open, in course
    order: two queries (the grades, their feedback files). A grade whose item is hidden is
    left out; one hidden until a date is there without its grade, feedback and files."""
    now = timezone.now()
    grades = list(
        Grade.objects.filter(released(), user=learner, course=course)
        .filter(opened("activity__"))
        .select_related("activity")
        .only(
            "activity__id",
            "activity__title",
            "activity__grade_hidden",
            "grade",
            "max_grade",
            "scale_item",
            "feedback",
            "released_at",
            "source",
        )
        .order_by("activity__section__position", "activity__position")
    )
    hidden = {g.pk for g in grades if hiding.is_hidden(g.activity.grade_hidden, now)}
    files: dict[int, list[FeedbackFile]] = {}
    if len(hidden) < len(grades):
        shown = [grade for grade in grades if grade.pk not in hidden]
        for found in FeedbackFile.objects.filter(grade__in=shown).order_by("filename", "pk"):
            files.setdefault(found.grade_id, []).append(found)
    mine = []
    for grade in grades:
        if grade.pk not in hidden:
            mine.append(
                Mine(
                    activity_id=grade.activity.pk,
                    title=grade.activity.title,
                    cell=_cell(grade, now),
                    feedback=grade.feedback,
                    released_at=grade.released_at,
                    files=files.get(grade.pk, []),
                )
            )
            continue
        until = hiding.hidden_until(grade.activity.grade_hidden)
        if until is not None:  # listed, greyed, with its date
            mine.append(
                Mine(
                    activity_id=grade.activity.pk,
                    title=grade.activity.title,
                    cell=Cell(None, grade.max_grade),
                    feedback="",
                    released_at=None,
                    files=[],
                    hidden_until=until,
                )
            )
    counted = any(
        grade.pk in hidden and grade.grade is not None and grade.max_grade > 0 for grade in grades
    )
    return Own(mine, None if counted else total(m.cell for m in mine))


def feedback_file(learner: User, course: Course, file_id: int) -> FeedbackFile | None:
    """A feedback file of one of ``learner``'s released grades in ``course`` (None for any
    other: another learner's, an unreleased grade's, a hidden activity's or grade item's)."""
    now = timezone.now()
    return (
        FeedbackFile.objects.filter(
            pk=file_id, grade__user=learner, grade__course=course, grade__released_at__isnull=False
        )
        .filter(grade__released_at__lte=now)
        .filter(opened("grade__activity__"), hiding.shown_q(now, "grade__activity__"))
        .first()
    )


@dataclass(frozen=True, slots=True)
class Feedback:
    """Feedback a learner received, for their home page."""

    course_id: int
    course_title: str
    activity_id: int
    title: str
    shown: str
    feedback: str  # sanitised HTML
    released_at: datetime | None


def recent_feedback(learner: User, course_ids: Sequence[int], limit: int = 5) -> list[Feedback]:
    """The latest released grades with feedback of ``learner`` in the given courses (those
    they are enrolled in and may see), newest first: one query, written in SQL with the
    access rule's SQL form (``opened_sql``): this is on every learner's home page, and the
    ORM took longer to build the statement than the database took to run it."""
    ids = [int(pk) for pk in course_ids]
    if not ids:
        return []
    rule, rule_params = opened_sql("a", "s")
    now = timezone.now()
    shown, shown_params = hiding.shown_sql("a", now)
    sql = (
        "SELECT g.course_id, c.title, g.activity_id, a.title, g.grade, g.max_grade, "  # noqa: S608 (names from the models, values as parameters)
        "g.scale_item, g.feedback, g.released_at "
        f"FROM {Grade._meta.db_table} g "
        f"JOIN {Activity._meta.db_table} a ON a.id = g.activity_id "
        f"JOIN {Section._meta.db_table} s ON s.id = a.section_id "
        f"JOIN {Course._meta.db_table} c ON c.id = g.course_id "
        f"WHERE g.user_id = %s AND g.course_id IN ({', '.join(['%s'] * len(ids))}) "
        "AND g.released_at IS NOT NULL AND g.released_at <= %s AND g.feedback <> '' "
        f"AND {rule} AND {shown} ORDER BY g.released_at DESC, g.id DESC LIMIT %s"
    )
    with connection.cursor() as cursor:
        at = connection.ops.adapt_datetimefield_value(now)
        cursor.execute(sql, [learner.pk, *ids, at, *rule_params, *shown_params, int(limit)])
        rows = cursor.fetchall()
    return [
        Feedback(
            course_id=course_id,
            course_title=course_title,
            activity_id=activity_id,
            title=title,
            shown=Cell(grade, max_grade, scale_item).shown,
            feedback=feedback,
            released_at=released_at,
        )
        for (
            course_id,
            course_title,
            activity_id,
            title,
            grade,
            max_grade,
            scale_item,
            feedback,
            released_at,
        ) in rows
    ]
