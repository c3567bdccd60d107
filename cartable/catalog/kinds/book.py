"""A book: chapters (and subchapters), read one at a time."""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from cartable.catalog.kinds import Kind, Part, register
from cartable.importers.model import BookChapter, BookContent


@dataclass(frozen=True, slots=True)
class Shown:
    """A chapter as the book page shows it: its place in the contents."""

    chapter: BookChapter
    level: int  # 1: a chapter, 2: a subchapter

    @property
    def source_id(self) -> int:
        return self.chapter.source_id

    @property
    def title(self) -> str:
        return self.chapter.title

    @property
    def content(self) -> str:
        return self.chapter.content


def shown_chapters(data: BookContent) -> Iterator[Shown]:
    """The chapters and subchapters a reader sees, in order (hidden ones are left out)."""
    for chapter in data.chapters:
        if chapter.hidden:
            continue
        yield Shown(chapter, 1)
        for sub in chapter.subchapters:
            if not sub.hidden:
                yield Shown(sub, 2)


def _parts(data: BookContent) -> Iterator[Part]:
    for item in shown_chapters(data):
        chapter = item.chapter
        yield Part(
            "chapter", chapter.title, chapter.content, anchor=f"?chapter={chapter.source_id}"
        )


def _context(data: BookContent | None, request: HttpRequest) -> dict[str, Any]:
    """One chapter at a time, with the table of contents and previous/next chapter."""
    flat = list(shown_chapters(data)) if data is not None else []
    wanted = request.GET.get("chapter", "")
    index = next((i for i, item in enumerate(flat) if str(item.chapter.source_id) == wanted), 0)
    return {
        "chapters": [c for c in data.chapters if not c.hidden] if data is not None else [],
        "chapter": flat[index] if flat else None,
        "previous_chapter": flat[index - 1].chapter if index > 0 else None,
        "next_chapter": flat[index + 1].chapter if index + 1 < len(flat) else None,
    }


KIND = register(Kind("book", data=BookContent, parts=_parts, context=_context))
