"""Quiz slots of every Moodle era resolve to questions or random draws."""

from __future__ import annotations

import json

from cartable.importers import model

from . import questionxml as x
from .builder import Backup, el, fields


def _quiz(b: Backup, instances: str, extra: str = "") -> None:
    section = b.section(0)
    b.activity(
        "quiz",
        fields(intro="", introformat=1)
        + extra
        + f"<question_instances>{instances}</question_instances>",
        title="Quiz",
        section=section,
    )


def _slots(result) -> tuple[model.QuizSlot, ...]:
    quiz = result.course.activities[0].content
    assert isinstance(quiz, model.QuizContent)
    return quiz.slots


def test_it_resolves_moodle4_references_to_the_latest_ready_version(import_backup):
    b = Backup()
    cat = b.category("Default")
    v1 = b.question(cat, "truefalse", "v1", "<p>1</p>", x.truefalse(), entry_id=400, version=1)
    v2 = b.question(cat, "truefalse", "v2", "<p>2</p>", x.truefalse(), entry_id=400, version=2)
    b.question(
        cat, "truefalse", "v3", "<p>3</p>", x.truefalse(), entry_id=400, version=3, status="draft"
    )
    ref = (
        "<question_reference id='{n}'>"
        + fields(questionbankentryid=400)
        + "{version}</question_reference>"
    )
    condition = json.dumps(
        {
            "filter": {
                "category": {
                    "jointype": 1,
                    "values": [cat],
                    "filteroptions": {"includesubcategories": True},
                }
            }
        }
    )
    instances = (
        "<question_instance id='1'>"
        + fields(slot=1, page=1, maxmark=1)
        + ref.format(n=1, version=el("version", None))
        + "</question_instance>"
        + "<question_instance id='2'>"
        + fields(slot=2, page=2, maxmark=1)
        + ref.format(n=2, version=el("version", 1))
        + "</question_instance>"
        + "<question_instance id='3'>"
        + fields(slot=3, page=2, maxmark=3)
        + "<question_set_reference id='3'>"
        + fields(questionscontextid=20, filtercondition=condition)
        + "</question_set_reference></question_instance>"
    )
    _quiz(b, instances)
    one, two, three = _slots(import_backup(b))
    assert one.question_id == v2.question_id and one.version is None
    assert two.question_id == v1.question_id
    assert three.random is not None and three.question_id is None
    assert (three.random.category_id, three.random.include_subcategories) == (cat, True)
    assert three.max_mark == 3.0


def test_it_reads_moodle40_filter_conditions():
    from cartable.importers.moodle.quiz import random_filter

    slot = random_filter({"questioncategoryid": "12", "includingsubcategories": "1"})
    assert (slot.category_id, slot.include_subcategories) == (12, True)
    assert random_filter(None).category_id is None


def test_it_reads_moodle3_random_questions_and_random_slots(import_backup):
    b = Backup(layout="moodle3")
    cat = b.category("Default")
    fixed = b.question(cat, "truefalse", "fixed", "<p>f</p>", x.truefalse())
    random = b.question(cat, "random", "Random", "0")
    instances = (
        "<question_instance id='1'>"
        + fields(slot=1, page=1, questionid=fixed.question_id, maxmark=1)
        + "</question_instance>"
        + "<question_instance id='2'>"
        + fields(slot=2, page=1, questionid=random.question_id, maxmark=1)
        + "</question_instance>"
        + "<question_instance id='3'>"
        + fields(
            slot=3,
            page=2,
            questionid=None,
            questioncategoryid=cat,
            includingsubcategories=1,
            maxmark=1,
        )
        + "<tags><tag id='1'><tagid>4</tagid><tagname>easy</tagname></tag></tags></question_instance>"
    )
    _quiz(
        b,
        instances,
        extra="<sections><section id='1'><firstslot>1</firstslot><heading>Part A</heading><shufflequestions>1</shufflequestions></section></sections>",
    )
    result = import_backup(b)
    one, two, three = _slots(result)
    assert one.question_id == fixed.question_id and one.random is None
    assert two.random == model.RandomSlot(category_id=cat, include_subcategories=False)
    assert (
        three.random is not None
        and three.random.tags == ("easy",)
        and three.random.include_subcategories
    )
    quiz = result.course.activities[0].content
    assert isinstance(quiz, model.QuizContent)
    assert quiz.sections == (
        model.QuizSection(first_slot=1, heading="Part A", shuffle_questions=True),
    )
    assert result.report.warnings == ()


def test_it_reads_the_layout_string_of_moodle_before_27(import_backup):
    b = Backup(layout="moodle3")
    cat = b.category("Default")
    q1 = b.question(cat, "truefalse", "a", "<p>a</p>", x.truefalse())
    q2 = b.question(cat, "truefalse", "b", "<p>b</p>", x.truefalse())
    instances = (
        "<question_instance id='1'>"
        + fields(question=q1.question_id, grade=2)
        + "</question_instance>"
        + "<question_instance id='2'>"
        + fields(question=q2.question_id, grade=1)
        + "</question_instance>"
    )
    _quiz(b, instances, extra=el("questions", f"{q1.question_id},0,{q2.question_id},0"))
    one, two = _slots(import_backup(b))
    assert (one.slot, one.page, one.question_id, one.max_mark) == (1, 1, q1.question_id, 2.0)
    assert (two.slot, two.page, two.question_id) == (2, 2, q2.question_id)


def test_it_lists_a_moodle5_question_bank_module(import_backup):
    b = Backup(moodle_release="5.0 (Build: 20250414)", backup_release="5.0")
    section = b.section(0)
    qbank = b.activity(
        "qbank",
        fields(intro="", introformat=1, type="standard"),
        title="Course bank",
        section=section,
    )
    cat = b.category("Bank", contextid=qbank.contextid, level=70, instance=qbank.module_id)
    b.question(cat, "truefalse", "tf", "<p>x</p>", x.truefalse())
    course = import_backup(b).course
    [activity] = course.activities
    assert isinstance(activity.content, model.QbankContent)
    assert activity.content.category_ids == (cat,)
    assert course.question_bank.categories[0].context_level == "module"
