"""Hostile and broken question files: refused with a clear reason, or read without what is
wrong in them; never a crash, never a byte outside the work folder, never unbounded."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from cartable.importers.questionfiles import registry
from cartable.importers.questionfiles.base import QuestionFileError, QuestionFileLimits
from cartable.lib.archive import ArchiveLimits
from cartable.lib.safexml import XmlError

from .questionfile import PNG, answer, embedded, question, quiz, write


def load(tmp_path: Path, source: str | bytes, limits: QuestionFileLimits | None = None, name="f"):
    path = tmp_path / name
    path.write_bytes(source if isinstance(source, bytes) else source.encode("utf-8"))
    return registry.load(path, tmp_path / "work", limits or QuestionFileLimits(), name=name)


def with_picture(name: str, content: bytes = PNG, path: str = "/") -> str:
    return quiz(
        question(
            "description",
            "pic",
            f'<p><img src="@@PLUGINFILE@@{path}{name}"></p>',
            files=embedded(name, content, path=path),
        )
    )


def test_it_refuses_xml_that_declares_entities(tmp_path: Path) -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><quiz>&b;</quiz>'
    )
    with pytest.raises(XmlError) as raised:
        load(tmp_path, bomb)
    assert raised.value.code == "xml_entities"


def test_it_refuses_external_entities(tmp_path: Path) -> None:
    xxe = '<?xml version="1.0"?><!DOCTYPE quiz SYSTEM "file:///etc/passwd"><quiz/>'
    with pytest.raises(XmlError) as raised:
        load(tmp_path, xxe)
    assert raised.value.code == "xml_entities"


def test_it_names_the_line_of_malformed_xml(tmp_path: Path) -> None:
    with pytest.raises(XmlError) as raised:
        load(tmp_path, '<?xml version="1.0"?>\n<quiz>\n<question type="essay">\n</quiz>\n')
    assert raised.value.code == "malformed_xml"
    assert raised.value.line == 4


def test_it_refuses_xml_that_is_no_question_file(tmp_path: Path) -> None:
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, '<?xml version="1.0"?><moodle_backup/>')
    assert raised.value.code == "not_question_file"
    assert str(raised.value.text) == (
        "its XML starts with <moodle_backup>, not <quiz>: it is not a Moodle XML question file"
    )


@pytest.mark.parametrize(
    "content",
    [PNG * 10, b"", b"Bonjour, ceci est un courrier.\n", b"PK\x03\x04\0\0archive", b"{a}\0{b}"],
    ids=["picture", "empty", "plain text", "zip", "nul byte"],
)
def test_it_refuses_what_is_no_question_file(tmp_path: Path, content: bytes) -> None:
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, content)
    assert raised.value.code == "unknown_format"
    assert str(raised.value.text) == (
        "it is not a question file Cartable can read (GIFT, Moodle XML)"
    )


def test_it_refuses_a_file_over_the_limit_before_reading_it(tmp_path: Path) -> None:
    source = quiz(question("description", "d", "<p>" + "x" * 5000 + "</p>"))
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, source, QuestionFileLimits(max_bytes=4096))
    assert raised.value.code == "too_large"
    assert not (tmp_path / "work").exists()


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("../../escape.png", "/"),
        ("a/b.png", "/"),
        ("a\\b.png", "/"),
        ("..", "/"),
        ("x.png", "/../../"),
        ("del\x7f.png", "/"),
        ("x" * 300 + ".png", "/"),
    ],
)
def test_it_refuses_an_embedded_file_whose_name_is_no_file_name(
    tmp_path: Path, name: str, path: str
) -> None:
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, with_picture(name, path=path))
    assert raised.value.code == "unsafe_name"
    assert not (tmp_path / "escape.png").exists()
    written = {p.name for p in (tmp_path / "work").rglob("*") if p.is_file()}
    assert written <= {"1.bin"}


def test_it_keeps_embedded_files_in_their_folders(tmp_path: Path) -> None:
    result = load(tmp_path, with_picture("p.png", path="/img/sub/"))
    (ref,) = result.bank.questions[0].files
    assert (ref.filepath, ref.filename) == ("/img/sub/", "p.png")
    assert ref.blob is not None and ref.blob.parent == tmp_path / "work" / "files"


def test_it_refuses_embedded_files_over_the_limits(tmp_path: Path) -> None:
    small = QuestionFileLimits(files=ArchiveLimits(max_member_size=100))
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, with_picture("big.png", PNG * 10), small)
    assert raised.value.code == "member_too_large"

    two = quiz(
        question(
            "description",
            "pics",
            '<p><img src="@@PLUGINFILE@@/a.png"><img src="@@PLUGINFILE@@/b.png"></p>',
            files=embedded("a.png", PNG * 3) + embedded("b.png", PNG * 3),
        )
    )
    total = QuestionFileLimits(files=ArchiveLimits(max_total_size=len(PNG) * 4))
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, two, total, name="g")
    assert raised.value.code == "total_too_large"
    few = QuestionFileLimits(files=ArchiveLimits(max_members=1))
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, two, few, name="h")
    assert raised.value.code == "too_many_members"


def test_it_leaves_out_a_damaged_or_unknown_embedding_with_a_warning(tmp_path: Path) -> None:
    source = quiz(
        question(
            "description",
            "damaged",
            '<p><img src="@@PLUGINFILE@@/a.png"><img src="@@PLUGINFILE@@/b.png"></p>',
            files='<file name="a.png" path="/" encoding="base64">not*base64!</file>'
            + embedded("b.png", b"raw bytes", encoding="plain"),
        )
    )
    result = load(tmp_path, source)
    (found,) = result.bank.questions
    assert found.files == ()
    assert "cartable-file" not in found.text
    assert [str(w) for w in result.report.warnings] == [
        "question 'damaged': the file 'a.png' is damaged (bad base64): left out",
        "question 'damaged': the file 'b.png' is encoded as 'plain', not base64: left out",
        "question 'damaged': links to a file that the question file does not hold (a.png)",
        "question 'damaged': links to a file that the question file does not hold (b.png)",
    ]


def test_it_reads_base64_split_over_lines_and_without_padding(tmp_path: Path) -> None:
    data = base64.b64encode(PNG + b"xy").decode().rstrip("=")
    lines = "\n".join(data[i : i + 10] for i in range(0, len(data), 10))
    source = quiz(
        question(
            "description",
            "pic",
            '<p><img src="@@PLUGINFILE@@/p.png"></p>',
            files=f'<file name="p.png" path="/" encoding="base64">{lines}</file>',
        )
    )
    (ref,) = load(tmp_path, source).bank.questions[0].files
    assert ref.blob is not None and ref.blob.read_bytes() == PNG + b"xy"


def test_it_reads_garbage_values_as_moodles_defaults(tmp_path: Path) -> None:
    source = quiz(
        question(
            "multichoice",
            "odd",
            "<p>x</p>",
            '<answer fraction="lots">' + "<text>a</text></answer>" + answer("b", "1e999"),
            mark="abc",
            penalty="",
        ),
        question(
            "ddmarker",
            "odd dd",
            "<p>x</p>",
            "<drag><no>1e999</no><text>x</text><noofdrags>-</noofdrags></drag>",
        ),
        '<question type="truefalse"></question>',
        "<question/>",
    )
    result = load(tmp_path, source)
    assert dict(result.report.questions) == {"multichoice": 1, "ddmarker": 1, "truefalse": 1}
    odd = result.bank.questions[0]
    assert odd.default_mark == 1.0 and odd.penalty == pytest.approx(0.3333333)
    assert [str(item.what) for item in result.report.skipped] == ["question 'Question' (?)"]


def test_it_flattens_html_nested_too_deep(tmp_path: Path) -> None:
    deep = "<div>" * 5000 + "fond" + "</div>" * 5000
    result = load(tmp_path, quiz(question("description", "deep", deep)))
    (found,) = result.bank.questions
    assert "fond" in found.text and found.text.count("<div>") <= 100
    assert any("nests more than" in str(w) for w in result.report.warnings)


def test_it_writes_the_same_id_for_the_same_question_whatever_the_file_name(
    tmp_path: Path,
) -> None:
    source = write(tmp_path / "a.xml", question("description", "d", "<p>x</p>"))
    first = registry.load(source, tmp_path / "w1", name="Chapitre.xml")
    second = registry.load(source, tmp_path / "w2", name="Chapitre.xml")
    other = registry.load(source, tmp_path / "w3", name="Autre.xml")
    assert first.bank.questions[0].source_id == second.bank.questions[0].source_id
    # Without a category, a question goes to one named after the file.
    assert first.bank.questions[0].source_id != other.bank.questions[0].source_id


def test_it_refuses_a_file_of_more_questions_than_the_limit(tmp_path: Path) -> None:
    few = QuestionFileLimits(max_questions=3)
    gift = "\n\n".join(f"Q{n} {{=a}}" for n in range(4))
    with pytest.raises(QuestionFileError) as raised:
        load(tmp_path, gift, few)
    assert raised.value.code == "too_many_questions"
    assert str(raised.value.text) == "it holds more than 3 questions"
    # Skipped questions count too: they are read all the same.
    xml = quiz(*(question("coderunner", f"c{n}", "<p>x</p>") for n in range(4)))
    with pytest.raises(QuestionFileError):
        load(tmp_path, xml, few, name="g")
    assert (
        len(load(tmp_path, "\n\n".join(f"Q{n} {{=a}}" for n in range(3)), few, "h").bank.questions)
        == 3
    )


def test_it_says_an_html_page_is_no_question_file(tmp_path: Path) -> None:
    with pytest.raises(XmlError) as raised:
        load(tmp_path, "<!doctype html><html><body><p>Quiz<br></body></html>")
    assert raised.value.code == "malformed_xml"  # HTML is no XML
    with pytest.raises(QuestionFileError) as refused:
        load(tmp_path, "<html><body><p>Quiz</p></body></html>", name="page.html")
    assert refused.value.code == "not_question_file"
