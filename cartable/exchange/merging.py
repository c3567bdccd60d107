"""On the hub: a box's learner matched to a university account after the hub had made an
account of their own for them (``hubwork``, a ``BoxAccount``): the work that account holds
moves to the matched account, so that it is all in one place for the university's teachers
and goes to Moodle under the learner's name (issue 12). Called by ``actions.match_learners``
in its transaction, for each learner matched (the CSV command and the learners page alike).

- **What moves.** Submissions (their files with them), grades (their feedback files with
  them), quiz attempts (their questions with them), the assignment's marking workflow and
  extensions, completion, activity by activity; then the enrolments (the matched account is
  enrolled where the made account was, as a learner, and the made account unenrolled, both
  audited).
- **Conflicts.** When the matched account already holds work for the same activity (a later
  entry of the same work recorded there since the match), the most recent side's is kept,
  whole, for that activity (its submissions, grade, attempts, marking and extension), and the
  other side's is deleted: the latest of its submissions' last changes, attempts' ends (or
  starts) and, when it has no work, its grade's. A tie keeps the matched account's. The audit
  row names each activity in conflict and which was kept.
- **The made account** is then retired: deactivated (audited), never deleted (audit rows
  name it), its ``BoxAccount`` kept (grades given to it before still go back to that box)
  and marked merged, so that matching again moves nothing (idempotent).
- **Not moved** when the matched account is not a learner's (a teacher's, staff's): the work
  stays where it is and the audit says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone

from cartable.accounts import actions as accounts
from cartable.accounts.models import User
from cartable.assessment.models import Attempt
from cartable.assignments.models import Extension, Marking, Submission
from cartable.audit.actions import record
from cartable.catalog import actions as catalog
from cartable.catalog.models import Enrolment
from cartable.exchange import hubwork
from cartable.exchange.models import BoxAccount, Peer
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress

# What an account holds of an activity: each model with the name of its account's field.
_WORK: tuple[tuple[type[models.Model], str], ...] = (
    (Submission, "learner"),
    (Grade, "user"),
    (Attempt, "user"),
    (Marking, "learner"),
    (Extension, "learner"),
    (ActivityProgress, "user"),
)


@dataclass
class Merged:
    """What a merge did, for its audit row."""

    moved: dict[str, int] = field(default_factory=dict)
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    enrolled: list[int] = field(default_factory=list)


def _latest(user: User, activity_id: int) -> datetime | None:
    """When the account's work on an activity last changed (see the module's text)."""
    times = [
        Submission.objects.filter(learner=user, activity_id=activity_id).aggregate(
            at=Max("modified_at")
        )["at"],
        Attempt.objects.filter(user=user, activity_id=activity_id, preview=False).aggregate(
            at=Max("finished_at")
        )["at"],
        Attempt.objects.filter(user=user, activity_id=activity_id, preview=False).aggregate(
            at=Max("started_at")
        )["at"],
    ]
    found: list[datetime] = [at for at in times if at is not None]
    if not found:
        graded = Grade.objects.filter(user=user, activity_id=activity_id).aggregate(
            at=Max("updated_at")
        )["at"]
        found = [graded] if graded is not None else []
    return max(found) if found else None


def _rows(model: type[models.Model], name: str, user: User, activity_id: int) -> Any:
    rows = model._default_manager.filter(**{name: user, "activity_id": activity_id})
    return rows.filter(preview=False) if model is Attempt else rows


def _holds(user: User, activity_id: int) -> bool:
    return any(
        _rows(model, name, user, activity_id).exists()
        for model, name in _WORK
        if model is not ActivityProgress
    )


def _activities(user: User) -> list[int]:
    found: set[int] = set()
    for model, name in _WORK:
        rows = model._default_manager.filter(**{name: user})
        if model is Attempt:
            rows = rows.filter(preview=False)
        found.update(rows.values_list("activity_id", flat=True))
    return sorted(found)


def _move(made: User, real: User, activity_id: int, merged: Merged) -> None:
    """The made account's work on one activity to the real account's (see Conflicts)."""
    keep_made = True
    if _holds(real, activity_id):
        made_at, real_at = _latest(made, activity_id), _latest(real, activity_id)
        keep_made = made_at is not None and (real_at is None or made_at > real_at)
        merged.conflicts.append(
            {
                "activity": activity_id,
                "kept": "made" if keep_made else "matched",
                "made_at": made_at.isoformat() if made_at else None,
                "matched_at": real_at.isoformat() if real_at else None,
            }
        )
    for model, name in _WORK:
        mine = _rows(model, name, made, activity_id)
        theirs = _rows(model, name, real, activity_id)
        if model is ActivityProgress and theirs.exists():
            mine.delete()  # completion: the matched account's stands
            continue
        if not keep_made:
            mine.delete()
            continue
        theirs.delete()
        count = mine.update(**{name: real})
        if count:
            label = model._meta.model_name or model.__name__
            merged.moved[label] = merged.moved.get(label, 0) + count


def merge(*, actor: User | None, peer: Peer, held: BoxAccount) -> User | None:
    """Move the work of ``held``'s account to the account its learner is matched to now, and
    retire it (see the module's text); the matched account, or None when nothing moved (not
    matched, merged before, or the matched account is not a learner's)."""
    with transaction.atomic():
        held = BoxAccount.objects.select_for_update().select_related("user").get(pk=held.pk)
        if held.merged_at is not None:
            return None
        made = held.user
        real = hubwork.account_for(peer, held.box_username)
        if real is None or real.pk == made.pk:
            if real is None:
                record(
                    "exchange.box_account_not_merged",
                    actor=actor,
                    target=made,
                    details={"box": peer.name, "box_username": held.box_username},
                )
            return None
        merged = Merged()
        for activity_id in _activities(made):
            _move(made, real, activity_id, merged)
        for enrolment in Enrolment.objects.filter(user=made).select_related("course"):
            if not Enrolment.objects.filter(user=real, course=enrolment.course).exists():
                catalog.enrol(
                    actor=actor, user=real, course=enrolment.course, role=Enrolment.Role.LEARNER
                )
                merged.enrolled.append(enrolment.course_id)
            catalog.unenrol(actor=actor, user=made, course=enrolment.course)
        held.merged_into = real
        held.merged_at = timezone.now()
        held.save(update_fields=["merged_into", "merged_at"])
        accounts.set_active(actor=actor, account=made, active=False)
        record(
            "exchange.box_account_merged",
            actor=actor,
            target=made,
            details={
                "box": peer.name,
                "box_username": held.box_username,
                "from": made.username,
                "into": real.username,
                "moved": merged.moved,
                "conflicts": merged.conflicts,
                "enrolled": merged.enrolled,
            },
        )
    return real


def merge_matched(*, actor: User | None, peer: Peer, box_usernames: list[str]) -> int:
    """``merge`` each of these learners of ``peer`` who has an account made on the hub not
    merged yet; the number merged."""
    done = 0
    for held in BoxAccount.objects.filter(
        peer=peer, box_username__in=box_usernames, merged_at__isnull=True
    ).order_by("pk"):
        done += merge(actor=actor, peer=peer, held=held) is not None
    return done
