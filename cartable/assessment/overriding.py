"""A quiz's settings for one learner: the overrides set on the box (``models.Override``) and
those the backup carried (``QuizContent.overrides``, matched by username and group name),
combined by ``scoring.overrides``. Reads only; ``actions`` writes."""

from __future__ import annotations

import functools
from collections.abc import Iterable

from django.db import router
from django.db.models import Q

from cartable.accounts.models import Cohort, User
from cartable.assessment.models import Override
from cartable.assessment.scoring import overrides
from cartable.catalog.models import Activity
from cartable.compiled import PLACEHOLDERS, Models, compile_models
from cartable.importers.model import QuizContent, QuizOverride


def as_override(row: Override) -> QuizOverride:
    return QuizOverride(
        user=row.user.username if row.user_id is not None and row.user else "",
        group=row.cohort.name if row.cohort_id is not None and row.cohort else "",
        opens=row.opens,
        closes=row.closes,
        time_limit=row.time_limit,
        attempts=row.attempts,
        password=row.password if row.sets_password else None,
        open_any_time=row.open_any_time,
        never_closes=row.never_closes,
    )


def _group_names(user: User) -> list[str]:
    return list(Cohort.objects.filter(members=user).values_list("name", flat=True))


def combine(
    quiz: QuizContent, user: User, rows: Iterable[Override], groups: list[str] | None
) -> QuizContent:
    """``quiz`` for ``user`` given the box's overrides that concern them (``rows``, their
    cohorts read with them) and their group names (needed only for the backup's group
    overrides; None: read them when needed)."""
    box_user, box_groups = None, {}
    for row in rows:
        if row.user_id == user.pk:
            box_user = as_override(row)
        elif row.cohort_id is not None:
            found = as_override(row)
            box_groups[found.group] = found
    if groups is None:
        groups = list(box_groups)
        if any(o.group and not o.user for o in quiz.overrides):
            groups = _group_names(user)
    mine, theirs = overrides.pick(quiz.overrides, user.username, groups, box_user, box_groups)
    if mine is None and not theirs:
        return quiz
    return overrides.effective(quiz, mine, theirs)


def concerning(user: User | int) -> Q:
    """The box's overrides that concern ``user`` (or the user of that id): their own and their
    groups'."""
    return Q(user=user) | Q(cohort__members=user)


def for_learner(activity: Activity, user: User, quiz: QuizContent) -> QuizContent:
    """``quiz`` as it holds for ``user`` (one query, two with the backup's group overrides)."""
    rows = _concerning_query(router.db_for_read(Override)).all(user.pk, activity.pk)
    return combine(quiz, user, rows, None)


@functools.cache
def _concerning_query(alias: str) -> Models:
    """The box's overrides of a quiz that concern a learner (``concerning``), with their
    cohorts and users: every start reads them, so the query is compiled once per database."""
    learner, activity = PLACEHOLDERS[:2]
    query = Override.objects.filter(concerning(learner), activity_id=activity).select_related(
        "cohort", "user"
    )
    return compile_models(query, alias)
