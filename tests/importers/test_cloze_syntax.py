"""The embedded answers (cloze) syntax, read as Moodle reads it, in linear time."""

from __future__ import annotations

import pytest

from cartable.importers.questionfiles import cloze


def parts(text: str) -> list[tuple[str, float, list[tuple[str, float, str]]]]:
    return [
        (
            part.kind.qtype,
            part.mark,
            [(a.answer, a.fraction, a.feedback) for a in part.alternatives],
        )
        for part in cloze.parse(text).parts
    ]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("{1:SHORTANSWER:=Paris}", [("shortanswer", 1.0, [("Paris", 1.0, "")])]),
        (
            "{:SA:=Paris#Oui~*#Non}",
            [("shortanswer", 1.0, [("Paris", 1.0, "Oui"), ("*", 0.0, "Non")])],
        ),
        ("{3:MW:%50%Lyon~=Paris}", [("shortanswer", 3.0, [("Lyon", 0.5, ""), ("Paris", 1.0, "")])]),
        ("{2:NM:=3,5:0,1~%50%3}", [("numerical", 2.0, [("3.5", 1.0, ""), ("3", 0.5, "")])]),
        ("{1:MC:a~=b}", [("multichoice", 1.0, [("a", 0.0, ""), ("b", 1.0, "")])]),
        # \} \# \~ are the characters; an HTML entity's # is no feedback.
        (r"{1:SA:=a\}b\#c\~d#fin \} ici}", [("shortanswer", 1.0, [("a}b#c~d", 1.0, "fin } ici")])]),
        ("{1:SA:=l&#39;eau}", [("shortanswer", 1.0, [("l'eau", 1.0, "")])]),
        ("{1:SA:=R&amp;D}", [("shortanswer", 1.0, [("R&D", 1.0, "")])]),
        ("{1:SA:=%33.3%x}", [("shortanswer", 1.0, [("%33.3%x", 1.0, "")])]),
        ("{1:SA:%33,5%x~=y}", [("shortanswer", 1.0, [("x", 0.335, ""), ("y", 1.0, "")])]),
    ],
)
def test_it_reads_each_part(text: str, expected: list) -> None:
    assert parts(text) == expected


def test_it_replaces_parts_by_their_numbers_and_leaves_the_rest() -> None:
    parsed = cloze.parse("A {1:SA:=x} B {2:XX:=y} C {1:MC:=a~b} D {1:SA:=open")
    assert parsed.text == "A {#1} B {2:XX:=y} C {#2} D {1:SA:=open"
    assert [part.source for part in parsed.parts] == ["{1:SA:=x}", "{1:MC:=a~b}"]
    assert not parsed.gave_up


@pytest.mark.parametrize(
    ("code", "single", "shuffle", "layout"),
    [
        ("MC", True, False, "dropdown"),
        ("MULTICHOICE_V", True, False, "vertical"),
        ("MCH", True, False, "horizontal"),
        ("MCS", True, True, "dropdown"),
        ("MULTICHOICE_VS", True, True, "vertical"),
        ("MCHS", True, True, "horizontal"),
        ("MR", False, False, "vertical"),
        ("MULTIRESPONSE_H", False, False, "horizontal"),
        ("MRS", False, True, "vertical"),
        ("MRHS", False, True, "horizontal"),
    ],
)
def test_it_knows_every_multichoice_variant(
    code: str, single: bool, shuffle: bool, layout: str
) -> None:
    (part,) = cloze.parse(f"{{1:{code}:=a~b}}").parts
    assert (part.kind.single, part.kind.shuffle, part.kind.layout) == (single, shuffle, layout)


def test_it_shares_out_the_grades_of_several_right_answers() -> None:
    (plain,) = cloze.parse("{1:MR:=a~=b~c~d}").parts
    # Without grades of their own, each wrong answer takes back one right answer's share.
    assert [a.fraction for a in plain.alternatives] == [0.5, 0.5, -0.5, -0.5]
    (graded,) = cloze.parse("{1:MR:%100%a~%50%b~%-25%c}").parts
    assert [round(a.fraction, 4) for a in graded.alternatives] == [0.6667, 0.3333, -0.25]


def test_it_says_why_moodle_would_refuse_a_question() -> None:
    assert [str(p) for p in cloze.problems(cloze.parse("nothing"))] == [
        "its text holds no embedded answer"
    ]
    assert [str(p) for p in cloze.problems(cloze.parse("{1:NM:=douze} {1:SA:%50%a}"))] == [
        "part 1: the answer 'douze' is not a number",
        "part 2 has no fully right answer",
    ]
    assert cloze.problems(cloze.parse("{1:MR:%50%a~%50%b~c} {1:NM:=*}")) == []


def test_it_reads_a_tangled_text_in_linear_time() -> None:
    # Moodle's regular expression backtracks exponentially on such texts; this reader gives
    # up once it has read a few times the text's length, with what it read so far.
    tangled = "{1:SA:=ok} " + "{1:MC:&}" * 200_000
    parsed = cloze.parse(tangled)
    assert parsed.gave_up
    assert [part.source for part in parsed.parts] == ["{1:SA:=ok}"]
    many = "x {1:SA:=a~b}" * 10_000
    assert len(cloze.parse(many).parts) == 10_000
