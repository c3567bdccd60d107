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

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

# Which files are accepted, by their content: shared with the quiz's essays (lib.accepted).
from cartable.lib.accepted import CONTENT_OF as CONTENT_OF
from cartable.lib.accepted import GROUPS as GROUPS
from cartable.lib.accepted import Accepted as Accepted
from cartable.lib.accepted import accepted as accepted
from cartable.lib.accepted import accepts as accepts

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
