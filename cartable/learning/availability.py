"""Moodle's availability rules ("restrict access"), evaluated for one learner (pure).

A rule is Moodle's JSON tree: ``{"op": "&", "c": [conditions or subtrees], "showc": [...]}``
(``op`` one of ``&``, ``|``, ``!&``, ``!|``; ``show`` for ``|`` trees). The box checks what it can
know: dates, the completion of other activities of the course, and the learner's (released)
grade in one of them, as a percentage ("grade" conditions: at least ``min`` %, below ``max`` %).
Moodle groups and user-profile fields do not exist on the box, and a grade condition on an item
the box does not hold (the course total, an activity left out of the backup) cannot be checked:
those conditions are taken as met, so that a learner is never locked out by a rule the box
cannot check; the reason is still listed for staff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

ReasonKind = Literal["from", "until", "completion", "grade", "unchecked"]


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    when: datetime | None = None  # for "from" and "until"
    activity_id: int | None = None  # for "completion" and "grade": the activity it names
    complete: bool = True  # for "completion": whether it must be complete; for "grade":
    # whether the grade must lie in the range (False: a negated condition, outside it)
    condition: str = ""  # for "unchecked": Moodle's condition type
    minimum: float | None = None  # for "grade": at least this percentage…
    maximum: float | None = None  # …and below this one


@dataclass(frozen=True, slots=True)
class Verdict:
    available: bool
    shown: bool  # False: the learner does not even see the activity's title
    reasons: tuple[Reason, ...]  # what stands in the way (or, if available, nothing)


OPEN = Verdict(available=True, shown=True, reasons=())

# completed(activity_id) -> True/False; activity_for(moodle module id) -> our activity id
Completed = Callable[[int], bool]
# percent(activity_id) -> the learner's grade in it as a percentage, None when not graded
Percent = Callable[[int], float | None]


@dataclass(frozen=True, slots=True)
class Grades:
    """What grade conditions need: Moodle's grade item ids -> our activity ids, and the
    learner's grade in an activity (read only when a rule asks)."""

    activity_for: Mapping[int, int]
    percent: Percent


NO_GRADES = Grades({}, lambda activity_id: None)


def has_conditions(tree: Any) -> bool:
    """Whether a rule holds any condition (Moodle writes an empty rule,
    ``{"op": "&", "c": [], "showc": []}``, for what has no restriction)."""
    return isinstance(tree, dict) and bool(tree.get("c"))


def may_hide(tree: Any) -> bool:
    """Whether a rule, when it is not met, hides what it holds entirely (its title too),
    whoever the learner: what cannot be known without the learner is kept out of sight."""
    return has_conditions(tree) and not _shown(tree)


def within(section: Verdict, own: Verdict) -> Verdict:
    """An activity's verdict in its section (Moodle's ``cm_info``: an activity is available
    only if its section is). While the section is closed, its activities are not listed at
    all (the section says why); the reasons name the section's conditions, then the
    activity's own."""
    if section.available:
        return own
    return Verdict(available=False, shown=False, reasons=section.reasons + own.reasons)


def evaluate(
    tree: Any,
    *,
    now: datetime,
    activity_for: Mapping[int, int],
    completed: Completed,
    grades: Grades = NO_GRADES,
) -> Verdict:
    if not has_conditions(tree):
        return OPEN
    ok, reasons = _node(tree, _Facts(now, activity_for, completed, grades), negated=False)
    if ok:
        return OPEN
    return Verdict(available=False, shown=_shown(tree), reasons=tuple(reasons))


def _shown(tree: dict[str, Any]) -> bool:
    if "show" in tree:
        return bool(tree["show"])
    showc = tree.get("showc")
    if isinstance(showc, list) and showc:
        # Hidden when a failing condition says "hide entirely"; our reasons do not keep the
        # index, so be cautious: hide if any condition asks to be hidden.
        return all(bool(flag) for flag in showc)
    return True


@dataclass(frozen=True, slots=True)
class _Facts:
    now: datetime
    activity_for: Mapping[int, int]
    completed: Completed
    grades: Grades


def _node(node: dict[str, Any], facts: _Facts, *, negated: bool) -> tuple[bool, list[Reason]]:
    op = str(node.get("op", "&"))
    negate = negated != op.startswith("!")
    want_all = op.lstrip("!") == "&"
    # De Morgan: "not (a and b)" is "(not a) or (not b)".
    if negate:
        want_all = not want_all
    results: list[tuple[bool, list[Reason]]] = []
    for child in node.get("c") or []:
        if not isinstance(child, dict):
            continue
        if "c" in child:
            results.append(_node(child, facts, negated=negate))
        else:
            results.append(_condition(child, facts, negated=negate))
    if not results:
        return True, []
    oks = [ok for ok, _ in results]
    ok = all(oks) if want_all else any(oks)
    reasons = [reason for passed, found in results if not passed for reason in found]
    return ok, ([] if ok else reasons)


def _condition(
    condition: dict[str, Any], facts: _Facts, *, negated: bool
) -> tuple[bool, list[Reason]]:
    now = facts.now
    kind = condition.get("type")
    if kind == "date":
        when = _timestamp(condition.get("t"))
        if when is None:
            return True, []
        after = condition.get("d", ">=") == ">="
        if negated:
            after = not after
        if after:
            return now >= when, [Reason("from", when=when)]
        return now < when, [Reason("until", when=when)]
    if kind == "completion":
        activity_id = facts.activity_for.get(_int(condition.get("cm")))
        if activity_id is None:
            return True, []  # the activity it names is not on the box
        expected = _int(condition.get("e"), 1)
        want_complete = expected in (1, 2)
        if negated:
            want_complete = not want_complete
        return facts.completed(activity_id) == want_complete, [
            Reason("completion", activity_id=activity_id, complete=want_complete)
        ]
    if kind == "grade":
        graded = facts.grades.activity_for.get(_int(condition.get("id")))
        if graded is not None:
            return _grade(condition, graded, facts.grades.percent(graded), negated=negated)
    return True, [Reason("unchecked", condition=str(kind or ""))]


def _grade(
    condition: dict[str, Any], activity_id: int, percent: float | None, *, negated: bool
) -> tuple[bool, list[Reason]]:
    """Moodle's ``availability_grade\\condition::is_available``: a grade exists, at least
    ``min`` % and below ``max`` % (each when set); negated, the opposite."""
    minimum, maximum = _number(condition.get("min")), _number(condition.get("max"))
    allow = (
        percent is not None
        and (minimum is None or percent >= minimum)
        and (maximum is None or percent < maximum)
    )
    if negated:
        allow = not allow
    return allow, [
        Reason(
            "grade",
            activity_id=activity_id,
            complete=not negated,
            minimum=minimum,
            maximum=maximum,
        )
    ]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _int(value: Any, default: int = -1) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _timestamp(value: Any) -> datetime | None:
    seconds = _int(value, 0)
    if seconds <= 0:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)
