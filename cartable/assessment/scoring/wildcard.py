"""Short-answer matching as Moodle does it (``qtype_shortanswer_question::
compare_string_with_wildcard``): ``*`` matches any run of characters, ``\\*`` a star, the
response is trimmed, both sides are put in Unicode form C, and the case is ignored when asked.

Matched without regular expressions, in time proportional to the lengths' product at worst,
so that no answer pattern can make matching slow."""

from __future__ import annotations

import re
import unicodedata

_STARS = re.compile(r"(?<!\\)\*+")
# PHP's trim(): space, tab, newline, carriage return, NUL, vertical tab.
_PHP_TRIM = " \t\n\r\x00\x0b"


def _pieces(pattern: str) -> list[str]:
    """The literal pieces between unescaped runs of stars (``**`` counts as one star)."""
    return [piece.replace("\\*", "*") for piece in _STARS.split(pattern)]


def _same(a: str, b: str, ignore_case: bool) -> bool:
    if a == b:
        return True
    return ignore_case and (a.lower() == b.lower() or a.upper() == b.upper())


def _at(text: str, start: int, piece: str, ignore_case: bool) -> bool:
    if start + len(piece) > len(text):
        return False
    return all(_same(text[start + i], ch, ignore_case) for i, ch in enumerate(piece))


def _find(text: str, start: int, piece: str, ignore_case: bool) -> int:
    for at in range(start, len(text) - len(piece) + 1):
        if _at(text, at, piece, ignore_case):
            return at
    return -1


def matches(response: str, pattern: str, ignore_case: bool) -> bool:
    text = unicodedata.normalize("NFC", response).strip(_PHP_TRIM)
    pieces = _pieces(unicodedata.normalize("NFC", pattern))
    if len(pieces) == 1:
        piece = pieces[0]
        return len(text) == len(piece) and _at(text, 0, piece, ignore_case)
    first, *middle, last = pieces
    if not _at(text, 0, first, ignore_case):
        return False
    position = len(first)
    end = len(text) - len(last)
    if end < position or not _at(text, end, last, ignore_case):
        return False
    # Each middle piece taken at its first place leaves the most room for the next ones.
    for piece in middle:
        found = _find(text[:end], position, piece, ignore_case)
        if found < 0:
            return False
        position = found + len(piece)
    return True


def clean(pattern: str) -> str:
    """An answer pattern shown as a right answer: stars become spaces, ``\\*`` a star."""
    return " ".join(piece.replace("\\*", "*") for piece in re.split(r"(?<!\\)\*", pattern)).strip()
