"""On the box: a hub teacher's grading of a quiz attempt's question (an essay the box sent in
its work, ``hubquiz``), given back through the quiz's own grading action, so that the
attempt's grade and the learner's grade over their attempts follow, and the learner sees the
mark and comment as the quiz's review options allow. Called by ``actions._take`` for the
feedback entries received for the first time."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cartable.accounts.models import Role, User
from cartable.assessment import actions as quizzes
from cartable.assessment.models import Attempt
from cartable.catalog.models import Activity, Enrolment
from cartable.exchange.models import Peer


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def named_activities(
    peer: Peer, course: dict[str, Any], item: dict[str, Any]
) -> QuerySet[Activity]:
    """The live activity of the hub's institution that a feedback entry's ``course`` and
    ``activity`` name by their Moodle keys (none, or one)."""
    if peer.institution_id is None:
        return Activity.objects.none()
    return Activity.objects.filter(
        course__institution_id=peer.institution_id,
        course__source=_text(course.get("source")),
        course__source_id=_text(course.get("id")),
        source_key=_text(item.get("key")),
        retired_at__isnull=True,
    )


def target(peer: Peer, payload: dict[str, Any]) -> tuple[Activity, User] | None:
    """The box's activity of the hub's institution a feedback entry names (by its Moodle key)
    and its learner, enrolled there as one; None when either is not on the box."""
    course, item, user = (payload.get(k) for k in ("course", "activity", "user"))
    if (
        peer.institution_id is None
        or not isinstance(course, dict)
        or not isinstance(item, dict)
        or not isinstance(user, dict)
        or not _text(item.get("key"))  # the box's own activities are not the university's
    ):
        return None
    activity = named_activities(peer, course, item).select_related("course").first()
    learner = User.objects.filter(username=_text(user.get("username"), 150)).first()
    if (
        activity is None
        or learner is None
        or not Enrolment.objects.filter(
            user=learner, course=activity.course, role=Enrolment.Role.LEARNER
        ).exists()
    ):
        return None
    return activity, learner


def _mark(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(value)
    return float(value)


def give_back(peer: Peer, payload: dict[str, Any]) -> bool:
    """Grade the question the entry names (``slot`` of the learner's attempt ``number``) as
    the hub's teacher did (``mark``, None for a comment only, and ``comment``), by the
    account of that teacher's username with no establishment on the box when there is one
    (the same remote teacher), by nobody otherwise (the audit and the outbox name the hub's
    teacher). False (left out) when the quiz, the learner or that finished attempt (of the
    same seed: the one the box sent) is not on the box, or the mark does not fit the
    question."""
    aimed = target(peer, payload)
    slot, number = payload.get("slot"), payload.get("number")
    if aimed is None or type(slot) is not int or type(number) is not int:
        return False
    activity, learner = aimed
    if activity.kind != Activity.Kind.QUIZ:
        return False
    try:
        mark = None if payload.get("mark") is None else _mark(payload["mark"])
    except ValueError:
        return False
    attempt = Attempt.objects.filter(
        activity=activity,
        user=learner,
        preview=False,
        number=number,
        state=Attempt.State.FINISHED,
    ).first()
    replay = payload.get("replay")
    if attempt is None or not isinstance(replay, dict) or replay.get("seed") != attempt.seed:
        return False  # not this box's attempt of that number (one made on the hub itself)
    graded_by = _text(payload.get("graded_by"), 150)
    teacher = User.objects.filter(
        username=graded_by, role=Role.TEACHER, establishment__isnull=True
    ).first()
    try:
        quizzes.grade_question(
            actor=teacher,
            attempt=attempt,
            slot=slot,
            mark=mark,
            comment=_text(payload.get("comment"), 10_000),
            graded_by=graded_by,
        )
    except (quizzes.BadMark, ValueError):
        return False
    return True
