"""Completion by a grade (Moodle's "receive a grade" and "receive a passing grade" rules),
recomputed whenever ``grades.actions`` changes a grade, as Moodle's completion does on each
grade change:

- a grade the learner may read (released, its release date come) completes the activity if
  its rule asks for a grade, or for a passing grade and this one passes (at least the imported
  grade to pass; with none, any grade passes, as in Moodle): Moodle's COMPLETE or
  COMPLETE_PASS;
- a grade that no longer earns it (changed to below the grade to pass: COMPLETE_FAIL, which
  a passing-grade rule does not count; removed, or withheld again by an assignment's marking
  workflow, which takes the grade out of Moodle's gradebook: INCOMPLETE) takes back the
  completion the grade made, audited and told to the university through the outbox.

A completion made otherwise (by hand, by a view) stands, as Moodle keeps it. An activity whose
rule also asks for something of its kind (a submission, a number of attempts) is left to its
kind's own app. A grade released at a later date (a quiz's marks shown "after close") completes
the activity when the date comes, by ``complete_released``, which the box's periodic sweep
runs (idempotent)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, F, OuterRef
from django.http import HttpRequest
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.actions import record as audit
from cartable.grades.models import Grade
from cartable.learning.actions import complete, uncomplete
from cartable.learning.models import ActivityProgress

PASSING_RULE = "completionpass"  # a quiz's own "passing grade" rule (before Moodle 4.0)

# Moodle's completion states for a grade (lib/completionlib.php).
INCOMPLETE = "incomplete"
COMPLETE = "complete"
COMPLETE_PASS = "complete_pass"  # noqa: S105 (a state, not a password)
COMPLETE_FAIL = "complete_fail"

# How far back the sweep looks for grades whose release date has come: it runs every minute
# while the box serves, so this only matters for a box switched off longer than this.
LOOKBACK = timedelta(days=7)


def _rule(completion: Any) -> tuple[bool, float] | None:
    """(whether a passing grade is required, the grade to pass) of a grade-only completion
    rule; None when the rule is not a grade's alone."""
    if not isinstance(completion, dict) or completion.get("tracking") != "automatic":
        return None
    rules = {str(pair[0]) for pair in completion.get("rules") or () if pair}
    if rules - {PASSING_RULE}:
        return None  # it asks for more than a grade
    needs_pass = bool(completion.get("pass_grade")) or PASSING_RULE in rules
    if not needs_pass and not completion.get("grade"):
        return None
    to_pass = completion.get("grade_pass") or 0
    if isinstance(to_pass, bool) or not isinstance(to_pass, int | float):
        to_pass = 0
    return needs_pass, float(to_pass)


def state(completion: Any, grade: float | None) -> str | None:
    """Moodle's completion state for a grade the learner may read (None: no grade, or one not
    shown to them); None when the completion rule is not a grade's (pure)."""
    rule = _rule(completion)
    if rule is None:
        return None
    _needs_pass, to_pass = rule
    if grade is None:
        return INCOMPLETE
    if to_pass > 0:
        return COMPLETE_PASS if grade >= to_pass else COMPLETE_FAIL
    return COMPLETE


def done(completion: Any, grade: float | None) -> bool | None:
    """Whether the activity counts as completed by this grade (pure); None: not a grade's
    rule. A failing grade still completes a "receive a grade" rule (Moodle's COMPLETE_FAIL),
    never a "passing grade" one."""
    found = state(completion, grade)
    if found is None:
        return None
    rule = _rule(completion)
    needs_pass = bool(rule and rule[0])
    return found in (COMPLETE, COMPLETE_PASS) or (found == COMPLETE_FAIL and not needs_pass)


def completes(completion: Any, grade: float) -> bool:
    """Whether ``grade`` (points) completes an activity of these completion settings (pure)."""
    return bool(done(completion, grade))


def shown(grade: Grade, now: datetime) -> float | None:
    """The grade as its learner may read it now (None: none, or not yet released)."""
    if grade.grade is None or grade.released_at is None or grade.released_at > now:
        return None
    return grade.grade


def follow(
    grade: Grade, *, actor: User | None, now: datetime, request: HttpRequest | None = None
) -> bool:
    """Bring the activity's completion in line with ``grade`` (inside its transaction); True
    if this changed it. A grade to be released at a later date changes nothing yet (as
    Moodle's hidden-until grade: the completion it made stands, the one it makes waits for
    the date, when ``complete_released`` decides)."""
    if grade.grade is not None and grade.released_at is not None and grade.released_at > now:
        return False
    activity = grade.activity
    verdict = done(activity.completion, shown(grade, now))
    if verdict is None:
        return False
    if verdict:
        return complete(
            actor=actor, activity=activity, learner=grade.user, by=ActivityProgress.Source.GRADE
        )
    if not uncomplete(
        actor=actor, activity=activity, learner=grade.user, by=ActivityProgress.Source.GRADE
    ):
        return False
    audit(
        "completion.withdrawn",
        actor=actor,
        target=activity,
        request=request,
        details={
            "activity": activity.pk,
            "learner": grade.user.username,
            "state": state(activity.completion, shown(grade, now)),
            "grade": grade.grade,
            "released": grade.released_at is not None and grade.released_at <= now,
        },
    )
    return True


def on_changed(
    sender: Any,
    *,
    grade: Grade,
    actor: User | None,
    request: HttpRequest | None = None,
    **kwargs: Any,
) -> None:
    follow(grade, actor=actor, now=timezone.now(), request=request)


def complete_released(now: datetime) -> int:
    """Decide the completion of the grades recorded to be shown at a later date whose date
    has come (released after they were recorded, within ``LOOKBACK``): a passing one completes
    its activity, a failing one takes back the completion an earlier grade made. Only the
    grades whose activity's state disagrees are written to, so a run is idempotent; the
    number of completions changed."""
    progress = ActivityProgress.objects.filter(
        user_id=OuterRef("user_id"), activity_id=OuterRef("activity_id"), completed_at__isnull=False
    )
    waiting = (
        Grade.objects.filter(
            grade__isnull=False,
            released_at__lte=now,
            released_at__gt=F("graded_at"),
            activity__completion__tracking="automatic",
        )
        .filter(released_at__gt=now - LOOKBACK)
        # A completion by hand or by a view stands whatever the grade.
        .exclude(Exists(progress.exclude(completed_by=ActivityProgress.Source.GRADE)))
        .annotate(by_grade=Exists(progress))
        .select_related("activity", "user")
        .order_by("released_at", "pk")
    )
    count = 0
    for grade in waiting.iterator(chunk_size=500):
        verdict = done(grade.activity.completion, shown(grade, now))
        if verdict is None or verdict == grade.by_grade:
            continue
        with transaction.atomic():
            count += follow(grade, actor=None, now=now)
    return count
