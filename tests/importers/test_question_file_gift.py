"""GIFT files read as Moodle reads them: types told from the answers, weights, feedback,
names, categories, escapes, formats; and a file Moodle would refuse is refused with its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartable.importers import questions as q
from cartable.importers.questionfiles import registry
from cartable.importers.questionfiles.base import QuestionFileError, QuestionFileResult

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "gift"


@pytest.fixture
def gift(tmp_path: Path):
    counter = iter(range(1000))

    def run(source: str | bytes, name: str = "quiz.gift") -> QuestionFileResult:
        n = next(counter)
        path = tmp_path / f"file{n}.gift"
        path.write_bytes(source if isinstance(source, bytes) else source.encode("utf-8"))
        return registry.load(path, tmp_path / f"work{n}", name=name)

    return run


def corpus(name: str, tmp_path: Path) -> list[q.Question]:
    path = FIXTURES / name
    return list(registry.load(path, tmp_path / "work", name=path.name).bank.questions)


def answers(question: q.Question) -> list[tuple[str, float, str]]:
    data = question.data
    assert isinstance(data, q.MultichoiceData | q.ShortAnswerData)
    return [(a.text, a.fraction, a.feedback) for a in data.answers]


def numbers(question: q.Question) -> list[tuple[str, float, float]]:
    assert isinstance(question.data, q.NumericalData)
    return [(a.answer.text, a.answer.fraction, a.tolerance) for a in question.data.answers]


def test_it_reads_the_examples_of_moodles_gift_format(tmp_path: Path) -> None:
    mc, missing, tf, sa, num, match, named, weighted, hometown, numerical = corpus(
        "gift_format_php_examples.gift", tmp_path
    )
    assert mc.text == "<p>Who's buried in Grant's tomb?</p>"
    assert answers(mc) == [
        ("<p>Grant</p>", 0.0, ""),
        ("<p>Jefferson</p>", 0.0, ""),
        ("<p>no one</p>", 1.0, ""),
    ]
    assert isinstance(mc.data, q.MultichoiceData) and mc.data.single
    # Text after the answers makes a "missing word" question.
    assert missing.text == "<p>Grant is _____ in Grant's tomb.</p>"
    assert isinstance(tf.data, q.TrueFalseData) and tf.data.correct is False
    assert tf.penalty == 1.0
    assert answers(sa) == [("no one", 1.0, ""), ("nobody", 1.0, "")]
    assert numbers(num) == [("1822", 1.0, 5.0)]
    assert isinstance(match.data, q.MatchData)
    assert [(p.question, p.answer) for p in match.data.pairs] == [
        ("<p>Canada</p>", "Ottawa"),
        ("<p>Italy</p>", "Rome"),
        ("<p>Japan</p>", "Tokyo"),
    ]
    assert (
        match.text == "<p>Match the following countries with their corresponding<br>capitals.</p>"
    )
    assert named.name == "Grant's Tomb"
    assert answers(named)[1] == ("<p>entombed</p>", 1.0, "<p>Right answer!</p>")
    assert [a[1] for a in answers(weighted)] == [0.0, 0.5, 1.0]
    assert hometown.qtype == "shortanswer" and hometown.name == "Jesus' hometown (Short answer ex.)"
    assert [a[:2] for a in answers(hometown)] == [
        ("Nazareth", 1.0),
        ("Nazereth", 0.75),
        ("Bethlehem", 0.25),
    ]
    assert numbers(numerical) == [("1822", 1.0, 0.0), ("1822", 0.5, 2.0)]
    assert isinstance(numerical.data, q.NumericalData)
    assert numerical.data.answers[1].answer.feedback == (
        "<p>He was born in 1822.<br>You get 50% credit for being close.</p>"
    )
    # Unnamed questions are named after their text, as Moodle does.
    assert mc.name == "Who's buried in Grant's tomb?"
    assert all(question.default_mark == 1.0 for question in (mc, tf, num))


def test_it_reads_weights_several_answers_and_escapes(tmp_path: Path) -> None:
    found = corpus("gift_options_docs_examples.gift", tmp_path)
    several, negative = found[10], found[11]
    assert isinstance(several.data, q.MultichoiceData) and not several.data.single
    assert [a[1] for a in answers(several)] == [0.0, 0.5, 0.5, 0.0]
    assert [a[1] for a in answers(negative)] == [-0.5, 0.5, 0.5, -0.5]
    equals = found[12]
    assert answers(equals) == [
        ("<p>= 2 + 2</p>", 0.0, ""),
        ("<p>= 2 + 3</p>", 1.0, ""),
        ("<p>= 2 + 4</p>", 0.0, ""),
    ]
    control = found[13]
    assert [a[0] for a in answers(control)] == [
        "<p>~</p>",
        "<p>=</p>",
        "<p>#</p>",
        "<p>{</p>",
        "<p>}</p>",
        "<p>\\</p>",
    ]
    assert answers(control)[5][1] == 1.0
    assert answers(control)[5][2].startswith("<p>Correct! \\ (backslash) is not a control")
    # [markdown]: rendered, as Moodle's Markdown format is.
    assert found[5].text == "<p>Who's buried in <strong>Grant's tomb</strong>?</p>"
    assert found[1].text == "<p>Japanese characters originally<br>came from what country?</p>"
    # A comment line in a question's paragraph is dropped.
    assert found[0].name == "What's 2 plus 2?" and numbers(found[0]) == [("4", 1.0, 0.0)]


def test_it_reads_numerical_ranges_and_margins(tmp_path: Path) -> None:
    found = corpus("gift_numerical_variants.gift", tmp_path)
    assert [numbers(question) for question in found[:8]] == [
        [("1822", 1.0, 0.0)],
        [("-1", 1.0, 0.0)],
        [("3.1415", 1.0, 0.0005)],
        [("-3.142", 1.0, 0.001)],
        [("3.1415", 1.0, 0.00050000000000017)],  # (min + max) / 2, as Moodle stores it
        [("-3.1415", 1.0, 0.00049999999999972)],
        [("3", 1.0, 2.0)],
        [("0", 1.0, 5.0)],
    ]
    assert found[2].text == "<p>What is the value of pi (to 3 decimal places)? _____.</p>"
    grasp = found[9]
    assert grasp.name == "Combien de principes GRASP y a-t-il?"
    assert [n[:2] for n in numbers(grasp)] == [("5", 0.0), ("9", 1.0), ("23", 0.0)]
    assert isinstance(grasp.data, q.NumericalData)
    # [html] with escaped = and : in its attributes; the link to outside stays an address.
    feedback = grasp.data.answers[2].answer.feedback
    assert 'href="http://fr.wikipedia.org/wiki/Design_Patterns"' in feedback
    assert 'title="Gang des quatre"' in feedback
    assert grasp.external_links == ("http://fr.wikipedia.org/wiki/Design_Patterns",)


def test_it_files_questions_under_category_lines(gift) -> None:
    result = gift(
        "Avant {=oui}\n\n"
        "$CATEGORY: $course$/Chapitre 1/Partie A\n\n"
        "// commentaire\n::Q1:: Dans A {=oui}\n\n"
        "$CATEGORY: Chapitre 2\n\n"
        "::Q2:: Dans 2 {=oui}\n",
        name="révisions.txt",
    )
    cats = {c.source_id: c for c in result.bank.categories}
    assert [(c.name, cats[c.parent_id].name if c.parent_id else None) for c in cats.values()] == [
        ("révisions", None),
        ("Chapitre 1", None),
        ("Partie A", "Chapitre 1"),
        ("Chapitre 2", None),
    ]
    placed = {question.name: cats[question.category_id].name for question in result.bank.questions}
    assert placed == {"Avant": "révisions", "Q1": "Partie A", "Q2": "Chapitre 2"}


def test_it_tells_essays_descriptions_and_general_feedback(gift) -> None:
    result = gift(
        "::Essai:: Racontez vos vacances. {}\n\n"
        "::Lecture:: Lisez le texte suivant attentivement.\n\n"
        "::Général:: Capitale ? {=Paris####Paris est la capitale depuis longtemps.}\n\n"
        "::Vrai:: Le ciel est bleu. {T#Non…#Oui !}\n"
    )
    essay, description, general, true = result.bank.questions
    assert essay.qtype == "essay" and isinstance(essay.data, q.EssayData)
    assert description.qtype == "description" and description.default_mark == 0.0
    assert description.text == "<p>Lisez le texte suivant attentivement.</p>"
    assert general.general_feedback == "<p>Paris est la capitale depuis longtemps.</p>"
    assert answers(general) == [("Paris", 1.0, "")]
    assert isinstance(true.data, q.TrueFalseData) and true.data.correct
    assert true.data.true_answer.feedback == "<p>Oui !</p>"  # right answer's feedback
    assert true.data.false_answer.feedback == "<p>Non…</p>"


def test_it_reads_formats_and_windows_and_mac_files(gift) -> None:
    result = gift(
        b"\xef\xbb\xbf[html]<p>Choisir <b>A</b></p>{=A ~B}\r\n\r\n[plain]<b>1<2</b>{=x}\r"
    )
    html, plain = result.bank.questions
    assert html.text == "<p>Choisir <b>A</b></p>"
    assert answers(html)[0] == ("A", 1.0, "")
    assert plain.text == "<p>&lt;b&gt;1&lt;2&lt;/b&gt;</p>"
    assert result.report.warnings == ()
    legacy = gift("::Été:: Où ? {=Genève ~Zürich}".encode("cp1252"))
    assert legacy.bank.questions[0].name == "Été"
    assert [str(w) for w in legacy.report.warnings] == [
        "the file is not UTF-8 text: it was read as Windows-1252"
    ]


def test_it_keeps_scripts_out_and_reports_them(gift) -> None:
    result = gift('[html]<p onclick="x()">Q</p><script>steal()</script>{=a ~b}')
    (question,) = result.bank.questions
    assert "script" not in question.text and "onclick" not in question.text
    assert {f.kind for f in question.findings} == {"script"}


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("Bonjour\n\nQuestion {=a ~b\n", "line 3: the answers must sit between “{” and “}”"),
        ("Q } et {=a}", "line 1: the answers must sit between “{” and “}”"),
        ("\n\nQ {~seule}", "line 3: a multiple-choice question needs at least two choices"),
        (
            "Q {=a->1 =b}",
            "line 1: each pair of a matching question is written “question -> answer”",
        ),
        ("Q {=a->1}", "line 1: a matching question needs at least two pairs"),
        ("Q {#douze}", "line 1: “douze” is not a number"),
        ("Q {#12:beaucoup}", "line 1: “beaucoup” is not a number"),
        ("Q {#}", "line 1: a numerical question needs an answer"),
        ("Q {=#rien}", "line 1: a short-answer question needs an answer"),
        (
            "A {=x\n\nB {~y}\n\nC {#z}",
            "line 1: the answers must sit between “{” and “}” (and 2 more problems)",
        ),
    ],
)
def test_it_refuses_what_moodle_refuses_naming_the_line(gift, source: str, message: str) -> None:
    with pytest.raises(QuestionFileError) as raised:
        gift(source)
    assert raised.value.code == "gift_syntax"
    assert str(raised.value.text) == message
    assert raised.value.text.template in (
        "line %(line)d: %(problem)s",
        "%(problem)s (and %(count)d more problems)",
    )
