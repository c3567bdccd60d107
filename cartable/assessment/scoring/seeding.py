"""Seeded, stable randomness: the same seed gives the same shuffle on every machine and after
every restart, so a resumed attempt sees the same order (Python's ``random.Random`` seeded
with a string hashes it with SHA-512, independently of ``PYTHONHASHSEED``)."""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def rng(*parts: object) -> random.Random:
    return random.Random("\x1f".join(str(part) for part in parts))


def shuffled(items: Sequence[T], *parts: object) -> tuple[T, ...]:
    found = list(items)
    rng(*parts).shuffle(found)
    return tuple(found)


def choose_variant(count: int, seed: str, user: str, attempt_number: int) -> int:
    """Which of ``count`` variants (numbered from 1) a learner gets: fixed for a question and
    a learner, moving on by one at each new attempt so that attempts do not repeat a variant
    (Moodle's question_variant_pseudorandom_no_repeats_strategy)."""
    if count <= 1:
        return 1
    digest = hashlib.sha1(f"{seed}|user{user}".encode(), usedforsecurity=False).hexdigest()
    return (int(digest[17:24], 16) + attempt_number) % count + 1
