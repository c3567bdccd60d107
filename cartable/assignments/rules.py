"""An assignment's rules, as Moodle's ``mod/assign`` has them, as pure functions: when a
learner may hand in (opening date, cut-off date, their extension), whether a submission is late,
how many attempts there may be, and which files an assignment accepts (by their content).

Moodle's rules (``assign::submissions_open``, ``assign::is_any_submission_plugin_enabled``…):
- before "allow submissions from", nothing may be handed in;
- after the cut-off date, nothing may be handed in, unless the learner's extension date is
  still ahead (an extension moves the learner's due date and lets them hand in until then);
- a submission made after the due date (the extension's, if any) is late, but accepted until
  the cut-off;
- an extension must fall after the due date (and after the opening date);
- a new attempt is possible only while the attempts used are below the maximum (-1: no limit).
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from cartable.lib.filetypes import DOCX, EPUB, PPTX, XLSX, extension

UNLIMITED = -1
DEFAULT_MAX_FILES = 20  # Moodle's default when an assignment names no number


@dataclass(frozen=True, slots=True)
class Window:
    """When one learner may hand in their work for one assignment."""

    opens: datetime | None
    due: datetime | None  # the learner's due date: the extension's when there is one
    cut_off: datetime | None
    extension: datetime | None = None

    def state(self, now: datetime) -> str:
        """ "not_open", "open" or "closed" at ``now``."""
        if self.opens is not None and now < self.opens:
            return "not_open"
        if self.cut_off is None:
            return "open"
        # The last moment: the cut-off, or the learner's extension when it ends later.
        last = max(self.cut_off, self.extension) if self.extension else self.cut_off
        return "closed" if now > last else "open"

    def late(self, when: datetime) -> bool:
        return self.due is not None and when > self.due


def window(
    *,
    opens: datetime | None,
    due: datetime | None,
    cut_off: datetime | None,
    extension: datetime | None = None,
) -> Window:
    return Window(opens, extension or due, cut_off, extension)


def extension_problem(
    until: datetime, *, opens: datetime | None, due: datetime | None
) -> str | None:
    """Why an extension to ``until`` cannot be granted (None: it can): "before_due" or
    "before_open", as Moodle refuses them."""
    if due is not None and until <= due:
        return "before_due"
    if opens is not None and until <= opens:
        return "before_open"
    return None


def may_add_attempt(used: int, max_attempts: int) -> bool:
    """Whether another attempt may be opened after ``used`` attempts."""
    return max_attempts == UNLIMITED or used < max_attempts


def team_of(groups: Collection[int]) -> int | None:
    """The team of a learner in ``groups`` (Moodle's ``get_submission_group``): their group
    when they are in exactly one; None, Moodle's default team, when in none or several."""
    return next(iter(groups)) if len(groups) == 1 else None


def team_submitted(members_submitted: Collection[bool], *, require_all: bool) -> bool:
    """Whether a team's work goes for grading (Moodle's ``update_team_submission``): once
    every member has submitted it when all must, else once any has."""
    if not members_submitted:
        return False
    return all(members_submitted) if require_all else any(members_submitted)


def max_files(declared: int) -> int:
    return declared if declared > 0 else DEFAULT_MAX_FILES


def max_size(declared: int, box_limit: int) -> int:
    """The largest file accepted: the assignment's own limit, within the box's."""
    return min(declared, box_limit) if declared > 0 else box_limit


# --- Accepted file types ----------------------------------------------------------------------

# What each extension's content must be (sniffed by ``cartable.lib.filetypes``).
_TEXT = frozenset({"text/plain"})
CONTENT_OF: dict[str, frozenset[str]] = {
    "pdf": frozenset({"application/pdf"}),
    "doc": frozenset({"application/msword"}),
    "docx": frozenset({DOCX}),
    "odt": frozenset({"application/vnd.oasis.opendocument.text"}),
    "rtf": frozenset({"application/rtf"}),
    "txt": _TEXT,
    "md": _TEXT,
    "csv": frozenset({"text/csv", "text/plain"}),
    "xls": frozenset({"application/vnd.ms-excel"}),
    "xlsx": frozenset({XLSX}),
    "ods": frozenset({"application/vnd.oasis.opendocument.spreadsheet"}),
    "ppt": frozenset({"application/vnd.ms-powerpoint"}),
    "pptx": frozenset({PPTX}),
    "odp": frozenset({"application/vnd.oasis.opendocument.presentation"}),
    "epub": frozenset({EPUB}),
    "zip": frozenset({"application/zip"}),
    "png": frozenset({"image/png"}),
    "jpg": frozenset({"image/jpeg"}),
    "jpeg": frozenset({"image/jpeg"}),
    "gif": frozenset({"image/gif"}),
    "webp": frozenset({"image/webp"}),
    "mp3": frozenset({"audio/mpeg"}),
    "m4a": frozenset({"audio/mp4"}),
    "ogg": frozenset({"audio/ogg", "video/ogg"}),
    "wav": frozenset({"audio/wav"}),
    "mp4": frozenset({"video/mp4", "audio/mp4"}),
    "webm": frozenset({"video/webm"}),
}
# Moodle's groups of types (core_filetypes), as far as the box knows their extensions.
GROUPS: dict[str, tuple[str, ...]] = {
    "document": ("doc", "docx", "odt", "pdf", "rtf", "txt", "epub", "md"),
    "spreadsheet": ("csv", "ods", "xls", "xlsx"),
    "presentation": ("odp", "ppt", "pptx"),
    "image": ("gif", "jpeg", "jpg", "png", "webp"),
    "web_image": ("gif", "jpeg", "jpg", "png", "webp"),
    "audio": ("mp3", "m4a", "ogg", "wav"),
    "video": ("mp4", "webm", "ogg"),
    "archive": ("zip",),
}


@dataclass(frozen=True, slots=True)
class Accepted:
    """The types an assignment accepts (Moodle's ``filetypeslist``): ``any`` or these."""

    any: bool
    extensions: frozenset[str] = frozenset()
    mimetypes: frozenset[str] = frozenset()

    def shown(self) -> str:
        """For people: ".pdf, .docx…"."""
        names = sorted(f".{ext}" for ext in self.extensions) + sorted(self.mimetypes)
        return ", ".join(names)


def accepted(file_types: str) -> Accepted:
    """Moodle's list of accepted types: extensions (".pdf"), groups ("document"), types
    ("application/pdf", "image/*"), separated by commas, semicolons or spaces; empty or "*":
    any."""
    extensions: set[str] = set()
    mimetypes: set[str] = set()
    for word in re.split(r"[\s,;]+", file_types.strip().lower()):
        if not word:
            continue
        if word == "*":
            return Accepted(any=True)
        if word.startswith("."):
            extensions.add(word[1:])
        elif "/" in word:
            mimetypes.add(word)
        elif word in GROUPS:
            extensions.update(GROUPS[word])
        else:
            extensions.add(word)  # Moodle also accepts an extension without its dot
    if not extensions and not mimetypes:
        return Accepted(any=True)
    return Accepted(False, frozenset(extensions), frozenset(mimetypes))


def accepts(rule: Accepted, filename: str, sniffed: str) -> bool:
    """Whether a file named ``filename`` whose content is of type ``sniffed`` may be handed
    in: its name must be of a listed type, and its content what that name says (a script
    renamed ``.pdf`` is refused)."""
    if rule.any:
        return True
    content = sniffed.split(";", 1)[0].strip().lower()
    ext = extension(filename)
    if ext in rule.extensions:
        expected = CONTENT_OF.get(ext)
        return expected is None or content in expected
    return any(_type_matches(content, wanted) for wanted in rule.mimetypes) and (
        not ext or content in CONTENT_OF.get(ext, frozenset({content}))
    )


def _type_matches(content: str, wanted: str) -> bool:
    if wanted.endswith("/*"):
        return content.startswith(wanted[:-1])
    return content == wanted
