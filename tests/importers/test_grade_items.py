"""An activity's grade item (grades.xml) is read: its id, which Moodle's "grade" access
conditions name, and its grade to pass, which "pass grade" completion needs. Learners' grades
in the same file are never read."""

from __future__ import annotations

import pytest

from cartable.importers import model

from .builder import Backup, el, fields


def grades_xml(
    item_id: int,
    instance_id: int,
    gradepass: str,
    *,
    learner_grade: bool,
    idnumber: str | None = None,
    module: str = "quiz",
    hidden: str = "0",
) -> str:
    own = (
        f'<grade_item id="{item_id}">'
        + fields(
            categoryid=1,
            itemname="Quiz",
            itemtype="mod",
            itemmodule=module,
            iteminstance=instance_id,
            itemnumber=0,
            idnumber=idnumber,
            grademax="20.00000",
            grademin="0.00000",
            gradepass=gradepass,
            hidden=hidden,
        )
        + (
            '<grade_grades><grade_grade id="9">'
            + el("userid", 5)
            + el("finalgrade", "17.00000")
            + "</grade_grade></grade_grades>"
            if learner_grade
            else "<grade_grades></grade_grades>"
        )
        + "</grade_item>"
    )
    outcome = (
        f'<grade_item id="{item_id + 1}">'
        + fields(
            itemtype="mod",
            itemmodule=module,
            iteminstance=instance_id,
            itemnumber=1000,
            idnumber="OUTCOME-1",
        )
        + "</grade_item>"
    )
    return f"<activity_gradebook><grade_items>{outcome}{own}</grade_items></activity_gradebook>"


def test_it_reads_the_grade_item_and_its_grade_to_pass(import_backup) -> None:
    b = Backup()
    s0 = b.section(0)
    quiz = b.activity("quiz", fields(intro="", introformat=1), title="Quiz", section=s0)
    b.activity("page", fields(content="<p>x</p>", contentformat=1), title="Page", section=s0)
    b.users = True
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(7001, quiz.instance_id, "12.00000", learner_grade=True),
    )
    result = import_backup(b)
    found = {a.title: a for a in result.course.activities}
    assert (found["Quiz"].completion.grade_item, found["Quiz"].completion.grade_pass) == (
        7001,
        12.0,
    )
    assert "17.0" not in repr(found["Quiz"])  # a learner's grade stays out
    assert found["Page"].completion == model.Completion(tracking="none")


def idnumbered() -> Backup:
    b = Backup()
    s0 = b.section(0)
    quiz = b.activity(
        "quiz", fields(intro="", introformat=1), title="Quiz noté", section=s0, idnumber="CM-7"
    )
    b.activity("page", fields(content="<p>x</p>", contentformat=1), title="Page", section=s0)
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(7001, quiz.instance_id, "10.00000", learner_grade=False, idnumber=" HIST-Q1 "),
    )
    return b


def test_the_importer_reads_both_idnumbers_of_an_activity(import_backup) -> None:
    result = import_backup(idnumbered())
    found = {a.title: a for a in result.course.activities}
    assert (found["Quiz noté"].idnumber, found["Quiz noté"].grade_idnumber) == (
        "CM-7",
        "HIST-Q1",
    )  # the item's own (itemnumber 0), not the outcome's "OUTCOME-1"
    assert (found["Page"].idnumber, found["Page"].grade_idnumber) == ("", "")


@pytest.mark.parametrize(
    ("hidden", "kept"),
    [
        ("0", 0),  # shown
        ("1", 1),  # hidden
        ("1780000000", 1780000000),  # hidden until then (a Unix time)
        ("2", 2),  # hidden until 1970: long shown, as Moodle has it
        ("-5", 0),  # neither 1 nor in the future: Moodle shows it
        ("", 0),  # empty
        ("caché", 0),  # not a number
        ("99999999999999", 1),  # beyond any date: simply hidden
    ],
)
def test_it_reads_whether_the_grade_item_is_hidden(import_backup, hidden, kept) -> None:
    b = Backup()
    s0 = b.section(0)
    quiz = b.activity("quiz", fields(intro="", introformat=1), title="Quiz", section=s0)
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(7001, quiz.instance_id, "0", learner_grade=False, hidden=hidden),
    )
    (found,) = import_backup(b).course.activities
    assert found.grade_hidden == kept


def test_an_activity_without_grade_item_is_shown(import_backup) -> None:
    b = Backup()
    b.activity(
        "page", fields(content="<p>x</p>", contentformat=1), title="Page", section=b.section(0)
    )
    (found,) = import_backup(b).course.activities
    assert found.grade_hidden == 0
