"""On the box: feedback grades that wait for their course. Course bundles are numbered apart
from feedback bundles, so a grade can arrive before the course (or the activity) it is for. Such
a grade entry, for a learner on this box, is parked as received (``ParkedEntry``) in the same
transaction as the feedback bundle, instead of being left out; once that course arrives and
staff approve it (and its learner is enrolled there), ``actions.apply_parked`` gives it back
through the same code as any feedback entry. A later entry for the same grade (and part: grade and comment, or feedback files)
supersedes a parked one, which is dropped. Parked entries never expire."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from cartable.accounts.models import Role, User
from cartable.catalog.models import Activity, Course
from cartable.exchange import boxquiz
from cartable.exchange.boxquiz import _text
from cartable.exchange.hubwork import Received as Parkable  # a feedback entry, read alike
from cartable.exchange.models import ParkedEntry, Peer
from cartable.grades.models import Grade


def grade_key(peer: Peer, payload: dict[str, Any]) -> dict[str, str] | None:
    """Which grade (and part of it) a feedback grade entry is for, by the hub's keys; None when
    the entry does not name a university course, activity and learner."""
    course, item, user = (payload.get(k) for k in ("course", "activity", "user"))
    if (
        peer.institution_id is None
        or not isinstance(course, dict)
        or not isinstance(item, dict)
        or not isinstance(user, dict)
    ):
        return None
    key = {
        "course_source": _text(course.get("source"), 32),
        "course_source_id": _text(course.get("id"), 64),
        "activity_key": _text(item.get("key")),
        "username": _text(user.get("username"), 150),
        "part": "files" if "feedback_files" in payload else "grade",
    }
    if not (key["course_source_id"] and key["activity_key"] and key["username"]):
        return None
    return key


def waits(peer: Peer, payload: dict[str, Any]) -> dict[str, str] | None:
    """The grade key a feedback grade entry waits for: its learner is on this box, but not (yet)
    the live activity it names in that course of the hub's institution. None otherwise: it
    applies now, or never can (no such learner here, malformed, a quiz's own grade)."""
    key = grade_key(peer, payload)
    if key is None:  # also when the peer has no institution
        return None
    item = payload["activity"]
    if item.get("kind") == Activity.Kind.QUIZ and payload.get("source") == Grade.Source.QUIZ:
        return None  # the box computes a quiz's grade itself
    if not User.objects.filter(username=key["username"], role=Role.LEARNER).exists():
        return None
    held = boxquiz.named_activities(peer, payload["course"], item).exists()
    return None if held else key


def supersede(peer: Peer, entry: Parkable) -> int:
    """Drop the parked entries for the grade ``entry`` is for that it comes after."""
    key = grade_key(peer, entry.payload)
    if key is None:
        return 0
    deleted, _rows = ParkedEntry.objects.filter(peer=peer, entry_id__lt=entry.id, **key).delete()
    return deleted


def park(peer: Peer, entry: Parkable, key: dict[str, str]) -> bool:
    """Keep ``entry`` until its course arrives; False when a later entry for the same grade is
    parked already (this one is superseded)."""
    if ParkedEntry.objects.filter(peer=peer, entry_id__gt=entry.id, **key).exists():
        return False
    ParkedEntry.objects.filter(peer=peer, **key).delete()
    ParkedEntry.objects.create(
        peer=peer,
        entry_id=entry.id,
        kind=entry.kind,
        payload=entry.payload,
        created_at=entry.created_at,
        **key,
    )
    return True


def for_course(course: Course) -> QuerySet[ParkedEntry]:
    """The entries parked for ``course`` by its institution's hubs, oldest first, locked."""
    return (
        ParkedEntry.objects.select_for_update(of=("self",))
        .filter(
            peer__role=Peer.Role.HUB,
            peer__institution_id=course.institution_id,
            course_source=course.source,
            course_source_id=course.source_id,
        )
        .select_related("peer")
        .order_by("peer", "entry_id")
    )
