"""The CSV file that matches a box's learners to their university accounts (pure): a header row
with ``box_username`` and at least one of ``username``, ``idnumber``, ``email`` (Moodle's user
fields); one learner a line. Parsed whole, every bad line named, before anything is written."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

FIELDS = ("username", "idnumber", "email")
LIMITS = {"box_username": 150, "username": 150, "idnumber": 100, "email": 254}


@dataclass(frozen=True, slots=True)
class Match:
    box_username: str
    username: str = ""
    idnumber: str = ""
    email: str = ""


class MatchError(ValueError):
    def __init__(self, problems: list[tuple[int, str, str]]) -> None:
        super().__init__(
            "; ".join(f"line {line}: {code} {value}" for line, code, value in problems)
        )
        self.problems = (
            problems  # (line, code, value): codes "columns", "missing", "repeated", "long"
        )


def parse(text: str) -> list[Match]:
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    header = [name.strip() for name in (rows[0].keys() if rows else [])]
    if "box_username" not in header or not set(FIELDS) & set(header):
        raise MatchError([(1, "columns", ", ".join(header))])
    found: list[Match] = []
    problems: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for line, row in enumerate(rows, start=2):
        values = {k.strip(): (v or "").strip() for k, v in row.items() if k is not None}
        box = values.get("box_username", "").lower()
        if not box or not any(values.get(name) for name in FIELDS):
            problems.append((line, "missing", box))
            continue
        if box in seen:
            problems.append((line, "repeated", box))
            continue
        long = [name for name, limit in LIMITS.items() if len(values.get(name, "")) > limit]
        if long:
            problems.append((line, "long", long[0]))
            continue
        seen.add(box)
        found.append(Match(box, *(values.get(name, "") for name in FIELDS)))
    if problems:
        raise MatchError(problems)
    return found
