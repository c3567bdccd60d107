"""A lesson: pages read one at a time, whose buttons follow the lesson's jumps; its question
pages and its end are what Moodle completes it by."""

from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, Part, register
from cartable.importers.model import LessonContent, LessonJump, LessonPage
from cartable.lib.html import text_of

# Jumps the box follows to the next page (Moodle picks among unseen or random pages).
_FORWARD = frozenset(
    {
        "next_page",
        "unseen_page",
        "unanswered_page",
        "random_page",
        "cluster_jump",
        "random_branch",
        "unseen_branch_page",
    }
)


def _parts(data: LessonContent) -> Iterator[Part]:
    for page in data.pages:
        yield Part("lesson_page", page.title, page.contents)


def _texts(data: LessonContent) -> Iterator[str]:
    for page in data.pages:
        for answer in page.answers:
            yield answer.answer
            yield answer.response


def _context(data: LessonContent | None, request: HttpRequest) -> dict[str, Any]:
    pages: tuple[LessonPage, ...] = data.pages if data is not None else ()
    by_id = {str(p.source_id): i for i, p in enumerate(pages)}
    index = by_id.get(request.GET.get("page", ""), 0)
    page = pages[index] if pages else None
    end = request.GET.get("page") == "end"

    def target(jump: LessonJump) -> str:
        if jump.kind == "page" and str(jump.page_id) in by_id:
            return str(jump.page_id)
        if jump.kind == "this_page" and page is not None:
            return str(page.source_id)
        if jump.kind == "previous_page" and index > 0:
            return str(pages[index - 1].source_id)
        if jump.kind in _FORWARD:
            return str(pages[index + 1].source_id) if index + 1 < len(pages) else "end"
        return "end"

    buttons = []
    if page is not None and page.kind == "content":
        for answer in page.answers:
            buttons.append({"label": text_of(answer.answer) or "→", "page": target(answer.jump)})
    following = str(pages[index + 1].source_id) if page and index + 1 < len(pages) else "end"
    return {
        "lesson_pages": pages,
        "lesson_page": None if end else page,
        "lesson_end": end and bool(pages),
        "lesson_empty": not pages,
        "lesson_buttons": buttons,
        "lesson_next": following,
        "lesson_number": index + 1,
    }


KIND = register(
    Kind(
        "lesson",
        data=LessonContent,
        answer=_("Work through the lesson to its end"),
        parts=_parts,
        texts=_texts,
        context=_context,
    )
)
