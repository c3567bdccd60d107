"""Moodle XML question files read into the question bank a course backup gives: every type,
its categories, its embedded pictures, what it skips and what its texts hold."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cartable.importers import questions as q
from cartable.importers.questionfiles import registry
from cartable.importers.questionfiles.base import QuestionFileResult
from cartable.lib.risks import Finding

from .questionfile import (
    COMBINED,
    PNG,
    answer,
    category,
    embedded,
    field,
    question,
    text,
    write,
)


@pytest.fixture
def load(tmp_path: Path):
    counter = iter(range(1000))

    def run(*questions: str, name: str = "banque.xml") -> QuestionFileResult:
        n = next(counter)
        path = write(tmp_path / f"file{n}.xml", *questions)
        return registry.load(path, tmp_path / f"work{n}", name=name)

    return run


def by_name(result: QuestionFileResult) -> dict[str, q.Question]:
    return {question.name: question for question in result.bank.questions}


EVERY_TYPE = (
    question(
        "multichoice",
        "mc",
        "<p>Capital of France?</p>",
        "<single>true</single><shuffleanswers>true</shuffleanswers>"
        "<answernumbering>ABCD</answernumbering><showstandardinstruction>0</showstandardinstruction>"
        + COMBINED
        + answer("<p>Paris</p>", "100", "<p>Yes</p>")
        + answer("<p>Lyon</p>", "-33.33333", "<p>No</p>")
        + field("hint", "Think of the Seine")
        + "<hint format='html'><text>Again</text><shownumcorrect/><clearwrong/></hint>",
    ),
    question(
        "truefalse",
        "tf",
        "<p>The earth is flat.</p>",
        answer("true", "0", "Not at all") + answer("false", "100", "Right"),
        penalty="1.0000000",
    ),
    question(
        "shortanswer",
        "sa",
        "<p>Capital?</p>",
        "<usecase>1</usecase>" + answer("Paris", "100") + answer("*", "0", "Try again"),
    ),
    question(
        "numerical",
        "num",
        "<p>Speed?</p>",
        answer("42", "100", extra="<tolerance>0.5</tolerance>")
        + answer("*", "0", extra="<tolerance>0</tolerance>")
        + "<units><unit><multiplier>1</multiplier><unit_name>m/s</unit_name></unit>"
        "<unit><multiplier>3.6</multiplier><unit_name>km/h</unit_name></unit></units>"
        "<unitgradingtype>1</unitgradingtype><unitpenalty>0.2</unitpenalty>"
        "<showunits>1</showunits><unitsleft>0</unitsleft>",
    ),
    question(
        "matching",
        "match",
        "<p>Match</p>",
        "<shuffleanswers>false</shuffleanswers>"
        + COMBINED
        + f'<subquestion format="html">{text("<p>Canada</p>")}<answer>{text("Ottawa")}</answer></subquestion>'
        + f'<subquestion format="html">{text("")}<answer>{text("Lima")}</answer></subquestion>',
    ),
    question(
        "essay",
        "essay",
        "<p>Discuss</p>",
        "<responseformat>plain</responseformat><responserequired>0</responserequired>"
        "<responsefieldlines>5</responsefieldlines><minwordlimit>50</minwordlimit>"
        "<maxwordlimit>0</maxwordlimit><attachments>1</attachments>"
        "<attachmentsrequired>0</attachmentsrequired><filetypeslist>.pdf</filetypeslist>"
        "<maxbytes>1048576</maxbytes>"
        + field("graderinfo", "<p>Look for structure</p>")
        + field("responsetemplate", "Dear…"),
    ),
    question("description", "desc", "<p>Read this</p>", mark="2.0000000"),
    question(
        "cloze",
        "cloze",
        "<p>{1:SHORTANSWER:=Paris#Yes~*#No} is in {2:MC:France~=Europe#Right~Asia}, "
        "{:NUMERICAL:=3.14:0.01}</p>",
        field("hint", "Look at a map"),
    ),
    question(
        "gapselect",
        "gs",
        "<p>The [[1]] sat on the [[2]]</p>",
        "<shuffleanswers>0</shuffleanswers>"
        + COMBINED
        + f"<selectoption>{text('cat')}<group>1</group></selectoption>"
        + f"<selectoption>{text('mat')}<group>2</group></selectoption>",
    ),
    question(
        "ddwtos",
        "dd",
        "<p>The [[1]] rises</p>",
        "<shuffleanswers>1</shuffleanswers>"
        + COMBINED
        + f"<dragbox>{text('sun')}<group>2</group><infinite/></dragbox>",
    ),
    question(
        "calculated",
        "calc",
        "<p>{a} + {b}?</p>",
        "<synchronize>1</synchronize><single>0</single>"
        + answer(
            "{a} + {b}",
            "100",
            extra="<tolerance>0.01</tolerance><tolerancetype>2</tolerancetype>"
            "<correctanswerformat>2</correctanswerformat><correctanswerlength>3</correctanswerlength>",
        )
        + "<dataset_definitions><dataset_definition>"
        "<status><text>shared</text></status><name><text>a</text></name><type>calculated</type>"
        "<distribution><text>loguniform</text></distribution><minimum><text>1</text></minimum>"
        "<maximum><text>9</text></maximum><decimals><text>2</text></decimals>"
        "<itemcount>2</itemcount><dataset_items>"
        "<dataset_item><number>2</number><value>7.5</value></dataset_item>"
        "<dataset_item><number>1</number><value>3</value></dataset_item>"
        "</dataset_items></dataset_definition></dataset_definitions>",
    ),
    question(
        "calculatedsimple",
        "calcs",
        "<p>{a}?</p>",
        answer("{a}", "100", extra="<tolerance>0.1</tolerance>"),
    ),
    question(
        "calculatedmulti",
        "calcm",
        "<p>{a}?</p>",
        "<single>1</single><shuffleanswers>1</shuffleanswers>"
        + COMBINED
        + answer("{={a}*2}", "100", extra="<tolerance>0.01</tolerance>")
        + answer("{={a}*3}", "0", extra="<tolerance>0.01</tolerance>"),
    ),
    question(
        "ddimageortext",
        "ddi",
        "<p>Drag</p>",
        "<shuffleanswers/>"
        + COMBINED
        + embedded("bg.png", PNG)
        + "<drag><no>2</no>"
        + text("heart")
        + "<draggroup>1</draggroup><infinite/>"
        + embedded("heart.png", PNG + b"heart")
        + "</drag>"
        + "<drop>"
        + text("left")
        + "<no>1</no><choice>2</choice><xleft>10</xleft><ytop>20</ytop></drop>",
    ),
    question(
        "ddmarker",
        "ddm",
        "<p>Mark</p>",
        "<showmisplaced/>"
        + COMBINED
        + embedded("map.png", PNG + b"map")
        + "<drag><no>1</no>"
        + text("Paris")
        + "<noofdrags>2</noofdrags></drag>"
        + "<drop><no>1</no><shape>circle</shape><coords>10,10;5</coords><choice>1</choice></drop>",
    ),
    question(
        "randomsamatch",
        "rsa",
        "<p>Match</p>",
        COMBINED + "<choose>3</choose><subcats>0</subcats>",
    ),
    question("random", "rand", "1"),
)


def test_it_reads_every_core_type_into_the_backup_dataclasses(load) -> None:
    result = load(*EVERY_TYPE)
    assert dict(result.report.questions) == {
        "multichoice": 1,
        "truefalse": 1,
        "shortanswer": 1,
        "numerical": 1,
        "match": 1,
        "essay": 1,
        "description": 1,
        "multianswer": 1,
        "gapselect": 1,
        "ddwtos": 1,
        "calculated": 1,
        "calculatedsimple": 1,
        "calculatedmulti": 1,
        "ddimageortext": 1,
        "ddmarker": 1,
        "randomsamatch": 1,
        "random": 1,
    }
    assert result.report.skipped == ()
    assert result.report.warnings == ()
    found = by_name(result)

    mc = found["mc"]
    assert mc.text == "<p>Capital of France?</p>"
    assert mc.data == q.MultichoiceData(
        single=True,
        shuffle=True,
        numbering="ABCD",
        answers=(
            q.Answer(1, "<p>Paris</p>", 1.0, "<p>Yes</p>"),
            q.Answer(2, "<p>Lyon</p>", pytest.approx(-0.3333333), "<p>No</p>"),
        ),
        feedback=q.CombinedFeedback("Well done", "Partly", "No", True),
        show_standard_instruction=False,
    )
    assert mc.hints == (
        q.Hint("Think of the Seine"),
        q.Hint("Again", show_num_correct=True, clear_wrong=True),
    )
    assert (mc.default_mark, mc.penalty, mc.status) == (1.0, 0.3333333, "ready")

    tf = found["tf"]
    assert isinstance(tf.data, q.TrueFalseData)
    assert tf.data.correct is False
    assert (tf.data.true_answer.feedback, tf.data.false_answer.feedback) == (
        "Not at all",
        "Right",
    )
    assert tf.penalty == 1.0

    assert found["sa"].data == q.ShortAnswerData(
        case_sensitive=True,
        answers=(q.Answer(1, "Paris", 1.0, ""), q.Answer(2, "*", 0.0, "Try again")),
    )

    num = found["num"].data
    assert isinstance(num, q.NumericalData)
    assert [(a.answer.text, a.answer.fraction, a.tolerance) for a in num.answers] == [
        ("42", 1.0, 0.5),
        ("*", 0.0, 0.0),
    ]
    assert num.units == q.UnitOptions(
        units=(q.Unit("m/s", 1.0), q.Unit("km/h", 3.6)),
        show_units=1,
        units_left=False,
        unit_grading=1,
        unit_penalty=0.2,
    )

    match = found["match"].data
    assert isinstance(match, q.MatchData) and not match.shuffle
    assert match.pairs == (q.MatchPair(1, "<p>Canada</p>", "Ottawa"), q.MatchPair(2, "", "Lima"))

    assert found["essay"].data == q.EssayData(
        response_format="plain",
        response_required=False,
        response_lines=5,
        attachments=1,
        attachments_required=0,
        grader_info="<p>Look for structure</p>",
        response_template="Dear…",
        min_words=50,
        max_words=None,
        file_types=".pdf",
        max_bytes=1048576,
    )
    assert found["desc"].default_mark == 0.0  # a description is worth nothing, as in Moodle

    gs = found["gs"].data
    assert gs == q.GapData(
        shuffle=False,
        choices=(q.GapChoice("cat", 1), q.GapChoice("mat", 2)),
        feedback=q.CombinedFeedback("Well done", "Partly", "No", True),
    )
    assert found["dd"].data.choices == (q.GapChoice("sun", 2, infinite=True),)  # type: ignore[union-attr]

    calc = found["calc"].data
    assert isinstance(calc, q.CalculatedData)
    assert calc.synchronize and not calc.single
    assert calc.answers == (
        q.CalculatedAnswer(
            answer=q.Answer(1, "{a} + {b}", 1.0, ""),
            tolerance=0.01,
            tolerance_type=2,
            correct_answer_length=3,
            correct_answer_format=2,
        ),
    )
    assert calc.datasets == (
        q.Dataset(
            name="a",
            kind="shared",
            distribution="loguniform",
            minimum=1.0,
            maximum=9.0,
            decimals=2,
            items=(q.DatasetItem(1, 3.0), q.DatasetItem(2, 7.5)),
        ),
    )
    assert calc.feedback == q.CombinedFeedback()
    calcm = found["calcm"].data
    assert isinstance(calcm, q.CalculatedData)
    assert [a.answer.text for a in calcm.answers] == ["{={a}*2}", "{={a}*3}"]
    assert calcm.feedback == q.CombinedFeedback("Well done", "Partly", "No", False)

    rsa = found["rsa"].data
    assert rsa == q.RandomShortAnswerMatchData(
        choose=3,
        subcategories=False,
        shuffle=True,
        feedback=q.CombinedFeedback("Well done", "Partly", "No", True),
    )
    assert found["rand"].data == q.RandomData(include_subcategories=True)
    assert found["rand"].text == ""


def test_it_reads_a_cloze_question_into_its_parts(load) -> None:
    cloze = by_name(load(*EVERY_TYPE))["cloze"]
    assert cloze.qtype == "multianswer"
    assert cloze.text == "<p>{#1} is in {#2}, {#3}</p>"
    assert cloze.default_mark == 4.0  # 1 + 2 + 1: the parts' marks, as Moodle sums them
    assert cloze.hints == (q.Hint("Look at a map"),)
    assert isinstance(cloze.data, q.MultianswerData)
    sa, mc, num = cloze.data.subquestions
    assert (sa.qtype, mc.qtype, num.qtype) == ("shortanswer", "multichoice", "numerical")
    assert {part.parent_id for part in cloze.data.subquestions} == {cloze.source_id}
    assert all(part.category_id == cloze.category_id for part in cloze.data.subquestions)
    assert sa.text == "{1:SHORTANSWER:=Paris#Yes~*#No}"
    assert sa.data == q.ShortAnswerData(
        case_sensitive=False,
        answers=(q.Answer(1, "Paris", 1.0, "Yes"), q.Answer(2, "*", 0.0, "No")),
    )
    assert isinstance(mc.data, q.MultichoiceData)
    assert mc.data.single and not mc.data.shuffle
    assert [(a.text, a.fraction, a.feedback) for a in mc.data.answers] == [
        ("France", 0.0, ""),
        ("Europe", 1.0, "Right"),
        ("Asia", 0.0, ""),
    ]
    assert isinstance(num.data, q.NumericalData)
    assert [(a.answer.text, a.tolerance) for a in num.data.answers] == [("3.14", 0.01)]


def test_it_links_the_pictures_each_field_embeds_and_no_other(load) -> None:
    sha = hashlib.sha256(PNG).hexdigest()
    result = load(
        question(
            "multichoice",
            "mc",
            '<p><img src="@@PLUGINFILE@@/pics/a%20b.png" alt="pic"></p>',
            answer("<p>A</p>", "100", '<p><img src="@@PLUGINFILE@@/pics/a%20b.png"></p>')
            + answer("<p>B</p>", "0"),
            files=embedded("a b.png", PNG, path="/pics/"),
        )
    )
    mc = result.bank.questions[0]
    assert mc.text == f'<p><img src="cartable-file:{sha}/a%20b.png" alt="pic"></p>'
    (ref,) = mc.files
    assert (ref.sha256, ref.size, ref.filename, ref.filepath) == (
        sha,
        len(PNG),
        "a b.png",
        "/pics/",
    )
    assert ref.mimetype == "image/png" and ref.component == "qformat_xml"
    assert ref.blob is not None and ref.blob.read_bytes() == PNG
    # The feedback embeds no picture of its own: its link leads nowhere, as in Moodle.
    assert isinstance(mc.data, q.MultichoiceData)
    assert "cartable-file" not in mc.data.answers[0].feedback
    assert [str(w) for w in result.report.warnings] == [
        "question 'mc': links to a file that the question file does not hold (pics/a%20b.png)"
    ]
    assert (result.report.files.records, result.report.files.bytes) == (1, len(PNG))


def test_it_keeps_only_the_course_addresses_it_wrote_itself(load) -> None:
    other = "a" * 64
    result = load(
        question(
            "description",
            "forged",
            f'<p><a href="cartable-file:{other}/secret.pdf">file</a>'
            f'<a href="cartable-activity:quiz-1">quiz</a> <a href="/admin/">box</a></p>',
        )
    )
    (found,) = result.bank.questions
    assert "cartable-file" not in found.text
    assert "cartable-activity" not in found.text
    assert "/admin/" not in found.text
    assert {f.kind for f in found.findings} == {"dropped_address"}


def test_it_reports_what_the_texts_hold_before_cleaning_them(load) -> None:
    result = load(
        question(
            "shortanswer",
            "risky",
            '<p>Write to prof@univ.fr, see <a href="https://example.org/x">this</a>'
            '<script>alert(1)</script><iframe src="https://evil.example"></iframe></p>',
            answer("x", "100"),
            general='<p><img src="https://cdn.example/p.png"></p>',
        )
    )
    (found,) = result.bank.questions
    assert "<script" not in found.text and "<iframe" not in found.text
    assert set(found.findings) >= {
        Finding("email", "prof@univ.fr"),
        Finding("external_link", "https://example.org/x"),
        Finding("script", "<script>"),
        Finding("external_media", "https://cdn.example/p.png"),
    }
    assert any(f.kind == "frame" for f in found.findings)
    # The frame's address is now shown as a note (media on the Internet), and so listed too.
    assert found.external_links == (
        "https://evil.example/",
        "https://example.org/x",
        "https://cdn.example/p.png",
    )
    assert result.report.external_links == 3


def test_it_files_questions_in_their_categories(load) -> None:
    result = load(
        question("description", "before any category", "<p>x</p>"),
        category("$course$/top/Unit 1", info="<p>About unit 1</p>", idnumber="U1"),
        question("description", "in unit 1", "<p>x</p>"),
        category("$course$/top/Unit 1/Input//Output"),
        question("description", "in io", "<p>x</p>"),
        category("$system$/Shared"),
        question("description", "shared", "<p>x</p>"),
        name="Révisions.xml",
    )
    cats = {c.source_id: c for c in result.bank.categories}
    path = {}
    for c in result.bank.categories:
        names, parent = [c.name], c.parent_id
        while parent is not None:
            names.insert(0, cats[parent].name)
            parent = cats[parent].parent_id
        path[c.source_id] = "/".join(names)
    found = {question.name: path[question.category_id] for question in result.bank.questions}
    assert found == {
        "before any category": "Révisions",
        "in unit 1": "top/Unit 1",
        "in io": "top/Unit 1/Input/Output",
        "shared": "Shared",
    }
    unit = next(c for c in result.bank.categories if c.name == "Unit 1")
    assert (unit.info, unit.idnumber, unit.context_level) == ("<p>About unit 1</p>", "U1", "course")
    assert next(c for c in result.bank.categories if c.name == "Shared").context_level == "system"
    assert result.report.categories == 5  # Révisions, top, Unit 1, Input/Output, Shared


def test_it_marks_hidden_questions_and_fixes_old_rounding(load) -> None:
    result = load(
        question("shortanswer", "hidden", "<p>x</p>", answer("a", "100"), hidden="1"),
        question("shortanswer", "old", "<p>x</p>", answer("a", "100"), penalty="0.33"),
    )
    found = by_name(result)
    assert found["hidden"].status == "hidden"
    assert found["old"].penalty == 0.3333333


def test_it_lists_unknown_types_with_what_their_text_held(load) -> None:
    result = load(
        question("coderunner", "Write a function", '<p><a href="https://pypi.org">pip</a></p>'),
        question("multichoice", "kept", "<p>x</p>", answer("a", "100") + answer("b", "0")),
        question("", "no type", "<p>x</p>"),
    )
    assert dict(result.report.questions) == {"multichoice": 1}
    first, second = result.report.skipped
    assert (first.kind, first.key, str(first.what), str(first.reason)) == (
        "question",
        "coderunner-1",
        "question 'Write a function' (coderunner)",
        "the question type 'coderunner' is not one Cartable supports",
    )
    assert first.reason.template == "the question type '%(qtype)s' is not one Cartable supports"
    assert first.findings == (Finding("external_link", "https://pypi.org/"),)
    assert second.key == "?-3"


def test_it_skips_a_cloze_question_moodle_would_refuse(load) -> None:
    result = load(
        question("cloze", "no parts", "<p>Nothing to fill</p>"),
        question("cloze", "one choice", "<p>{1:MC:=only}</p>"),
        question("cloze", "no right answer", "<p>{1:SA:%50%half~wrong}</p>"),
        question("cloze", "fine", "<p>{1:SA:=yes}</p>"),
    )
    assert dict(result.report.questions) == {"multianswer": 1}
    assert [str(item.reason) for item in result.report.skipped] == [
        "Moodle would refuse this cloze question: its text holds no embedded answer",
        "Moodle would refuse this cloze question: part 1 has fewer than two choices",
        "Moodle would refuse this cloze question: part 1 has no fully right answer",
    ]


def test_it_reads_the_pictures_of_drag_and_drop_questions(load) -> None:
    found = by_name(load(*EVERY_TYPE))
    ddi = found["ddi"]
    assert isinstance(ddi.data, q.DragImageData)
    assert ddi.data.background is not None and ddi.data.background.filename == "bg.png"
    (drag,) = ddi.data.drags
    assert (drag.number, drag.group, drag.infinite, drag.text) == (2, 1, True, "heart")
    assert drag.image is not None and drag.image.filename == "heart.png"
    assert ddi.data.drops == (q.DropZone(number=1, x=10, y=20, choice=2, label="left"),)
    assert ddi.data.shuffle
    assert {ref.filename for ref in ddi.files} == {"bg.png", "heart.png"}
    ddm = found["ddm"]
    assert isinstance(ddm.data, q.DragMarkerData)
    assert ddm.data.background is not None and ddm.data.background.filename == "map.png"
    assert ddm.data.markers == (q.Marker(number=1, label="Paris", infinite=False, count=2),)
    assert ddm.data.zones == (q.MarkerZone(1, "circle", "10,10;5", 1),)
    assert ddm.data.show_misplaced and not ddm.data.shuffle


def test_it_gives_a_question_the_same_id_on_each_import_and_a_new_one_when_renamed(load) -> None:
    first = load(category("$course$/A"), question("description", "one", "<p>x</p>"))
    again = load(category("$course$/A"), question("description", "one", "<p>changed</p>"))
    renamed = load(category("$course$/A"), question("description", "two", "<p>x</p>"))
    moved = load(category("$course$/B"), question("description", "one", "<p>x</p>"))
    ids = [r.bank.questions[0].source_id for r in (first, again, renamed, moved)]
    assert ids[0] == ids[1]
    assert len(set(ids[1:])) == 3


def test_it_tells_apart_questions_of_one_name_and_uses_id_numbers(load) -> None:
    result = load(
        question("description", "Q", "<p>1</p>"),
        question("description", "Q", "<p>2</p>"),
        question("description", "Q", "<p>3</p>", idnumber="third"),
    )
    ids = [question.source_id for question in result.bank.questions]
    assert len(set(ids)) == 3
    reordered = load(
        question("description", "Q", "<p>3</p>", idnumber="third"),
        question("description", "Q", "<p>1</p>"),
    )
    assert reordered.bank.questions[0].source_id == ids[2]
    assert reordered.bank.questions[1].source_id == ids[0]
