"""Staff see what an update changed in a text: removed and added lines, with some context."""

from __future__ import annotations

from cartable.lib.html import text_lines
from cartable.lib.textdiff import GAP, Change, changes


def test_it_finds_nothing_between_equal_texts() -> None:
    assert changes(["a", "b"], ["a", "b"]) == []
    assert changes([], []) == []


def test_it_shows_a_changed_line_with_its_neighbours_and_leaves_the_rest_out() -> None:
    old = ["un", "deux", "trois", "quatre", "cinq", "six"]
    new = ["un", "deux", "trois", "QUATRE", "cinq", "six"]
    assert changes(old, new) == [
        GAP,
        Change("same", "trois"),
        Change("removed", "quatre"),
        Change("added", "QUATRE"),
        Change("same", "cinq"),
        GAP,
    ]


def test_it_shows_added_and_removed_lines_at_the_ends() -> None:
    assert changes(["a"], ["a", "b"]) == [Change("same", "a"), Change("added", "b")]
    assert changes(["a", "b"], ["b"]) == [Change("removed", "a"), Change("same", "b")]


def test_it_keeps_long_diffs_and_lines_short() -> None:
    result = changes([], [f"ligne {n}" for n in range(500)], limit=10)
    assert len(result) == 11 and result[-1] == GAP
    [line] = changes([], ["x" * 1000], width=20)
    assert line.text == "x" * 19 + "…"


def test_it_reads_a_line_per_block_of_html() -> None:
    html = "<h2>Titre</h2><p>Un <b>mot</b>\n en gras.</p><ul><li>a</li><li>b</li></ul><p>x<br>y</p>"
    assert text_lines(html) == ["Titre", "Un mot en gras.", "a", "b", "x", "y"]
    assert text_lines("") == []
