"""Grades in the two shapes Moodle's gradebook imports, from rows the hub gives (pure).

Rules learned from Moodle's importers (grade/import/xml/lib.php, grade/import/csv and
lib/csvlib.class.php), not copied from them:

- **XML** (`grade/import/xml`): a ``<results>`` root with one ``<result>`` per grade; in each,
  ``<assignment>`` is the grade item's *idnumber* (it must name exactly one item of the course),
  ``<student>`` the user's *idnumber*, ``<score>`` a number (absent, or ``-``: no grade; anything
  else not numeric fails the import) and ``<feedback>`` optional text. One bad result aborts the
  whole import, so a row Moodle could not match (no item or user idnumber) is left out here and
  reported, never written.
- **CSV** (`grade/import/csv`): a header row, then one row per learner with the same number of
  columns (else Moodle refuses the file); the teacher maps one column to the user (id number,
  username or e-mail) and each other column to a grade item or to its feedback. A grade is a
  number, or ``-`` or empty for none; past 100 Moodle refuses it unless the site allows
  unlimited grades (reported as a warning here).
"""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET  # building XML here, never parsing it
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

NO_GRADE = "-"
MOODLE_DEFAULT_MAX = Decimal(100)
# XML 1.0 refuses these characters even escaped.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

Identify = Literal["useridnumber", "username", "useremail"]
IDENTIFY_HEADERS: dict[Identify, str] = {
    "useridnumber": "ID number",
    "username": "Username",
    "useremail": "Email address",
}


@dataclass(frozen=True, slots=True)
class GradeRow:
    """One learner's grade for one grade item, in the university's terms."""

    item_idnumber: str  # the grade item's (the activity's) idnumber in Moodle
    item_name: str  # its name, for the CSV header the teacher maps
    user_idnumber: str
    username: str
    email: str
    score: Decimal | None  # None: no grade (feedback only)
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Skipped:
    row: GradeRow
    reason: Literal["no_item_idnumber", "no_user", "repeated", "not_a_number"]


@dataclass(frozen=True, slots=True)
class Written:
    text: str
    skipped: tuple[Skipped, ...]
    over_default_max: tuple[GradeRow, ...]  # Moodle takes them only with unlimited grades


def format_score(score: Decimal | None) -> str:
    """A grade as Moodle reads it everywhere: plain decimal with a point, no exponent, no
    trailing zeros; ``-`` for none."""
    if score is None:
        return NO_GRADE
    if not score.is_finite():
        raise ValueError(f"not a grade: {score}")
    text = format(score, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _clean(text: str) -> str:
    return _NOT_XML.sub("", text)


def _checked(
    rows: Iterable[GradeRow], user_key: str
) -> tuple[list[GradeRow], list[Skipped], list[GradeRow]]:
    kept: list[GradeRow] = []
    skipped: list[Skipped] = []
    over: list[GradeRow] = []
    seen: set[tuple[str, str]] = set()
    for row in rows:
        user = getattr(row, user_key).strip()
        if not row.item_idnumber.strip():
            skipped.append(Skipped(row, "no_item_idnumber"))
        elif not user:
            skipped.append(Skipped(row, "no_user"))
        elif row.score is not None and not row.score.is_finite():
            skipped.append(Skipped(row, "not_a_number"))
        elif (row.item_idnumber, user) in seen:
            skipped.append(Skipped(row, "repeated"))
        else:
            seen.add((row.item_idnumber, user))
            kept.append(row)
            if row.score is not None and row.score > MOODLE_DEFAULT_MAX:
                over.append(row)
    return kept, skipped, over


def grades_xml(rows: Iterable[GradeRow], *, feedback: bool = True) -> Written:
    """Moodle's XML grade import: matched by idnumbers, so imported without any mapping."""
    kept, skipped, over = _checked(rows, "user_idnumber")
    root = ET.Element("results")
    for row in kept:
        result = ET.SubElement(root, "result")
        ET.SubElement(result, "assignment").text = _clean(row.item_idnumber.strip())
        ET.SubElement(result, "student").text = _clean(row.user_idnumber.strip())
        ET.SubElement(result, "score").text = format_score(row.score)
        if feedback and row.feedback:
            ET.SubElement(result, "feedback").text = _clean(row.feedback)
    ET.indent(root)
    text = ET.tostring(root, encoding="unicode", xml_declaration=False)
    return Written(
        '<?xml version="1.0" encoding="UTF-8"?>\n' + text + "\n", tuple(skipped), tuple(over)
    )


def grades_csv(
    rows: Iterable[GradeRow],
    *,
    identify: Identify = "useridnumber",
    feedback: bool = True,
    identify_header: str | None = None,
) -> Written:
    """Moodle's CSV grade import: one row per learner, one column per grade item (headed by
    its name and idnumber, for the teacher's mapping) and, when asked, one of feedback each."""
    user_key = {"useridnumber": "user_idnumber", "username": "username", "useremail": "email"}[
        identify
    ]
    kept, skipped, over = _checked(rows, user_key)
    items: dict[str, str] = {}
    for row in kept:
        items.setdefault(row.item_idnumber, row.item_name)
    headers = [identify_header or IDENTIFY_HEADERS[identify]]
    columns: list[tuple[str, str]] = []
    for idnumber, name in items.items():
        columns.append(("grade", idnumber))
        headers.append(f"{name} ({idnumber})")
        if feedback:
            columns.append(("feedback", idnumber))
            headers.append(f"Feedback: {name} ({idnumber})")
    headers = _unique(headers)
    table: dict[str, dict[tuple[str, str], str]] = {}
    for row in kept:
        cells = table.setdefault(getattr(row, user_key).strip(), {})
        cells[("grade", row.item_idnumber)] = format_score(row.score)
        cells[("feedback", row.item_idnumber)] = row.feedback
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(headers)
    for user, cells in table.items():
        writer.writerow(
            [user]
            + [cells.get(column, NO_GRADE if column[0] == "grade" else "") for column in columns]
        )
    return Written(out.getvalue(), tuple(skipped), tuple(over))


def _unique(headers: Sequence[str]) -> list[str]:
    """Moodle refuses a file whose columns repeat a name."""
    seen: dict[str, int] = {}
    unique = []
    for header in headers:
        name = header.strip()
        if name in seen:
            seen[name] += 1
            name = f"{name} [{seen[name]}]"
        seen.setdefault(name, 1)
        unique.append(name)
    return unique
