"""Pure search text handling, the same for SQLite and PostgreSQL: normalising words, building
safe full-text queries, and cutting snippets. No Django, no database.

A word is normalised by folding (lower case, accents and ligatures removed: "Élèves" becomes
"eleves") and then stemming in the course's language (French by default, English for English
courses: "eleves" becomes "elev", "lettres" "lettr"). The index holds normalised words only, so
both databases see the same plain words and rank them alike. Folding comes before stemming so
that a learner typing without accents finds what was written with them.

A query is a list of terms; each term is the set of its stems in both languages (the query does
not know which language a course is in), and a page must hold every term (or, as a fallback,
any). User input never reaches the full-text syntax: terms are words of letters and digits,
quoted again when the query is written.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Literal

Language = Literal["fr", "en"]
LANGUAGES: tuple[Language, ...] = ("fr", "en")

MAX_QUERY_CHARS = 200  # longer input is cut: nobody types more into a search box
MAX_TERMS = 10
MAX_WORD_CHARS = 40  # longer "words" (hashes, base64) are cut to this length

# A word: letters and digits (any script), without the underscore (FTS5 and PostgreSQL split
# on it, so we do too).
WORD = re.compile(r"[^\W_]+")

_LIGATURES = str.maketrans({"œ": "oe", "Œ": "oe", "æ": "ae", "Æ": "ae", "ß": "ss"})


# Words too common to narrow a search; dropped from a query that has other words.
def _split(text: str) -> frozenset[str]:
    return frozenset(text.split())


STOP_WORDS = _split(
    """a au aux avec c ce ces cet cette d dans de des du elle elles en est et il ils j je l la
    le les leur leurs lui m ma mais me mes n ne nos notre nous on ou par pas pour qu que qui s sa
    se ses son sont sur t ta te tes ton tu un une vos votre vous y
    an and are as at be by for from in is it of on or that the this to was were with"""
)


@lru_cache(maxsize=2)
def _stemmer(language: Language) -> Any:
    """The Snowball stemmer of ``language``, made on first use: importing snowballstemmer loads
    every language it has (18 ms), which a `cartable` command that searches nothing would pay
    at each start."""
    import snowballstemmer  # type: ignore[import-untyped]

    return snowballstemmer.stemmer({"fr": "french", "en": "english"}[language])


def language_of(code: str) -> Language:
    """The stemming language for a course's language code ("en", "en_us", "fr", "")."""
    return "en" if code.lower().startswith("en") else "fr"


@lru_cache(maxsize=100_000)
def fold(word: str) -> str:
    """Lower case, without accents or ligatures: "Élève" -> "eleve", "Œuvre" -> "oeuvre"."""
    decomposed = unicodedata.normalize("NFKD", word.translate(_LIGATURES))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


@lru_cache(maxsize=200_000)
def stem(word: str, language: Language) -> str:
    """The stem of a folded word."""
    stemmed: str = _stemmer(language).stemWord(word)
    return stemmed or word


def words(text: str) -> list[str]:
    """The folded words of a text, in order."""
    out: list[str] = []
    for match in WORD.finditer(text):
        # Folding may turn one character into several, or into a separator ("ß", "½"):
        # split again after folding.
        out.extend(w[:MAX_WORD_CHARS] for w in WORD.findall(fold(match.group())))
    return out


def normalise(text: str, language: Language) -> str:
    """What the index holds for a text: its stemmed, folded words, separated by spaces."""
    return " ".join(stem(word, language) for word in words(text))


# --- Queries --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Query:
    """A parsed query: for each term, the stems a page may hold for it."""

    terms: tuple[frozenset[str], ...]

    def __bool__(self) -> bool:
        return bool(self.terms)

    @property
    def stems(self) -> frozenset[str]:
        return frozenset().union(*self.terms)


def parse(text: str) -> Query:
    """Turn what the user typed into terms; common words are dropped when others remain."""
    found = words(text[:MAX_QUERY_CHARS])
    meaningful = [w for w in found if w not in STOP_WORDS and (len(w) > 1 or w.isdigit())]
    chosen = meaningful or found
    terms: list[frozenset[str]] = []
    for word in chosen:
        term = frozenset(stem(word, language) for language in LANGUAGES)
        if term not in terms:
            terms.append(term)
    return Query(tuple(terms[:MAX_TERMS]))


def _quoted(stem_: str, quote: str) -> str:
    # Stems hold only letters and digits; quoting (and doubling any quote) is a second guard.
    return quote + stem_.replace(quote, quote * 2) + quote


def fts5_match(query: Query, *, every: bool = True) -> str:
    """An SQLite FTS5 MATCH expression: ``("elev") AND ("lettr" OR "letter")``."""
    groups = [
        "(" + " OR ".join(_quoted(s, '"') for s in sorted(term)) + ")" for term in query.terms
    ]
    return (" AND " if every else " OR ").join(groups)


def tsquery(query: Query, *, every: bool = True) -> str:
    """A PostgreSQL ``to_tsquery('simple', …)`` expression: ``('elev') & ('lettr' | 'letter')``."""
    groups = ["(" + " | ".join(_quoted(s, "'") for s in sorted(term)) + ")" for term in query.terms]
    return (" & " if every else " | ").join(groups)


# --- Snippets -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Part:
    text: str
    match: bool


SNIPPET_CHARS = 220
SCAN_CHARS = 50_000  # the first match is looked for this far into a text


class Matcher:
    """Whether a word of a text matches the query, remembered per word (texts repeat them, and
    so do the snippets of one page of results: they may share one)."""

    def __init__(self, stems: frozenset[str]) -> None:
        self.stems = stems
        self.seen: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        found = self.seen.get(word)
        if found is None:
            found = bool(self.stems) and not self.stems.isdisjoint(stems_of(word))
            self.seen[word] = found
        return found


@lru_cache(maxsize=100_000)
def stems_of(word: str) -> frozenset[str]:
    """The stems a word of a text stands for, in either language (folding may split it)."""
    return frozenset(stem(w, language) for w in WORD.findall(fold(word)) for language in LANGUAGES)


def snippet(
    text: str, query: Query, size: int = SNIPPET_CHARS, *, matches: Matcher | None = None
) -> tuple[Part, ...]:
    """A short passage of plain text around the first word matching the query (or the start of
    the text), with the matching words marked. Plain text in, plain text out: the template
    escapes it. ``matches``: the query's ``Matcher``, when several snippets share one."""
    if matches is None:
        matches = Matcher(query.stems)
    first = None
    if query.stems:
        for match in WORD.finditer(text, 0, min(len(text), SCAN_CHARS)):
            if matches(match.group()):
                first = match
                break
    start = 0
    if first is not None and first.end() > size * 2 // 3:
        start = max(0, first.start() - size // 3)
        space = text.find(" ", start, first.start())
        start = space + 1 if space != -1 else start
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", max(start, first.end() if first else start), end)
        end = space if space > start else end
    parts: list[Part] = []
    cursor = start
    for match in WORD.finditer(text, start, end):
        if matches(match.group()):
            if match.start() > cursor:
                parts.append(Part(text[cursor : match.start()], False))
            parts.append(Part(match.group(), True))
            cursor = match.end()
    if cursor < end:
        parts.append(Part(text[cursor:end], False))
    if start > 0:
        parts.insert(0, Part("… ", False))
    if end < len(text):
        parts.append(Part(" …", False))
    return tuple(parts)
