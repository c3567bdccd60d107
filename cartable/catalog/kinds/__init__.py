"""Activity kinds: a plain dict of ``Kind`` entries by Moodle module name, which the built-in
kinds join as any new kind will. Import, review, search, study time, progress and the learner
pages all ask the kind what to do (``kind_of``).

Adding a kind: a module in this package that registers its ``Kind`` (listed in ``_builtins``
below), its template ``learning/kinds/<name>.html``, and its name in ``Activity.Kind``.
"""

from __future__ import annotations

from cartable.catalog.kinds.base import (
    COMPLETION_MODES,
    CompletionMode,
    Kind,
    Part,
    reading_minutes,
)

__all__ = [
    "COMPLETION_MODES",
    "KINDS",
    "CompletionMode",
    "Kind",
    "Part",
    "kind_of",
    "reading_minutes",
    "register",
]

KINDS: dict[str, Kind] = {}


def register(kind: Kind) -> Kind:
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        raise ValueError(f"an activity kind named {kind.name!r} is already registered")
    KINDS[kind.name] = kind
    return kind


def kind_of(name: str) -> Kind:
    """The kind named ``name``; a page for a name the box does not know (its description and
    content are shown, as for a page)."""
    return KINDS.get(name) or KINDS["page"]


def not_studied() -> tuple[str, ...]:
    """The kinds that do not count in a learner's progress."""
    return tuple(name for name, kind in KINDS.items() if not kind.studied or not kind.shown)


def hidden_from_learners() -> tuple[str, ...]:
    """The kinds that are not a learner's activity (a question bank)."""
    return tuple(name for name, kind in KINDS.items() if not kind.shown)


def _builtins() -> None:
    from cartable.catalog.kinds import (  # noqa: F401  (each registers its kind)
        assign,
        book,
        choice,
        feedback,
        folder,
        forum,
        glossary,
        label,
        lesson,
        package,
        page,
        qbank,
        quiz,
        resource,
        url,
    )


_builtins()
