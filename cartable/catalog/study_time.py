"""About how long an activity takes, for the course page's "about 2 h 30 min" (pure).

Reading is counted at 150 words a minute, slower than a fluent reader's 200-250: many of the
box's learners read with effort. Other kinds use plain rules of thumb (a quiz question: a
minute and a half); a quiz's own time limit wins when it has one.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from cartable.lib.html import text_of

WORDS_PER_MINUTE = 150
FIXED_MINUTES = {
    "resource": 5,
    "url": 1,
    "assign": 30,
    "choice": 2,
    "scorm": 15,
    "h5pactivity": 10,
    "qbank": 0,
    "label": 0,
}


def data_texts(value: Any) -> Iterator[str]:
    """Every HTML-bearing text of an activity's data (chapters, entries, pages, posts)."""
    if isinstance(value, dict):
        for key, item in value.items():
            if key in ("content", "definition", "contents", "message", "title", "concept"):
                if isinstance(item, str):
                    yield item
            else:
                yield from data_texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from data_texts(item)


def reading_minutes(*htmls: str) -> int:
    words = sum(len(text_of(html).split()) for html in htmls if html)
    return max(1, round(words / WORDS_PER_MINUTE)) if words else 0


def estimate_minutes(kind: str, *, intro: str, content: str, data: Any) -> int:
    if kind in FIXED_MINUTES:
        return FIXED_MINUTES[kind]
    if kind == "quiz" and isinstance(data, dict):
        limit = data.get("time_limit") or 0
        if limit:
            return max(1, round(limit / 60))
        return max(5, round(1.5 * len(data.get("slots") or [])))
    if kind == "feedback" and isinstance(data, dict):
        return max(2, round(0.5 * len(data.get("items") or [])))
    if kind == "folder" and isinstance(data, dict):
        return max(2, 2 * _count_files(data.get("tree")))
    return max(1, reading_minutes(intro, content, *data_texts(data)))


def _count_files(node: Any) -> int:
    if not isinstance(node, dict):
        return 0
    return len(node.get("files") or []) + sum(
        _count_files(child) for child in node.get("folders") or []
    )


def format_minutes(minutes: int) -> tuple[int, int]:
    """(hours, minutes) for display."""
    return divmod(max(0, minutes), 60)
