"""Which courses and activities a user may see. Every course lookup in a view goes through here.

Learners see the published courses they are enrolled in; teachers the published courses they
teach; staff and administrators every course (they review and publish them). In a course,
learners see its visible, approved activities; its teachers its hidden ones too (as in Moodle);
staff everything, waiting for review included.
"""

from __future__ import annotations

import functools
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import router
from django.db.models import OuterRef, Q, QuerySet
from django.http import Http404

from cartable.accounts.models import STAFF_ROLES, Role, User
from cartable.catalog.kinds import hidden_from_learners
from cartable.catalog.models import Activity, Course, CourseFile, Enrolment, Section
from cartable.compiled import PLACEHOLDERS, Models, compile_models


def visible_courses(user: User) -> QuerySet[Course]:
    if not user.is_authenticated or not user.is_active:
        return Course.objects.none()
    if user.role in STAFF_ROLES:
        return Course.objects.all()
    return Course.objects.published().filter(enrolments__user=user)


def managed_courses(user: User) -> QuerySet[Course]:
    """The courses ``user`` manages (imports their updates, reviews them): administrators
    every course; staff their establishment's and the box's own (no establishment)."""
    if not user.is_authenticated or not user.is_active or user.role not in STAFF_ROLES:
        return Course.objects.none()
    if user.role == Role.ADMIN:
        return Course.objects.all()
    return Course.objects.filter(
        Q(establishment__isnull=True) | Q(establishment_id=user.establishment_id)
    )


def manages(user: User | None, course: Course) -> bool:
    """``managed_courses`` for one course; None is the box's operator (command line)."""
    if user is None or user.role == Role.ADMIN:
        return True
    return user.role in STAFF_ROLES and course.establishment_id in (None, user.establishment_id)


def course_for(user: User, course_id: int) -> Course:
    """The course with this id if ``user`` may see it (``visible_courses``), with its
    institution; else 404. Every page of a course asks, so the query is compiled once."""
    if not user.is_authenticated or not user.is_active or not -BIGGEST < int(course_id) < BIGGEST:
        raise Http404  # (an id no database column holds finds nothing, as the ORM says)
    alias = router.db_for_read(Course)
    found = _course_query(alias, user.role in STAFF_ROLES).first(int(course_id), user.pk)
    if found is None:
        raise Http404
    return found  # type: ignore[no-any-return]


BIGGEST = 2**63


@functools.cache
def _course_query(alias: str, staff: bool) -> Models:
    courses = Course.objects.all() if staff else Course.objects.published()
    if not staff:
        courses = courses.filter(enrolments__user_id=PLACEHOLDERS[1])
    # The review's findings are read by the review pages only.
    query = courses.filter(pk=PLACEHOLDERS[0]).select_related("institution").defer("risks")
    return compile_models(query, alias)


def teaches(user: User, course: Course) -> bool:
    """Whether ``user`` is one of the course's teachers."""
    return (
        user.role == Role.TEACHER
        and Enrolment.objects.filter(user=user, course=course, role=Enrolment.Role.TEACHER).exists()
    )


def sees_all_of(user: User, course: Course) -> bool:
    """Staff and the course's teachers see hidden activities and are held by no access rule."""
    return user.role in STAFF_ROLES or teaches(user, course)


def opened(prefix: str = "", *, hidden: bool = False) -> Q:
    """The one rule for an activity a non-staff reader may open (its page, its files, links and
    study-plan items leading to it): current, approved, a reader's kind (not a question bank)
    and, unless ``hidden`` ones are allowed (the course's teachers), shown in a shown section. ``prefix`` reaches the activity
    through a relation (``"activity__"``)."""
    rule = Q(
        **{f"{prefix}retired_at__isnull": True, f"{prefix}review_status": Activity.Review.APPROVED}
    ) & ~Q(**{f"{prefix}kind__in": hidden_from_learners()})
    if not hidden:
        rule &= Q(**{f"{prefix}visible": True, f"{prefix}section__visible": True})
    return rule


# The review status in the statement's text, not as a parameter: SQLite weighs the partial
# index on waiting activities (``activity_waiting_idx``, ``review_status = 'pending'``) against
# a parameter's value, and so prepares the whole statement again each time one is bound (the
# learner home's feedback statement took 0.058 ms instead of 0.0035). A constant of the code,
# checked to be a plain word: no value from a request ever gets here.
_APPROVED = f"'{Activity.Review.APPROVED.value}'"
if not Activity.Review.APPROVED.value.isalpha():
    raise ImproperlyConfigured(f"not a plain word: {_APPROVED}")


