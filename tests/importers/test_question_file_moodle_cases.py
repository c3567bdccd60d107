"""The import cases of Moodle's own tests (question/format/gift/tests/giftformat_test.php and
question/format/xml/tests/xmlformat_test.php), with the values Moodle expects, in our model."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartable.importers import questions as q
from cartable.importers.questionfiles import registry

from .questionfile import write


def one(tmp_path: Path, source: str, suffix: str = ".gift") -> q.Question:
    path = tmp_path / f"case{suffix}"
    path.write_text(source, encoding="utf-8")
    (question,) = registry.load(path, tmp_path / "work", name=path.name).bank.questions
    return question


def test_import_essay(tmp_path: Path) -> None:
    found = one(tmp_path, "\n// essay\n::Q8:: How are you? {}")
    assert (found.name, found.text, found.qtype) == ("Q8", "<p>How are you?</p>", "essay")
    assert (found.default_mark, found.penalty) == (1.0, 0.3333333)
    assert isinstance(found.data, q.EssayData)
    assert (found.data.response_format, found.data.response_lines, found.data.attachments) == (
        "editor",
        15,
        0,
    )


def test_import_match(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n// question: 2  name: Moodle activities\n"
        "::Moodle activities::[html]Match the <b>activity</b> to the description.{\n"
        "    =[html]An activity supporting asynchronous discussions. -> Forum\n"
        "    =[moodle]A teacher asks a question and specifies a choice of multiple responses. -> Choice\n"
        "    =[plain]A bank of record entries which participants can add to. -> Database\n"
        "    =[markdown]A collection of web pages that anyone can add to or edit. -> Wiki\n"
        "    = -> Chat\n}",
    )
    assert found.text == "Match the <b>activity</b> to the description."
    assert isinstance(found.data, q.MatchData) and found.data.shuffle
    assert [(p.question, p.answer) for p in found.data.pairs] == [
        ("An activity supporting asynchronous discussions.", "Forum"),
        (
            "<p>A teacher asks a question and specifies a choice of multiple responses.</p>",
            "Choice",
        ),
        ("<p>A bank of record entries which participants can add to.</p>", "Database"),
        ("<p>A collection of web pages that anyone can add to or edit.</p>", "Wiki"),
        ("", "Chat"),
    ]


def test_import_multichoice(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n// multiple choice with specified feedback for right and wrong answers\n"
        "::Q2:: What's between orange and green in the spectrum?\n"
        "{\n    =yellow # right; good!\n    ~red # [html]wrong, it's yellow\n"
        "    ~[plain]blue # wrong, it's yellow\n}",
    )
    assert found.text == "<p>What's between orange and green in the spectrum?</p>"
    assert isinstance(found.data, q.MultichoiceData)
    assert found.data.single and found.data.shuffle
    assert [(a.text, a.fraction, a.feedback) for a in found.data.answers] == [
        ("<p>yellow</p>", 1.0, "<p>right; good!</p>"),
        ("<p>red</p>", 0.0, "wrong, it's yellow"),
        ("<p>blue</p>", 0.0, "<p>wrong, it's yellow</p>"),
    ]


def test_import_multichoice_multi(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n::colours:: What's between orange and green in the spectrum?\n"
        "{\n    ~%50%yellow # right; good!\n    ~%-100%red # [html]wrong\n"
        "    ~%50%off-beige # right; good!\n    ~%-100%[plain]blue # wrong\n}",
    )
    assert isinstance(found.data, q.MultichoiceData) and not found.data.single
    assert [(a.text, a.fraction) for a in found.data.answers] == [
        ("<p>yellow</p>", 0.5),
        ("<p>red</p>", -1.0),
        ("<p>off-beige</p>", 0.5),
        ("<p>blue</p>", -1.0),
    ]


def test_import_numerical(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n// math range question\n::Q5:: What is a number from 1 to 5? {#3:2~#Completely wrong}",
    )
    assert isinstance(found.data, q.NumericalData)
    assert [
        (a.answer.text, a.answer.fraction, a.tolerance, a.answer.feedback)
        for a in found.data.answers
    ] == [("3", 1.0, 2.0, ""), ("*", 0.0, 0.0, "<p>Completely wrong</p>")]


def test_import_shortanswer_with_general_feedback(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n// question: 666  name: Shortanswer\n::Shortanswer::Which is the best animal?{\n"
        "    =Frog#Good!\n    =%50%Cat#What is it with Moodlers and cats?\n"
        "    =%0%*#Completely wrong\n    ####[html]Here is some general feedback!\n}",
    )
    assert found.general_feedback == "Here is some general feedback!"
    assert isinstance(found.data, q.ShortAnswerData)
    assert [(a.text, a.fraction, a.feedback) for a in found.data.answers] == [
        ("Frog", 1.0, "<p>Good!</p>"),
        ("Cat", 0.5, "<p>What is it with Moodlers and cats?</p>"),
        ("*", 0.0, "<p>Completely wrong</p>"),
    ]


@pytest.mark.parametrize(
    ("answers", "correct", "true_feedback", "false_feedback"),
    [
        (
            "FALSE#42 is the Ultimate Answer.#You gave the right answer.",
            False,
            "<p>42 is the Ultimate Answer.</p>",
            "<p>You gave the right answer.</p>",
        ),
        ("T", True, "", ""),
        ("TRUE", True, "", ""),
    ],
)
def test_import_truefalse(
    tmp_path: Path, answers: str, correct: bool, true_feedback: str, false_feedback: str
) -> None:
    found = one(tmp_path, f"// name 0-11\n::2-08 TSL::TSL is blablabla.{{{answers}}}")
    assert found.name == "2-08 TSL" and found.penalty == 1.0
    assert isinstance(found.data, q.TrueFalseData)
    assert found.data.correct is correct
    assert (found.data.true_answer.feedback, found.data.false_answer.feedback) == (
        true_feedback,
        false_feedback,
    )


def test_import_backslash(tmp_path: Path) -> None:
    found = one(tmp_path, "\n// essay\n::double backslash:: A \\\\ B \\\\\\\\ C{}")
    assert found.text == "<p>A \\ B \\\\ C</p>"


def test_import_pre_content(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n::Q001::[html]<p>What would running the test method print?</p>\n<pre>\n"
        "    public void test() \\{\n        method1();\n    \\}\n</pre>\n{}",
    )
    assert found.qtype == "essay"
    # The lines are trimmed, as Moodle reads them (the sanitiser drops the newline that opens
    # a <pre>, as browsers do).
    assert found.text == (
        "<p>What would running the test method print?</p>\n<pre>public void test() {\n"
        "method1();\n}\n</pre>"
    )


def test_import_question_with_an_idnumber(tmp_path: Path) -> None:
    found = one(
        tmp_path,
        "\n// This question is to test importing tags: [tag:tag] [tag:other-tag].\n"
        "// And an idnumber: [id:myid].\n::Question name:: How are you? {}",
    )
    assert (found.name, found.idnumber, found.text) == (
        "Question name",
        "myid",
        "<p>How are you?</p>",
    )


def test_import_multianswer(tmp_path: Path) -> None:
    path = write(
        tmp_path / "cloze.xml",
        '<question type="cloze"><name><text>Simple multianswer</text></name>'
        '<questiontext format="html"><text><![CDATA[Complete this opening line of verse: "The '
        "{1:SHORTANSWER:Dog#Wrong, silly!~=Owl#Well done!~*#Wrong answer} and the "
        "{1:MULTICHOICE:Bow-wow#You seem to have a dog obsessions!~Wiggly worm#Now you are "
        'just being ridiculous!~=Pussy-cat#Well done!} went to sea".]]></text></questiontext>'
        '<generalfeedback format="html"><text>General feedback</text></generalfeedback>'
        "<penalty>0.5</penalty><hidden>0</hidden>"
        '<hint format="html"><text>Hint 1</text></hint><hint format="html"><text>Hint 2</text></hint>'
        "</question>",
    )
    (found,) = registry.load(path, tmp_path / "work", name="cloze.xml").bank.questions
    assert found.text == 'Complete this opening line of verse: "The {#1} and the {#2} went to sea".'
    assert (found.default_mark, found.penalty) == (2.0, 0.5)
    assert found.hints == (q.Hint("Hint 1"), q.Hint("Hint 2"))
    assert isinstance(found.data, q.MultianswerData)
    sa, mc = found.data.subquestions
    assert sa.text == "{1:SHORTANSWER:Dog#Wrong, silly!~=Owl#Well done!~*#Wrong answer}"
    assert sa.data == q.ShortAnswerData(
        case_sensitive=False,
        answers=(
            q.Answer(1, "Dog", 0.0, "Wrong, silly!"),
            q.Answer(2, "Owl", 1.0, "Well done!"),
            q.Answer(3, "*", 0.0, "Wrong answer"),
        ),
    )
    assert isinstance(mc.data, q.MultichoiceData)
    assert mc.data.single and mc.data.numbering == "0"
    assert [(a.text, a.fraction, a.feedback) for a in mc.data.answers] == [
        ("Bow-wow", 0.0, "You seem to have a dog obsessions!"),
        ("Wiggly worm", 0.0, "Now you are just being ridiculous!"),
        ("Pussy-cat", 1.0, "Well done!"),
    ]
    assert (sa.default_mark, mc.default_mark) == (1.0, 1.0)


def test_import_truefalse_from_an_old_file(tmp_path: Path) -> None:
    # Old exports wrote localised answers, true first: the order tells them apart.
    path = write(
        tmp_path / "tf.xml",
        '<question type="truefalse"><name><text>Old</text></name>'
        '<questiontext format="html"><text>The answer is true.</text></questiontext>'
        '<answer fraction="100"><text>Vrai</text><feedback><text>Bien</text></feedback></answer>'
        '<answer fraction="0"><text>Faux</text><feedback><text>Non</text></feedback></answer>'
        "</question>",
    )
    (found,) = registry.load(path, tmp_path / "work", name="tf.xml").bank.questions
    assert isinstance(found.data, q.TrueFalseData)
    assert found.data.correct
    assert (found.data.true_answer.feedback, found.data.false_answer.feedback) == ("Bien", "Non")
