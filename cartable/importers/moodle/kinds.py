"""The activity kinds Cartable imports from Moodle, by module name.

Each ``Kind`` reads its ``<modname>.xml`` into a model dataclass; ``drop`` names the subtrees
thrown away while parsing (user data such as attempts: large, and not imported);
``imported_as`` names the kind an old module becomes (Moodle 2.2's ``assignment``). A module
name missing from ``KINDS`` is skipped by the loader with a reason, never a crash.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cartable.importers import model
from cartable.importers.moodle import activities, quiz
from cartable.importers.moodle.activities import ActivityRead

Reader = Callable[[ActivityRead], model.ActivityContent]


@dataclass(frozen=True, slots=True)
class Kind:
    read: Reader
    drop: frozenset[str] = frozenset()
    imported_as: str = ""  # the kind it becomes when not its own module name


_USER_DATA = frozenset({"grades", "overrides", "attempts", "userflags", "submissions"})


KINDS: dict[str, Kind] = {
    "page": Kind(activities.page),
    "resource": Kind(activities.resource),
    "folder": Kind(activities.folder),
    "label": Kind(activities.label),
    "url": Kind(activities.url),
    "book": Kind(activities.book),
    "glossary": Kind(activities.glossary, frozenset({"ratings", "tags"})),
    "lesson": Kind(activities.lesson, _USER_DATA | {"branches", "timers", "attempts"}),
    "forum": Kind(
        activities.forum,
        frozenset(
            {
                "subscriptions",
                "digests",
                "readposts",
                "trackedprefs",
                "ratings",
                "grades",
                "discussion_subs",
            }
        ),
    ),
    "choice": Kind(activities.choice, frozenset({"answers"})),
    "feedback": Kind(
        activities.feedback, frozenset({"completeds", "completedstmp", "values", "trackings"})
    ),
    # A quiz's overrides are kept (a few rows; the users' only when the backup has them); its
    # attempts are dropped one by one ("attempt"), since an override has a field "attempts".
    "quiz": Kind(quiz.read, (_USER_DATA - {"overrides", "attempts"}) | {"attempt"}),
    "assign": Kind(activities.assign, _USER_DATA | {"plugin_assignsubmission_file_submission"}),
    # Moodle 2.2's assignment, as Moodle itself upgrades it: an assignment.
    "assignment": Kind(activities.assignment, _USER_DATA, imported_as="assign"),
    "scorm": Kind(activities.scorm, frozenset({"scoes", "sco_tracks", "tracks", "attempts"})),
    "h5pactivity": Kind(activities.h5pactivity, frozenset({"attempts"})),
    "qbank": Kind(activities.qbank),
}
