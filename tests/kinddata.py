"""Activity data for tests, built the way the importer builds it (the importer's dataclasses,
turned into JSON by ``to_json``): each kind reads it back typed (``catalog.kinds``)."""

from __future__ import annotations

from typing import Any

from cartable.importers import model
from cartable.importers.common import FileRef
from cartable.importers.jsonable import to_json


def as_json(content: object) -> dict[str, Any]:
    value = to_json(content)
    assert isinstance(value, dict)
    return value


def chapter(
    source_id: int,
    title: str,
    content: str,
    *,
    hidden: bool = False,
    subchapters: tuple[model.BookChapter, ...] = (),
) -> model.BookChapter:
    return model.BookChapter(source_id, title, content, hidden, subchapters)


def book(*chapters: model.BookChapter) -> dict[str, Any]:
    return as_json(model.BookContent(chapters=chapters))


def entry(
    concept: str, definition: str, *, aliases: tuple[str, ...] = (), approved: bool = True
) -> model.GlossaryEntry:
    return model.GlossaryEntry(0, concept, definition, aliases, approved, ())


def glossary(*entries: model.GlossaryEntry) -> dict[str, Any]:
    return as_json(model.GlossaryContent(entries=entries))


def lesson_page(source_id: int, title: str, contents: str) -> model.LessonPage:
    return model.LessonPage(source_id, "content", title, contents, None, None, ())


def lesson(*pages: model.LessonPage) -> dict[str, Any]:
    return as_json(model.LessonContent(pages=pages))


def post(subject: str, message: str, source_id: int = 1) -> model.ForumPost:
    return model.ForumPost(source_id, None, subject, message, None, None, ())


def forum(*discussions: tuple[str, tuple[model.ForumPost, ...]]) -> dict[str, Any]:
    return as_json(
        model.ForumContent(
            forum_type="general",
            discussions=tuple(
                model.ForumDiscussion(number, name, posts)
                for number, (name, posts) in enumerate(discussions, start=1)
            ),
        )
    )


def stored(sha256: str, filename: str, size: int, mimetype: str = "") -> FileRef:
    return FileRef(sha256, size, filename, "/", mimetype)


def folder(*files: FileRef) -> dict[str, Any]:
    return as_json(model.FolderContent(tree=model.FolderNode("", "/", files, ())))


def assign(**changes: Any) -> dict[str, Any]:
    """An assignment's settings: online text and files, open now, no dates unless given."""
    values: dict[str, Any] = {
        "submission_types": ("onlinetext", "file"),
        "allow_submissions_from": None,
        "due": None,
        "cut_off": None,
        "grading_due": None,
        "max_files": 3,
        "max_size": 0,
        "grade": 20.0,
        "file_types": "",
        "max_attempts": -1,
        "require_statement": False,
    }
    values.update(changes)
    return as_json(model.AssignContent(**values))
