"""What changed between two versions of a text, line by line, for people to read: removed and
added lines with a little unchanged context, long unchanged stretches left out. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Literal

Kind = Literal["same", "removed", "added", "gap"]


@dataclass(frozen=True, slots=True)
class Change:
    kind: Kind
    text: str  # "" for a gap (unchanged lines left out)


GAP = Change("gap", "")


def changes(
    old: list[str], new: list[str], *, context: int = 1, limit: int = 200, width: int = 600
) -> list[Change]:
    """The lines removed from ``old`` and added in ``new``, each run with ``context`` unchanged
    lines around it, and a gap where unchanged lines are left out; at most ``limit`` lines,
    each cut at ``width`` characters. Empty when the two are the same."""
    groups = list(SequenceMatcher(a=old, b=new, autojunk=False).get_grouped_opcodes(context))
    if not groups or all(tag == "equal" for group in groups for tag, *_ in group):
        return []
    result: list[Change] = []
    for group in groups:
        _, i1, _, j1, _ = group[0]
        if result or i1 > 0 or j1 > 0:
            result.append(GAP)
        for tag, a1, a2, b1, b2 in group:
            if tag == "equal":
                result += [Change("same", _cut(line, width)) for line in old[a1:a2]]
                continue
            if tag in ("replace", "delete"):
                result += [Change("removed", _cut(line, width)) for line in old[a1:a2]]
            if tag in ("replace", "insert"):
                result += [Change("added", _cut(line, width)) for line in new[b1:b2]]
    _, _, i2, _, j2 = groups[-1][-1]
    if i2 < len(old) or j2 < len(new):
        result.append(GAP)
    if len(result) > limit:
        result = [*result[:limit], GAP]
    return result


def _cut(line: str, width: int) -> str:
    return line if len(line) <= width else line[: width - 1] + "…"
