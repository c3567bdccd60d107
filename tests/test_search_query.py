"""The pure side of search: words are folded and stemmed alike in the index and in queries, user
input never becomes full-text syntax, and snippets are plain text around the first match."""

from __future__ import annotations

import pytest

from cartable.search.query import (
    MAX_TERMS,
    fold,
    fts5_match,
    language_of,
    normalise,
    parse,
    snippet,
    tsquery,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Élèves", "eleves"),
        ("ÇA", "ca"),
        ("Œuvre", "oeuvre"),
        ("cœur", "coeur"),
        ("Straße", "strasse"),
        ("naïve", "naive"),
    ],
)
def test_it_folds_case_accents_and_ligatures(text: str, expected: str) -> None:
    assert fold(text) == expected


@pytest.mark.parametrize(
    ("written", "typed", "language"),
    [
        ("élèves", "eleve", "fr"),
        ("Élève", "ÉLÈVES", "fr"),
        ("lettres", "lettre", "fr"),
        ("société", "societes", "fr"),
        ("chevaux", "cheval", "fr"),
        ("journaux", "journal", "fr"),
        ("Révolution française", "revolutions francaises", "fr"),
        ("letters", "letter", "en"),
        ("running", "run", "en"),
    ],
)
def test_it_normalises_written_and_typed_forms_alike(written: str, typed: str, language) -> None:
    assert normalise(written, language) == normalise(typed, language)


def test_it_splits_words_on_punctuation_underscores_and_apostrophes() -> None:
    assert normalise("l’élève d'histoire: fiche_méthode-2024.pdf", "fr") == (
        "l elev d histoir fich method 2024 pdf"
    )


@pytest.mark.parametrize(
    ("code", "language"), [("fr", "fr"), ("", "fr"), ("en", "en"), ("en_us", "en"), ("de", "fr")]
)
def test_it_stems_in_the_course_language(code: str, language: str) -> None:
    assert language_of(code) == language


def test_it_keeps_both_languages_stems_for_each_term() -> None:
    query = parse("Révolutions")
    assert query.terms == (frozenset({"revolu", "revolut"}),)


def test_it_drops_common_words_unless_nothing_else_is_left() -> None:
    assert len(parse("la lettre de motivation").terms) == 2
    assert len(parse("le la les").terms) == 3


def test_it_drops_repeated_terms_and_limits_their_number() -> None:
    assert len(parse("lettre lettres LETTRE").terms) == 1
    many = " ".join(f"mot{number}" for number in range(50))
    assert len(parse(many).terms) == MAX_TERMS


HOSTILE = [
    '"',
    '""""',
    "'",
    "NEAR(a b, 2)",
    "a NEAR b",
    "*",
    "lett*",
    "^lettre",
    "(lettre OR motivation) AND NOT cv",
    "title_terms:secret",
    "{title_terms body_terms}: x",
    "a & b | !c <-> d",
    "'; DROP TABLE search_entry; --",
    "\x00\x01\x02",
    "\u202e\u200b",
    "-",
    ":",
    "x" * 10_000,
    "mot " * 5_000,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_it_turns_hostile_input_into_quoted_words_only(text: str) -> None:
    query = parse(text)
    for stem in query.stems:
        assert stem.isalnum(), stem
        assert len(stem) <= 40
    match = fts5_match(query)
    ts = tsquery(query)
    for term in query.terms:
        for stem in term:
            assert f'"{stem}"' in match
            assert f"'{stem}'" in ts
    # Nothing but quoted words, parentheses and the operators we wrote.
    bare = match
    for stem in query.stems:
        bare = bare.replace(f'"{stem}"', "")
    assert set(bare.replace(" OR ", "").replace(" AND ", "")) <= {"(", ")", " "}


def test_it_writes_every_word_or_any_word_queries() -> None:
    query = parse("lettre révolution")
    assert fts5_match(query) == '("lettr") AND ("revolu" OR "revolut")'
    assert fts5_match(query, every=False) == '("lettr") OR ("revolu" OR "revolut")'
    assert tsquery(query) == "('lettr') & ('revolu' | 'revolut')"
    assert tsquery(query, every=False) == "('lettr') | ('revolu' | 'revolut')"


def _shown(parts) -> str:
    return "".join(f"[{p.text}]" if p.match else p.text for p in parts)


def test_it_marks_every_matching_word_in_a_snippet() -> None:
    text = "Les élèves écrivent une lettre. Chaque élève relit sa lettre."
    assert _shown(snippet(text, parse("eleve"))) == (
        "Les [élèves] écrivent une lettre. Chaque [élève] relit sa lettre."
    )


def test_it_cuts_a_snippet_around_the_first_match_far_in_the_text() -> None:
    text = "début " * 300 + "la photosynthèse des plantes " + "fin " * 300
    parts = snippet(text, parse("photosynthese"))
    shown = _shown(parts)
    assert "[photosynthèse]" in shown
    assert shown.startswith("… ") and shown.endswith(" …")
    assert len(shown) < 260


def test_it_starts_a_snippet_at_the_beginning_when_nothing_matches_in_the_text() -> None:
    parts = snippet("Un texte sans le mot cherché.", parse("lettre"))
    assert _shown(parts) == "Un texte sans le mot cherché."


def test_it_keeps_snippets_as_plain_text() -> None:
    text = "<script>alert(1)</script> lettre"
    parts = snippet(text, parse("lettre"))
    assert "".join(p.text for p in parts) == text  # escaping is the template's job
