"""A quiz's settings for one learner, with Moodle's overrides (quiz_overrides).

For each setting on its own (open and close dates, time limit, attempts allowed, password):
the learner's own override when it sets it; otherwise the overrides of the learner's groups
that set it, combined the most lenient way (the earliest opening; the latest close, or none
when one group's has none; the longest time limit, or none when one has none; the most
attempts, or unlimited when one allows unlimited; every group's password opens the quiz);
otherwise the quiz's own. Pure: no Django, no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime

from cartable.importers.model import QuizContent, QuizOverride

__all__ = ["closes_for", "effective", "pick"]


def _most(values: list[int]) -> int | None:
    """The most lenient of group limits where 0 means none."""
    if not values:
        return None
    return 0 if 0 in values else max(values)


def effective(
    quiz: QuizContent, user: QuizOverride | None, groups: Sequence[QuizOverride] = ()
) -> QuizContent:
    """``quiz`` as it holds for a learner with the override ``user`` (None: none) and the
    overrides of their groups (``groups``, any order)."""
    opens: datetime | None = quiz.opens
    time_limit, attempts = quiz.time_limit, quiz.attempts

    if user is not None and (user.open_any_time or user.opens is not None):
        opens = None if user.open_any_time else user.opens
    else:
        starts = [g for g in groups if g.open_any_time or g.opens is not None]
        if starts:
            opens = None if any(g.open_any_time for g in starts) else min(g.opens for g in starts)  # type: ignore[type-var]

    closes = closes_for(quiz.closes, user, groups)

    if user is not None and user.time_limit is not None:
        time_limit = max(user.time_limit, 0)
    else:
        found = _most([max(g.time_limit, 0) for g in groups if g.time_limit is not None])
        time_limit = time_limit if found is None else found

    if user is not None and user.attempts is not None:
        attempts = max(user.attempts, 0)
    else:
        found = _most([max(g.attempts, 0) for g in groups if g.attempts is not None])
        attempts = attempts if found is None else found

    given: list[str] | None = None
    if user is not None and user.password is not None:
        given = [user.password]
    elif any(g.password is not None for g in groups):
        given = [g.password for g in groups if g.password is not None]
    if given is None:
        return replace(quiz, opens=opens, closes=closes, time_limit=time_limit, attempts=attempts)
    # An override without a password (Moodle's "") lifts it: the most lenient.
    passwords = [] if "" in given else list(dict.fromkeys(given))
    return replace(
        quiz,
        opens=opens,
        closes=closes,
        time_limit=time_limit,
        attempts=attempts,
        password=passwords[0] if passwords else "",
        password_protected=bool(passwords),
        extra_passwords=tuple(passwords[1:]),
    )


def closes_for(
    closes: datetime | None, user: QuizOverride | None, groups: Sequence[QuizOverride] = ()
) -> datetime | None:
    """The close date for a learner of a quiz closing at ``closes`` (None: never)."""
    if user is not None and (user.never_closes or user.closes is not None):
        return None if user.never_closes else user.closes
    ends = [g for g in groups if g.never_closes or g.closes is not None]
    if not ends:
        return closes
    if any(g.never_closes for g in ends):
        return None
    return max(g.closes for g in ends if g.closes is not None)


def pick(
    imported: Sequence[QuizOverride],
    username: str,
    group_names: Sequence[str],
    box_user: QuizOverride | None = None,
    box_groups: dict[str, QuizOverride] | None = None,
) -> tuple[QuizOverride | None, list[QuizOverride]]:
    """The learner's override and their groups' among the backup's (``imported``: matched
    by username and group name) and the box's own (``box_user``; ``box_groups`` by group
    name): an override set on the box replaces the backup's for the same learner or group."""
    box_groups = box_groups or {}
    user = box_user
    if user is None:
        user = next((o for o in imported if o.user and o.user == username), None)
    groups: list[QuizOverride] = []
    for name in dict.fromkeys(group_names):
        found = box_groups.get(name)
        if found is None:
            found = next((o for o in imported if not o.user and o.group == name), None)
        if found is not None:
            groups.append(found)
    return user, groups
