"""Matching what is already on the box with what a new version brings, by source key (pure).

Sections, activities, question categories and questions all follow one rule: a row whose key
the new version holds is kept (and is *changed* when its content differs, or when it had been
retired and comes back), a key the box never saw is *added*, and a current row the new version
no longer holds is *retired* (unless the version is partial, such as a single activity's
backup, which says nothing about the rest).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)
Row = TypeVar("Row")
New = TypeVar("New")


@dataclass
class Matched(Generic[Row, New]):
    added: list[New] = field(default_factory=list)
    changed: list[tuple[Row, New]] = field(default_factory=list)
    unchanged: list[tuple[Row, New]] = field(default_factory=list)
    retired: list[Row] = field(default_factory=list)


def reconcile(
    existing: Mapping[K, Row],
    incoming: Iterable[New],
    *,
    key: Callable[[New], K],
    same: Callable[[Row, New], bool],
    current: Callable[[Row], bool],
    partial: bool = False,
) -> Matched[Row, New]:
    """``existing`` rows by key against ``incoming`` items: ``same`` says whether a row already
    holds an item's content, ``current`` whether a row is not retired; ``partial`` retires
    nothing."""
    matched: Matched[Row, New] = Matched()
    seen: set[K] = set()
    for item in incoming:
        item_key = key(item)
        seen.add(item_key)
        row = existing.get(item_key)
        if row is None:
            matched.added.append(item)
        elif current(row) and same(row, item):
            matched.unchanged.append((row, item))
        else:
            matched.changed.append((row, item))
    if not partial:
        matched.retired = [
            row for row_key, row in existing.items() if row_key not in seen and current(row)
        ]
    return matched
