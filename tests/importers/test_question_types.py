"""Every supported question type is read into typed data, from Moodle 3 and Moodle 4+ layouts."""

from __future__ import annotations

import pytest

from cartable.importers import questions as q

from . import questionxml as x
from .builder import Backup


def _bank(layout: str) -> Backup:
    b = Backup(layout=layout)
    b.section(0)
    cat = b.category("Default")
    png = b"\x89PNG fake background"
    b.question(
        cat,
        "multichoice",
        "mc1",
        "<p>Capital of France?</p>",
        x.multichoice(),
        hints='<question_hint id="7"><hint>Think</hint><hintformat>1</hintformat><shownumcorrect>1</shownumcorrect><clearwrong>0</clearwrong><options></options></question_hint>',
    )
    b.question(cat, "multichoice", "mc2", "<p>Pick two</p>", x.multichoice(single=False))
    b.question(cat, "truefalse", "tf", "<p>The sky is green</p>", x.truefalse())
    b.question(cat, "shortanswer", "sa", "<p>Capital?</p>", x.shortanswer())
    b.question(cat, "numerical", "num", "<p>Pi?</p>", x.numerical())
    b.question(cat, "match", "match", "<p>Match</p>", x.match())
    b.question(cat, "essay", "essay", "<p>Discuss</p>", x.essay())
    b.question(cat, "description", "desc", "<p>Read this</p>")
    cloze_id = 9001
    sub1 = b.question(cat, "shortanswer", "sub1", "{1:SA:=Paris}", x.shortanswer(), parent=cloze_id)
    sub2 = b.question(cat, "multichoice", "sub2", "{1:MC:=a~b}", x.multichoice(), parent=cloze_id)
    b.question(
        cat,
        "multianswer",
        "cloze",
        "<p>{#1} is in {#2}</p>",
        x.multianswer(cloze_id, [sub1.question_id, sub2.question_id, 777]),
        question_id=cloze_id,
    )
    b.question(cat, "gapselect", "gs", "<p>The [[1]] sat on the [[2]]</p>", x.gapselect())
    b.question(cat, "ddwtos", "dd", "<p>The [[1]] rises</p>", x.ddwtos())
    b.question(cat, "calculated", "calc", "<p>{a}+{b}?</p>", x.calculated())
    b.question(
        cat, "calculatedsimple", "calcs", "<p>{a}+{b}?</p>", x.calculated("calculatedsimple")
    )
    b.question(cat, "calculatedmulti", "calcm", "<p>{a}+{b}?</p>", x.calculated("calculatedmulti"))
    drag_id = 4242
    dd = b.question(cat, "ddimageortext", "ddi", "<p>Drag</p>", x.ddimageortext(drag_id))
    b.file(
        contextid=b.course_contextid,
        component="qtype_ddimageortext",
        filearea="bgimage",
        itemid=dd.question_id,
        filename="bg.png",
        content=png,
        mimetype="image/png",
    )
    b.file(
        contextid=b.course_contextid,
        component="qtype_ddimageortext",
        filearea="dragimage",
        itemid=drag_id,
        filename="heart.png",
        content=b"heart",
        mimetype="image/png",
    )
    marker = b.question(cat, "ddmarker", "ddm", "<p>Mark</p>", x.ddmarker())
    b.file(
        contextid=b.course_contextid,
        component="qtype_ddmarker",
        filearea="bgimage",
        itemid=marker.question_id,
        filename="map.png",
        content=b"map",
        mimetype="image/png",
    )
    b.question(cat, "randomsamatch", "rsm", "<p>Match random</p>", x.randomsamatch())
    if layout == "moodle3":
        b.question(cat, "random", "Random (Default)", "1")
    return b


