"""An assignment's grades and feedback files in the shapes Moodle's assignment reads back
(pure): its offline grading worksheet, filled in, and a zip for "upload multiple feedback
files in a zip".

Rules learned from Moodle's code (mod/assign/feedback/offline: importgradeslib.php and
locallib.php; mod/assign/feedback/file/importziplib.php), not copied from it:

- **Worksheet.** Moodle finds its columns by their exact headers in the teacher's language:
  the identifier (``Identifier``), the grade (``Grade``), the date the grade was last changed
  (``Last modified (grade)``) and one per feedback text (``Feedback comments``); without the
  first three it refuses the file. An identifier is ``Participant `` then the number Moodle
  gave the learner in that assignment. A grade is skipped when empty, negative, past the
  maximum, equal to the current one, or when the grade in Moodle changed more than a minute
  after the worksheet's ``Last modified (grade)``: so that date is left as the teacher's
  download gave it (a grade changed in Moodle since is then kept, not overwritten).
- **Feedback zip.** Each file sits under a folder ``<full name>_<participant number>_<plugin
  type>_<plugin name>_``: Moodle splits the path at its first four ``_``, so the full name must
  hold none, the number must be numeric, and files whose name starts with ``.`` or ``~`` are
  ignored.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import BinaryIO

from cartable.exchange.moodle.grades import format_score

PARTICIPANT = "Participant "


@dataclass(frozen=True, slots=True)
class WorksheetHeaders:
    """The worksheet's headers in the teacher's language (Moodle's English by default)."""

    identifier: str = "Identifier"
    grade: str = "Grade"
    modified: str = "Last modified (grade)"
    feedback: str = "Feedback comments"


@dataclass(frozen=True, slots=True)
class Marked:
    score: Decimal | None
    feedback: str = ""


@dataclass(frozen=True, slots=True)
class Filled:
    text: str
    filled: tuple[str, ...]  # identifiers written
    unknown: tuple[str, ...] = field(default=())  # identifiers given but not in the worksheet


class WorksheetError(ValueError):
    """The file is not a worksheet Moodle would read back."""


def participant_number(identifier: str, prefix: str = PARTICIPANT) -> int | None:
    """The number in ``Participant 1234``, as Moodle reads it (the prefix's length cut off)."""
    rest = identifier.strip()[len(prefix) :]
    return int(rest) if rest.isdigit() else None


def fill_worksheet(
    text: str,
    marks: Mapping[str, Marked],
    *,
    headers: WorksheetHeaders | None = None,
) -> Filled:
    """The teacher's downloaded worksheet with the grades and feedback of ``marks`` (keyed by
    identifier) written in; every other cell, column and row kept as downloaded."""
    headers = headers or WorksheetHeaders()
    bom = text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    if not rows:
        raise WorksheetError("empty file")
    names = [name.strip() for name in rows[0]]
    missing = [h for h in (headers.identifier, headers.grade, headers.modified) if h not in names]
    if missing:
        raise WorksheetError("missing columns: " + ", ".join(missing))
    at_id, at_grade = names.index(headers.identifier), names.index(headers.grade)
    at_feedback = names.index(headers.feedback) if headers.feedback in names else None
    width = len(names)
    filled = []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != width:
            raise WorksheetError(f"line {number} has {len(row)} columns, not {width}")
        mark = marks.get(row[at_id].strip())
        if mark is None:
            continue
        if mark.score is not None:
            row[at_grade] = format_score(mark.score)
        if mark.feedback and at_feedback is not None:
            row[at_feedback] = mark.feedback
        filled.append(row[at_id].strip())
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerows(rows)
    unknown = tuple(sorted(set(marks) - set(filled)))
    return Filled(("\ufeff" if bom else "") + out.getvalue(), tuple(filled), unknown)


# --- Feedback files -----------------------------------------------------------------------

_SPACES = re.compile(r"\s+")
_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def _name_part(full_name: str) -> str:
    # No "_" (Moodle splits there), no path separators, no control characters.
    cleaned = _SPACES.sub(" ", _UNSAFE.sub(" ", full_name.replace("_", " "))).strip()
    return cleaned or PARTICIPANT.strip()


def _file_part(filename: str) -> str:
    cleaned = _UNSAFE.sub("_", filename).strip().lstrip(".~").strip()
    return cleaned or "file"


def member_path(
    full_name: str, participant: int, filename: str, *, plugin: str = "assignsubmission_file"
) -> str:
    """Where a learner's file goes in a zip Moodle's assignment reads back."""
    if participant < 0:
        raise ValueError("a participant number is not negative")
    return f"{_name_part(full_name)}_{participant}_{plugin}_/{_file_part(filename)}"


def read_member_path(path: str) -> tuple[int, str, str] | None:
    """What Moodle reads from a zip member's path: participant number, plugin, file path;
    None for what it ignores."""
    parts = path.split("/")
    if not parts[-1] or parts[-1][0] in ".~":
        return None
    info = parts[0].split("_", 4)
    if len(info) < 4 or not info[1].isdigit():
        return None
    rest = "/".join(([info[4]] if len(info) == 5 and info[4] else []) + parts[1:])
    return int(info[1]), f"{info[2]}_{info[3]}", rest


ONLINE_TEXT = "assignsubmission_onlinetext"
ONLINE_TEXT_FILE = "onlinetext.html"


@dataclass(frozen=True, slots=True)
class FeedbackFile:
    full_name: str
    participant: int
    filename: str
    open: Callable[[], BinaryIO]
    plugin: str = "assignsubmission_file"


def online_text(full_name: str, participant: int, html: str) -> FeedbackFile:
    """A learner's online text, where Moodle's "download all submissions" puts it."""
    data = html.encode("utf-8")
    return FeedbackFile(
        full_name, participant, ONLINE_TEXT_FILE, lambda: io.BytesIO(data), ONLINE_TEXT
    )


def write_feedback_zip(out: BinaryIO, files: Iterable[FeedbackFile]) -> list[str]:
    """A zip in the layout of Moodle's "download all submissions", which its "upload multiple
    feedback files in a zip" reads back: streamed a file at a time; the member names written
    (made unique when two files would share one)."""
    written: list[str] = []
    seen: set[str] = set()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in files:
            name = member_path(item.full_name, item.participant, item.filename, plugin=item.plugin)
            base, dot, extension = name.rpartition(".")
            if not dot or "/" in extension:
                base, dot, extension = name, "", ""
            candidate, number = name, 1
            while candidate in seen:
                number += 1
                candidate = f"{base} ({number}){dot}{extension}"
            seen.add(candidate)
            with item.open() as source, archive.open(candidate, "w") as target:
                while chunk := source.read(1 << 20):
                    target.write(chunk)
            written.append(candidate)
    return written
