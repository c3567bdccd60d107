"""What an activity kind is, for every part of the box that treats kinds differently: import
(its typed data, how long it takes, how it is completed), review (its texts), search (its parts
and files), progress (whether it counts, whether a view completes it) and its page (context
and template)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from django.http import HttpRequest
from django.utils.functional import Promise

from cartable.importers.common import FileRef
from cartable.importers.jsonable import JsonShapeError, from_json
from cartable.lib.html import text_of

logger = logging.getLogger(__name__)

WORDS_PER_MINUTE = 150  # slower than a fluent reader's 200-250: many learners read with effort

# How an activity is completed on the box:
# - "view": opening it is enough (no completion rule, or Moodle's "view" rule);
# - "manual": the learner ticks it;
# - "answer": it needs something the learner does that the box records (an attempt, a
#   submission, a post…): never done by viewing.
CompletionMode = Literal["view", "manual", "answer"]
COMPLETION_MODES: tuple[CompletionMode, ...] = ("view", "manual", "answer")


@dataclass(frozen=True, slots=True)
class Part:
    """A piece of an activity found on its own by search (a book's chapter, a glossary's
    entry, a lesson's page, a forum's discussion)."""

    kind: str  # the search entry's kind: "chapter", "glossary_entry", "lesson_page", "discussion"
    title: str
    html: str
    anchor: str = ""  # where the piece is on the activity's page, e.g. "?chapter=12"
    title_words: str | None = None  # the words its title is found by, when not its title
    files: tuple[FileRef, ...] = ()  # files attached to it


def _nothing(data: Any) -> tuple[()]:
    return ()


@dataclass(frozen=True)
class Kind:
    """One kind of activity (Moodle's module name)."""

    name: str  # also in ``Activity.Kind``, which gives its label
    # The importer's class for the kind's data (the JSON of ``Activity.data``); None: none.
    data: type[Any] | None = None
    # A learner's activity (a question bank is not: it is the course's, never on its page).
    shown: bool = True
    # Counted in a learner's progress (a text label is not).
    studied: bool = True
    # What the learner must do that the box records, for people ("Answer the quiz"); None:
    # opening it is enough, unless its completion rule says otherwise.
    answer: str | Promise | None = None
    # About how long it takes: a fixed number of minutes, or a function of its typed data
    # (None: the reading time of its texts).
    fixed_minutes: int | None = None
    minutes: Callable[[Any], int | None] | None = None
    # Its pieces that search finds on their own, and the files its page shows.
    parts: Callable[[Any], Iterable[Part]] = _nothing
    files: Callable[[Any], Iterable[FileRef]] = _nothing
    # Further texts of its data (beyond its parts), for the review's comparison and reading time.
    texts: Callable[[Any], Iterable[str]] = _nothing
    # Plain text of its data that search finds with the activity itself (a link's address).
    plain: Callable[[Any], str] = lambda data: ""
    # What its page needs beyond the common fields, from its typed data and the request.
    context: Callable[[Any, HttpRequest], dict[str, Any]] | None = None
    own_template: bool = True  # False: its page shows its description only
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        from cartable.catalog.models import Activity

        return str(Activity.Kind(self.name).label)

    @property
    def template(self) -> str:
        return (
            f"learning/kinds/{self.name}.html" if self.own_template else "learning/kinds/other.html"
        )

    def read(self, value: object) -> Any:
        """Its typed data from the stored JSON (None for a kind without data; for data of an
        older shape, None, and a warning in the log)."""
        if self.data is None or not value:
            return None
        try:
            return from_json(self.data, value)
        except (JsonShapeError, TypeError, ValueError):
            logger.warning("data of a %s activity has another shape", self.name, exc_info=True)
            return None

    def all_texts(self, data: Any) -> Iterator[str]:
        """Every HTML text of its typed data (parts first)."""
        if data is None:
            return
        for part in self.parts(data):
            if part.title:
                yield part.title
            if part.html:
                yield part.html
        yield from self.texts(data)

    def all_files(self, data: Any) -> Iterator[FileRef]:
        """Every file of its typed data: its page's and its parts'."""
        if data is None:
            return
        yield from self.files(data)
        for part in self.parts(data):
            yield from part.files

    def completion_mode(self, completion: Mapping[str, Any]) -> CompletionMode:
        """How it is completed, from Moodle's completion settings (``to_json`` of the
        importer's ``Completion``): a learner's tick, a view, or something the box records."""
        tracking = completion.get("tracking", "none")
        if tracking == "manual":
            return "manual"
        if self.answer is not None:
            return "answer"
        if tracking == "automatic" and (
            completion.get("grade") or completion.get("pass_grade") or completion.get("rules")
        ):
            return "answer"  # a grade, a post, an entry…: more than a view
        return "view"

    def estimate(self, *, intro: str, content: str, data: Any) -> int:
        """About how many minutes it takes."""
        if self.fixed_minutes is not None:
            return self.fixed_minutes
        if self.minutes is not None and data is not None:
            found = self.minutes(data)
            if found is not None:
                return found
        return max(1, reading_minutes(intro, content, *self.all_texts(data)))


def reading_minutes(*htmls: str) -> int:
    words = sum(len(text_of(html).split()) for html in htmls if html)
    return max(1, round(words / WORDS_PER_MINUTE)) if words else 0