@pytest.mark.parametrize(("layout", "flavour"), [("moodle4", "zip"), ("moodle3", "tgz")])
def test_it_reads_every_question_type(import_backup, layout, flavour):
    result = import_backup(_bank(layout), flavour)
    bank = result.course.question_bank
    by_name = {question.name: question for question in bank.questions}
    expected = {
        "multichoice": 2,
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
    }
    if layout == "moodle3":
        expected["random"] = 1
    assert dict(result.report.questions) == expected
    assert result.report.skipped == ()
    assert result.report.warnings == (
        "cloze question 'cloze': 1 of its 3 parts are missing from the backup",
    )

    mc = by_name["mc1"]
    assert isinstance(mc.data, q.MultichoiceData) and mc.data.single
    assert [(a.text, a.fraction, a.feedback) for a in mc.data.answers] == [
        ("<p>Paris</p>", 1.0, "<p>Yes</p>"),
        ("<p>Lyon</p>", 0.0, "<p>No</p>"),
    ]
    assert mc.data.feedback == q.CombinedFeedback(
        "<p>Well done</p>", "<p>Partly</p>", "<p>No</p>", True
    )
    assert mc.hints == (q.Hint(text="Think", show_num_correct=True),)
    assert mc.text == "<p>Capital of France?</p>" and mc.default_mark == 1.0
    assert not by_name["mc2"].data.single  # type: ignore[union-attr]

    tf = by_name["tf"].data
    assert isinstance(tf, q.TrueFalseData) and tf.correct is False

    sa = by_name["sa"].data
    assert isinstance(sa, q.ShortAnswerData) and sa.case_sensitive
    assert [a.text for a in sa.answers] == ["Paris", "*"]

    num = by_name["num"].data
    assert isinstance(num, q.NumericalData)
    assert (num.answers[0].answer.text, num.answers[0].tolerance) == ("3.14", 0.01)
    assert (
        num.units.units == (q.Unit("m", 1.0), q.Unit("cm", 100.0)) and num.units.unit_penalty == 0.2
    )

    match = by_name["match"].data
    assert isinstance(match, q.MatchData)
    assert [(p.question, p.answer) for p in match.pairs] == [
        ("<p>France</p>", "Paris"),
        ("<p>Italy</p>", "Rome"),
        ("", "Oslo"),
    ]

    essay = by_name["essay"].data
    assert isinstance(essay, q.EssayData)
    assert (essay.min_words, essay.max_words, essay.grader_info) == (50, None, "<p>Look for X</p>")
    assert (essay.attachments, essay.file_types, essay.max_bytes) == (1, ".pdf", 2097152)

    assert isinstance(by_name["desc"].data, q.DescriptionData)

    cloze = by_name["cloze"]
    assert isinstance(cloze.data, q.MultianswerData)
    assert [s.name for s in cloze.data.subquestions] == ["sub1", "sub2"]
    assert cloze.data.missing == (777,)
    assert "sub1" not in by_name  # subquestions live inside their cloze question
    assert {s.name for s in bank.walk()} >= {"sub1", "sub2"}

    gs = by_name["gs"].data
    assert isinstance(gs, q.GapData) and [(c.text, c.group) for c in gs.choices] == [
        ("cat", 1),
        ("mat", 2),
    ]
    dd = by_name["dd"].data
    assert (
        isinstance(dd, q.GapData)
        and dd.choices == (q.GapChoice("sun", 2, True),)
        and not dd.shuffle
    )

    calc = by_name["calc"].data
    assert isinstance(calc, q.CalculatedData)
    assert calc.answers[0].answer.text == "{a} + {b}" and calc.answers[0].tolerance == 0.05
    a, b = calc.datasets
    assert (a.name, a.kind, a.distribution, a.minimum, a.maximum, a.decimals) == (
        "a",
        "private",
        "uniform",
        1.0,
        10.0,
        1,
    )
    assert [(i.number, i.value) for i in a.items] == [(1, 3.2), (2, 7.5)]
    assert (b.kind, b.distribution) == ("shared", "loguniform")
    calcm = by_name["calcm"].data
    assert (
        isinstance(calcm, q.CalculatedData)
        and not calcm.single
        and calcm.feedback.correct == "<p>Well done</p>"
    )

    ddi = by_name["ddi"].data
    assert isinstance(ddi, q.DragImageData)
    assert (
        ddi.background is not None
        and ddi.background.blob.read_bytes() == b"\x89PNG fake background"
    )
    assert ddi.drags[0].image is not None and ddi.drags[0].image.filename == "heart.png"
    assert (ddi.drops[0].x, ddi.drops[0].y, ddi.drops[0].choice) == (10, 20, 1)
    assert {f.filename for f in by_name["ddi"].files} == {"bg.png", "heart.png"}

    ddm = by_name["ddm"].data
    assert isinstance(ddm, q.DragMarkerData) and ddm.show_misplaced
    assert ddm.markers == (q.Marker(1, "A", False, 2),) and ddm.zones[0].shape == "circle"

    rsm = by_name["rsm"].data
    assert isinstance(rsm, q.RandomShortAnswerMatchData) and (rsm.choose, rsm.subcategories) == (
        3,
        False,
    )

    if layout == "moodle3":
        random = by_name["Random (Default)"].data
        assert isinstance(random, q.RandomData) and random.include_subcategories
    else:
        assert all(question.bank_entry_id and question.version == 1 for question in bank.questions)


def test_it_reads_moodle4_versions_and_statuses(import_backup):
    b = Backup()
    b.section(0)
    cat = b.category("Versions")
    v1 = b.question(cat, "truefalse", "tf v1", "<p>v1</p>", x.truefalse(), entry_id=300, version=1)
    v2 = b.question(
        cat,
        "truefalse",
        "tf v2",
        "<p>v2</p>",
        x.truefalse(),
        entry_id=300,
        version=2,
        status="draft",
    )
    bank = import_backup(b).course.question_bank
    versions = {(question.bank_entry_id, question.version): question for question in bank.questions}
    assert versions[(300, 1)].source_id == v1.question_id and versions[(300, 1)].status == "ready"
    assert versions[(300, 2)].source_id == v2.question_id and versions[(300, 2)].status == "draft"
    assert [c.name for c in bank.categories] == ["Versions"]
    assert bank.categories[0].context_level == "course"
