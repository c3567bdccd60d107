"""Moodle's availability rules ("restrict access"), evaluated for one learner (pure).

A rule is Moodle's JSON tree: ``{"op": "&", "c": [conditions or subtrees], "showc": [...]}``
(``op`` one of ``&``, ``|``, ``!&``, ``!|``; ``show`` for ``|`` trees). The box checks what it can
know: dates, and the completion of other activities of the course. Moodle groups, user-profile
fields and grades do not exist on the box (grades come with assessments): those conditions are
taken as met, so that a learner is never locked out by a rule the box cannot check; the reason
is still listed for staff.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

ReasonKind = Literal["from", "until", "completion", "unchecked"]


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    when: datetime | None = None  # for "from" and "until"
    activity_id: int | None = None  # for "completion": the activity to complete (or not)
    complete: bool = True  # for "completion": whether it must be complete
    condition: str = ""  # for "unchecked": Moodle's condition type


@dataclass(frozen=True, slots=True)
class Verdict:
    available: bool
    shown: bool  # False: the learner does not even see the activity's title
    reasons: tuple[Reason, ...]  # what stands in the way (or, if available, nothing)


OPEN = Verdict(available=True, shown=True, reasons=())

# completed(activity_id) -> True/False; activity_for(moodle module id) -> our activity id
Completed = Callable[[int], bool]


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
) -> Verdict:
    if not has_conditions(tree):
        return OPEN
    ok, reasons = _node(tree, now, activity_for, completed, negated=False)
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


def _node(
    node: dict[str, Any],
    now: datetime,
    activity_for: Mapping[int, int],
    completed: Completed,
    *,
    negated: bool,
) -> tuple[bool, list[Reason]]:
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
            results.append(_node(child, now, activity_for, completed, negated=negate))
        else:
            results.append(_condition(child, now, activity_for, completed, negated=negate))
    if not results:
        return True, []
    oks = [ok for ok, _ in results]
    ok = all(oks) if want_all else any(oks)
    reasons = [reason for passed, found in results if not passed for reason in found]
    return ok, ([] if ok else reasons)


def _condition(
    condition: dict[str, Any],
    now: datetime,
    activity_for: Mapping[int, int],
    completed: Completed,
    *,
    negated: bool,
) -> tuple[bool, list[Reason]]:
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
        activity_id = activity_for.get(_int(condition.get("cm")))
        if activity_id is None:
            return True, []  # the activity it names is not on the box
        expected = _int(condition.get("e"), 1)
        want_complete = expected in (1, 2)
        if negated:
            want_complete = not want_complete
        return completed(activity_id) == want_complete, [
            Reason("completion", activity_id=activity_id, complete=want_complete)
        ]
    return True, [Reason("unchecked", condition=str(kind or ""))]


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
