"""Moodle's XML grade import names a grade item by its idnumber (``<assignment>``): the import
keeps each activity's grade item idnumber and its course module idnumber, and the outbox
entries of grades, attempts and submissions carry them to the university."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import transaction
from django.utils import timezone

from cartable.assessment import actions as quiz_actions
from cartable.assignments import actions as assign_actions
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.actions import record
from cartable.grades.models import Grade
from cartable.ingest.imports import import_file
from cartable.ingest.staging import content_digest
from cartable.outbox.actions import add
from cartable.outbox.models import Entry
from tests.assignwork import homework
from tests.importers.builder import Backup, fields
from tests.importers.test_grade_items import grades_xml
from tests.quizdata import add_quiz, capital

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).parent / "fixtures" / "mbz"


def built(*, quiz_idnumber: str | None, module_idnumber: str = "") -> Backup:
    b = Backup()
    s0 = b.section(0)
    quiz = b.activity(
        "quiz",
        fields(intro="", introformat=1),
        title="Quiz noté",
        section=s0,
        idnumber=module_idnumber,
    )
    b.activity("page", fields(content="<p>x</p>", contentformat=1), title="Page", section=s0)
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(7001, quiz.instance_id, "10.00000", learner_grade=False, idnumber=quiz_idnumber),
    )
    return b


def test_moodle_null_idnumbers_of_a_real_backup_are_empty() -> None:
    # The Moodle 4.4 corpus course: its assignments' grade items say $@NULL@$.
    outcome = import_file(
        FIXTURES / "moodle44_tgz_multiple_mod_types.mbz", actor=None, publish=True
    )
    activities = Activity.objects.filter(course=outcome.course, kind="assign")
    assert activities.count() == 5
    assert {(a.idnumber, a.grade_idnumber) for a in activities} == {("", "")}
    assert all(a.completion["grade_item"] for a in activities)  # the items were read


def test_the_idnumbers_reach_the_activity_and_follow_a_new_version(tmp_path: Path) -> None:
    first = import_file(
        built(quiz_idnumber="HIST-Q1", module_idnumber="CM-7").build(tmp_path / "a.mbz"),
        actor=None,
        publish=True,
    )
    quiz = Activity.objects.get(course=first.course, kind="quiz")
    assert (quiz.idnumber, quiz.grade_idnumber) == ("CM-7", "HIST-Q1")
    page = Activity.objects.get(course=first.course, kind="page")
    assert (page.idnumber, page.grade_idnumber) == ("", "")
    fingerprint = quiz.fingerprint
    # The same backup again: unchanged.
    import_file(
        built(quiz_idnumber="HIST-Q1", module_idnumber="CM-7").build(tmp_path / "b.mbz"),
        actor=None,
        publish=True,
    )
    assert Activity.objects.get(pk=quiz.pk).fingerprint == fingerprint
    # The teacher renamed the item in Moodle: a changed activity, its new idnumber kept.
    import_file(
        built(quiz_idnumber="HIST-Q1-2026", module_idnumber="CM-7").build(tmp_path / "c.mbz"),
        actor=None,
        publish=True,
    )
    quiz.refresh_from_db()
    assert quiz.fingerprint != fingerprint and quiz.grade_idnumber == "HIST-Q1-2026"


def test_an_activity_without_idnumbers_keeps_its_earlier_fingerprint() -> None:
    fields_before = {"title": "Quiz", "risks": []}
    assert content_digest({**fields_before, "idnumber": "", "grade_idnumber": ""}) == (
        content_digest(fields_before)
    )
    assert content_digest({**fields_before, "idnumber": "", "grade_idnumber": "X"}) != (
        content_digest(fields_before)
    )


def test_grades_submissions_and_attempts_carry_the_idnumbers(course, learner, teacher) -> None:
    Enrolment.objects.get_or_create(user=learner, course=course)
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(idnumber="CM-LETTRE", grade_idnumber="LETTRE")
    work.refresh_from_db()
    assign_actions.save_draft(actor=learner, activity=work, text="<p>Ma lettre</p>")
    assign_actions.submit(actor=learner, activity=work)
    record(actor=teacher, activity=work, learner=learner, grade=15, max_grade=20,
           source=Grade.Source.ASSIGN, released_at=timezone.now())  # fmt: skip
    quiz = add_quiz(course, (capital(),))
    Activity.objects.filter(pk=quiz.pk).update(idnumber="", grade_idnumber="GEO-QUIZ")
    quiz.refresh_from_db()
    attempt = quiz_actions.start(actor=learner, activity=quiz)
    quiz_actions.finish(actor=learner, attempt=attempt)
    seen = {
        (
            entry.kind,
            entry.payload["activity"]["idnumber"],
            entry.payload["activity"]["grade_idnumber"],
        )
        for entry in Entry.objects.filter(kind__in=["grade", "submission", "attempt"])
    }
    assert ("submission", "CM-LETTRE", "LETTRE") in seen
    assert ("grade", "CM-LETTRE", "LETTRE") in seen
    assert ("attempt", "", "GEO-QUIZ") in seen
    # The quiz's own grade too.
    assert ("grade", "", "GEO-QUIZ") in seen


def test_a_course_entry_without_an_activity_has_no_idnumbers(course) -> None:
    with transaction.atomic():
        entry = add("completion", course=Course.objects.get(pk=course.pk), payload={})
    assert "activity" not in entry.payload
