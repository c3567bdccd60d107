"""A glossary: approved entries in alphabetical order, by first letter or found by words."""

import unicodedata
from collections.abc import Iterator
from typing import Any

from django.http import HttpRequest

from cartable.catalog.kinds import Kind, Part, register
from cartable.importers.model import GlossaryContent, GlossaryEntry
from cartable.lib.html import text_of


def fold(text: str) -> str:
    """Lower case, accents removed: how a reader compares words."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def approved(data: GlossaryContent) -> list[GlossaryEntry]:
    """The entries the glossary page shows, in alphabetical order."""
    return sorted((e for e in data.entries if e.approved), key=lambda e: fold(e.concept))


def _parts(data: GlossaryContent) -> Iterator[Part]:
    for entry in approved(data):
        yield Part(
            "glossary_entry",
            entry.concept,
            entry.definition,
            title_words=" ".join((entry.concept, *entry.aliases)),
            files=entry.attachments,
        )


def _context(data: GlossaryContent | None, request: HttpRequest) -> dict[str, Any]:
    entries = approved(data) if data is not None else []
    letters = sorted({fold(e.concept[:1]).upper() for e in entries if e.concept})
    query = request.GET.get("q", "").strip()[:100]
    letter = request.GET.get("letter", "")[:1].upper()
    shown = entries
    if query:
        words = fold(query).split()
        shown = [
            e
            for e in entries
            if all(
                word in fold(" ".join((e.concept, *e.aliases, text_of(e.definition))))
                for word in words
            )
        ]
    elif letter:
        shown = [e for e in entries if fold(e.concept[:1]).upper() == letter]
    return {
        "entries": shown,
        "letters": letters,
        "query": query,
        "letter": letter,
        "total": len(entries),
    }


KIND = register(Kind("glossary", data=GlossaryContent, parts=_parts, context=_context))