def opened_sql(activity: str, section: str) -> tuple[str, list[Any]]:
    """``opened()`` (for learners: nothing hidden) as a SQL condition and its parameters, for
    the hot paths written in SQL; ``activity`` and ``section`` are the aliases of the activity
    and of its section in the statement. tests/test_access_rule.py checks that both agree."""
    kinds = hidden_from_learners()
    return (
        f"({activity}.retired_at IS NULL AND {activity}.review_status = {_APPROVED} "
        f"AND {activity}.kind NOT IN ({', '.join(['%s'] * len(kinds))}) "
        f"AND {activity}.visible = %s AND {section}.visible = %s)",
        [*kinds, True, True],
    )


def reader_rule(user: User, *, sees_all: bool) -> Q | None:
    """The activities of a course ``user`` may open (``sees_all``: staff or one of its
    teachers, as ``sees_all_of`` says); None for staff, who open everything."""
    return None if user.role in STAFF_ROLES else opened(hidden=sees_all)


def activity_for(user: User, course: Course, activity_id: int) -> Activity:
    """An activity of a course the user may see (call ``course_for`` first), with its section
    and blob. Every activity page asks, so the query is compiled once per reader kind."""
    if not -BIGGEST < int(activity_id) < BIGGEST:
        raise Http404  # (an id no database column holds finds nothing, as the ORM says)
    # Content waiting for review is for staff's eyes only, teachers' included.
    reader = "staff" if user.role in STAFF_ROLES else "teacher" if teaches(user, course) else ""
    found = _activity_query(router.db_for_read(Activity), reader).first(int(activity_id), course.pk)
    if found is None:
        raise Http404
    return found  # type: ignore[no-any-return]


@functools.cache
def _activity_query(alias: str, reader: str) -> Models:
    activities = Activity.objects.filter(
        pk=PLACEHOLDERS[0], course_id=PLACEHOLDERS[1], retired_at__isnull=True
    )
    if reader != "staff":
        activities = activities.filter(opened(hidden=reader == "teacher"))
    return compile_models(activities.select_related("section", "blob").defer("risks"), alias)


def visible_sections(user: User) -> QuerySet[Section]:
    """The sections the user may see, in every course they may see (as the course page shows
    them: hidden sections to staff only, retired ones to nobody)."""
    if not user.is_authenticated or not user.is_active:
        return Section.objects.none()
    sections = Section.objects.filter(course__in=visible_courses(user), retired_at__isnull=True)
    if user.role not in STAFF_ROLES:
        sections = sections.filter(Q(visible=True) | Q(course__in=_taught(user)))
    return sections


def visible_activities(user: User) -> QuerySet[Activity]:
    """The activities the user may open, in every course they may see (the rule of
    ``activity_for``, for many activities at once)."""
    if not user.is_authenticated or not user.is_active:
        return Activity.objects.none()
    activities = Activity.objects.filter(course__in=visible_courses(user), retired_at__isnull=True)
    if user.role not in STAFF_ROLES:
        activities = activities.filter(
            opened() | (opened(hidden=True) & Q(course__in=_taught(user)))
        )
    return activities


def _taught(user: User) -> QuerySet[Enrolment, Any]:
    """The courses ``user`` teaches (as a subquery): their hidden content is theirs to see."""
    if user.role != Role.TEACHER:
        return Enrolment.objects.none().values("course")
    return Enrolment.objects.filter(user=user, role=Enrolment.Role.TEACHER).values("course")


def course_files(user: User, course: Course) -> QuerySet[CourseFile]:
    """The files of a course (``course_for`` first) the user may fetch: those of the course's
    own texts, sections and questions, and those of the activities the user may open. A file
    held by a rejected or hidden activity only is out of reach, even to someone who kept its
    address."""
    if user.role in STAFF_ROLES:
        return CourseFile.objects.filter(course=course)
    return _files(course, hidden=teaches(user, course))


def learner_files(course: Course | OuterRef) -> QuerySet[CourseFile]:
    """The files of a course its learners may fetch (what a teacher may hand out); the
    course may be an ``OuterRef`` in a subquery."""
    return _files(course, hidden=False)


def fetched(*, hidden: bool = False) -> Q:
    """The files of its course a non-staff reader may fetch: those of the course's own texts
    and questions, those of the sections they may see (``hidden``: hidden ones too, for the
    course's teachers), and those of the activities ``opened`` lets them open."""
    section = Q(section__retired_at__isnull=True)
    if not hidden:
        section &= Q(section__visible=True)
    return (Q(activity__isnull=True) & (Q(section__isnull=True) | section)) | opened(
        "activity__", hidden=hidden
    )


def _files(course: Course | OuterRef, *, hidden: bool) -> QuerySet[CourseFile]:
    return CourseFile.objects.filter(fetched(hidden=hidden), course=course)
