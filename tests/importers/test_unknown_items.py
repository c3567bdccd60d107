"""Modules and question types Cartable does not know are skipped with a reason, never a crash."""

from __future__ import annotations

from . import questionxml as x
from .builder import Backup, fields


def test_it_skips_unknown_modules_and_question_types(import_backup):
    b = Backup()
    s0 = b.section(0)
    b.activity(
        "page",
        fields(intro="", introformat=1, content="<p>ok</p>", contentformat=1),
        title="Kept",
        section=s0,
    )
    wiki = b.activity("wiki", fields(intro="", introformat=1), title="A wiki", section=s0)
    plugin = b.activity("studentquiz", fields(intro="", introformat=1), title="Plugin", section=s0)
    cat = b.category("Default")
    b.question(cat, "truefalse", "tf", "<p>ok</p>", x.truefalse())
    runner = b.question(cat, "coderunner", "code", "<p>Write code</p>", "<coderunner_options/>")
    result = import_backup(b)
    report = result.report
    assert report.activities == {"page": 1}
    assert report.questions == {"truefalse": 1}
    skipped = {(s.kind, s.key): s for s in report.skipped}
    assert set(skipped) == {
        ("activity", f"wiki-{wiki.module_id}"),
        ("activity", f"studentquiz-{plugin.module_id}"),
        ("question", f"coderunner-{runner.question_id}"),
    }
    assert (
        "'studentquiz' is not one Cartable supports"
        in skipped[("activity", f"studentquiz-{plugin.module_id}")].reason
    )
    assert "'coderunner'" in skipped[("question", f"coderunner-{runner.question_id}")].reason
    assert result.course.sections[0].activity_keys == (result.course.activities[0].source_key,)
    assert report.to_json()["skipped"][0]["what"] == "activity 'A wiki' (wiki)"


def test_it_skips_an_activity_the_backup_left_out(import_backup):
    b = Backup()
    s0 = b.section(0)
    b.activity("page", "", title="Listed but absent", section=s0, write_files=False)
    result = import_backup(b)
    assert result.course.activities == ()
    [skipped] = result.report.skipped
    assert skipped.reason == "the backup does not include it"


def test_it_refuses_a_module_name_unfit_for_a_path(import_backup):
    b = Backup()
    s0 = b.section(0)
    b.activity("../etc", "", title="Evil", section=s0, write_files=False)
    result = import_backup(b)
    [skipped] = result.report.skipped
    assert "not a valid Moodle name" in skipped.reason


def test_it_warns_when_a_quiz_uses_skipped_questions(import_backup):
    b = Backup(layout="moodle3")
    s0 = b.section(0)
    cat = b.category("Default")
    runner = b.question(cat, "coderunner", "code", "<p>x</p>")
    slots = (
        "<question_instances><question_instance id='1'>"
        + fields(
            slot=1, page=1, requireprevious=0, questionid=runner.question_id, maxmark="1.0000000"
        )
        + "</question_instance></question_instances>"
    )
    b.activity("quiz", fields(intro="", introformat=1) + slots, title="Quiz", section=s0)
    result = import_backup(b)
    assert "quiz 'Quiz': 1 of 1 questions were not imported" in result.report.warnings[0]
