"""What each kind of activity needs on its page beyond the common fields: the chapter of a book
being read, a glossary's entries by letter or search, the page of a lesson."""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

from cartable.catalog.models import Activity
from cartable.lib.html import text_of


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _book(activity: Activity, request: HttpRequest) -> dict[str, Any]:
    """One chapter at a time, with the table of contents and previous/next chapter."""
    chapters = [c for c in (activity.data or {}).get("chapters") or [] if not c.get("hidden")]
    flat: list[dict[str, Any]] = []
    for chapter in chapters:
        flat.append({**chapter, "level": 1})
        for sub in chapter.get("subchapters") or []:
            if not sub.get("hidden"):
                flat.append({**sub, "level": 2})
    wanted = request.GET.get("chapter", "")
    index = next((i for i, c in enumerate(flat) if str(c.get("source_id")) == wanted), 0)
    return {
        "chapters": chapters,
        "chapter": flat[index] if flat else None,
        "previous_chapter": flat[index - 1] if index > 0 else None,
        "next_chapter": flat[index + 1] if index + 1 < len(flat) else None,
    }


def _glossary(activity: Activity, request: HttpRequest) -> dict[str, Any]:
    """Approved entries in alphabetical order, by first letter or found by words."""
    entries = [e for e in (activity.data or {}).get("entries") or [] if e.get("approved", True)]
    entries.sort(key=lambda e: _fold(e.get("concept", "")))
    letters = sorted(
        {_fold(e.get("concept", " ")[:1]).upper() for e in entries if e.get("concept")}
    )
    query = request.GET.get("q", "").strip()[:100]
    letter = request.GET.get("letter", "")[:1].upper()
    shown = entries
    if query:
        words = _fold(query).split()
        shown = [
            e
            for e in entries
            if all(
                word
                in _fold(
                    e.get("concept", "")
                    + " "
                    + " ".join(e.get("aliases") or [])
                    + " "
                    + text_of(e.get("definition", ""))
                )
                for word in words
            )
        ]
    elif letter:
        shown = [e for e in entries if _fold(e.get("concept", " ")[:1]).upper() == letter]
    return {
        "entries": shown,
        "letters": letters,
        "query": query,
        "letter": letter,
        "total": len(entries),
    }


def _lesson(activity: Activity, request: HttpRequest) -> dict[str, Any]:
    """One lesson page at a time; its buttons follow the lesson's jumps."""
    pages = (activity.data or {}).get("pages") or []
    by_id = {str(p.get("source_id")): i for i, p in enumerate(pages)}
    index = by_id.get(request.GET.get("page", ""), 0)
    page = pages[index] if pages else None
    end = request.GET.get("page") == "end"

    def target(jump: dict[str, Any]) -> str | None:
        kind = jump.get("kind")
        if kind == "page" and str(jump.get("page_id")) in by_id:
            return str(jump.get("page_id"))
        if kind == "this_page":
            return str(page.get("source_id")) if page else None
        if kind == "previous_page" and index > 0:
            return str(pages[index - 1].get("source_id"))
        if kind in (
            "next_page",
            "unseen_page",
            "unanswered_page",
            "random_page",
            "cluster_jump",
            "random_branch",
            "unseen_branch_page",
        ):
            return str(pages[index + 1].get("source_id")) if index + 1 < len(pages) else "end"
        return "end"

    buttons = []
    if page is not None and page.get("kind") == "content":
        for answer in page.get("answers") or []:
            buttons.append(
                {
                    "label": text_of(answer.get("answer", "")) or "→",
                    "page": target(answer.get("jump") or {}),
                }
            )
    following = str(pages[index + 1].get("source_id")) if page and index + 1 < len(pages) else "end"
    return {
        "lesson_pages": pages,
        "lesson_page": None if end else page,
        "lesson_end": end and bool(pages),
        "lesson_empty": not pages,
        "lesson_buttons": buttons,
        "lesson_next": following,
        "lesson_number": index + 1,
    }


CONTEXTS: dict[str, Callable[[Activity, HttpRequest], dict[str, Any]]] = {
    "book": _book,
    "glossary": _glossary,
    "lesson": _lesson,
}


def context_for(activity: Activity, request: HttpRequest) -> dict[str, Any]:
    builder = CONTEXTS.get(activity.kind)
    return builder(activity, request) if builder else {}
