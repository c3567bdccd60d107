"""The suite's own queue (tests/conftest.py ``queued``): each test process's first part of the
queue starts with its share of the slow modules, each module whole, and nothing is lost."""

from __future__ import annotations

from dataclasses import dataclass

from tests.conftest import queued


@dataclass(frozen=True)
class Item:
    name: str
    module: str
    slow: bool = False

    def get_closest_marker(self, name: str) -> object:
        return object() if name == "slow" and self.slow else None


def _items() -> list[Item]:
    quick = [Item(f"q{n}", f"quick{n % 7}") for n in range(40)]
    slow = [Item(f"{m}{n}", m, slow=(n == 0)) for m in ("a", "b", "c") for n in range(3)]
    return quick[:10] + slow + quick[10:]


def _parts(ordered: list[Item], workers: int) -> list[list[Item]]:
    """The parts xdist's work stealing first hands the processes."""
    parts, rest = [], list(ordered)
    for index in range(workers):
        size = len(rest) // (workers - index)
        parts.append(rest[:size])
        rest = rest[size:]
    return parts


def test_each_process_starts_with_its_share_of_the_slow_modules_kept_whole() -> None:
    items = _items()
    ordered = queued(items, 2)  # type: ignore[arg-type]
    assert sorted(i.name for i in ordered) == sorted(i.name for i in items)
    first, second = _parts(ordered, 2)
    assert [i.module for i in first[:6]] == ["a", "a", "a", "c", "c", "c"]
    assert [i.module for i in second[:3]] == ["b", "b", "b"]
    assert all(i.module.startswith("quick") for i in first[6:] + second[3:])
    assert [i.name for i in ordered if i.module == "a"] == ["a0", "a1", "a2"]  # in its order


def test_one_process_runs_the_slow_modules_first_and_the_rest_in_order() -> None:
    items = _items()
    ordered = queued(items, 1)  # type: ignore[arg-type]
    assert [i.module for i in ordered[:9]] == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    assert [i.name for i in ordered[9:]] == [i.name for i in items if i.module not in "abc"]
