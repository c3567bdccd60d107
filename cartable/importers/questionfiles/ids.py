"""Stable ids for what a question file holds, apart from the ids of course backups.

A question file has no ids of its own worth keeping (Moodle numbers questions afresh on every
import), yet importing the same file again must find the same questions, and a corrected file
must update them. So a category is known by its path, and a question by its category and its
ID number, or else its name and how many questions of that name came before it in that
category. These keys are hashed to negative numbers below -1: Moodle's ids are positive (and
-1 stands for a backup's missing category), so the two never meet, and a course's next
backup, which reconciles the rows of its own ids, leaves the questions a file added alone.
The files a question file embeds are known by the component ``qformat_<format>``.
"""

from __future__ import annotations

import hashlib

_SPAN = 2**62
COMPONENT_PREFIX = "qformat_"


def file_id(*parts: str) -> int:
    """A negative id below -1 that only these parts give."""
    digest = hashlib.sha256("\x1f".join(parts).encode("utf-8")).digest()
    return -2 - int.from_bytes(digest[:8], "big") % _SPAN


def from_question_file(source_id: int) -> bool:
    """Whether a question's or a category's source id was made by ``file_id``."""
    return source_id < -1


def is_question_file_component(component: str) -> bool:
    """Whether a course file came embedded in a question file."""
    return component.startswith(COMPONENT_PREFIX)
