"""An activity-level backup (one activity, no course.xml, no section) imports too."""

from __future__ import annotations

import pytest

from cartable.importers import model, registry

from . import questionxml as x
from .builder import Backup, fields


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
def test_it_imports_an_activity_backup(import_backup, flavour):
    b = Backup(backup_type="activity", fullname="Original course", shortname="ORIG")
    cat = b.category("Quiz bank", level=70)
    question = b.question(cat, "truefalse", "tf", "<p>True?</p>", x.truefalse())
    slots = (
        "<question_instances><question_instance id='1'>"
        + fields(slot=1, page=1, requireprevious=0, maxmark="2.0000000")
        + "<question_reference id='1'>"
        + fields(
            usingcontextid=1,
            component="mod_quiz",
            questionarea="slot",
            questionbankentryid=question.entry_id,
            version=None,
        )
        + "</question_reference></question_instance></question_instances>"
    )
    quiz = b.activity(
        "quiz", fields(intro="<p>Alone</p>", introformat=1) + slots, title="Lone quiz", section=77
    )
    result = import_backup(b, flavour)
    course = result.course
    assert course.backup_type == "activity" and result.report.backup_type == "activity"
    assert (course.title, course.shortname) == ("Original course", "ORIG")
    [activity] = course.activities
    assert activity.source_key == f"quiz-{quiz.module_id}" and activity.intro == "<p>Alone</p>"
    [section] = course.sections
    assert section.source_id == 77 and section.activity_keys == (activity.source_key,)
    assert isinstance(activity.content, model.QuizContent)
    [slot] = activity.content.slots
    assert slot.question_id == question.question_id and slot.max_mark == 2.0
    assert result.report.questions == {"truefalse": 1}


def test_it_detects_the_format_from_bytes_not_the_name(tmp_path):
    b = Backup()
    b.section(0)
    path = b.build(tmp_path / "course.zip.txt", "tgz")
    assert registry.detect(path) == "moodle"
