"""Grading an assignment on a Moodle scale: the teacher chooses one of the scale's items (a
choice, not free text); the gradebook and the learner read the item's name; the outbox
carries the item and the number Moodle stores for it (its position, from 1). An item that
is not the scale's is refused with a message, and nothing changes."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cartable.assignments import actions
from cartable.assignments.actions import Refused
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.models import Grade
from cartable.importers.model import Scale
from cartable.outbox.models import Entry
from cartable.review.actions import approve_course
from tests.assignwork import homework
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields
from tests.importers.test_scales import scales_xml

pytestmark = pytest.mark.django_db

SKILLS = Scale(source_id=3, name="Compétence", items=("Non acquis", "En cours", "Acquis"))


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def scaled(course):
    return homework(course, title="Oral", grade=-3.0, scale=SKILLS)


def grading_of(work, learner) -> str:
    return reverse("assignments:grade", args=[work.course_id, work.pk, learner.pk])


def test_the_scale_comes_back_from_the_stored_settings(course) -> None:
    work = scaled(course)
    assert actions.settings_of(work).scale == SKILLS


@pytest.mark.parametrize(("item", "value"), [("Non acquis", 1), ("En cours", 2), ("Acquis", 3)])
def test_an_item_is_recorded_with_its_moodle_value(course, learner, teacher, item, value) -> None:
    work = scaled(course)
    row = actions.grade(actor=teacher, activity=work, learner=learner, points=15, scale_item=item)
    assert (row.grade, row.scale_item, row.max_grade) == (None, item, 0)
    assert row.released_at is not None  # no marking workflow: released at once
    entry = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert (entry.payload["scale_item"], entry.payload["scale_value"]) == (item, value)
    assert AuditEvent.objects.filter(action="grade.recorded").count() == 1


@pytest.mark.parametrize("item", ["Excellent", "acquis", "Acquis,En cours", "3", "<b>Acquis</b>"])
def test_an_item_not_in_the_scale_is_refused_and_nothing_changes(
    course, learner, teacher, item
) -> None:
    work = scaled(course)
    before = Entry.objects.count()
    with pytest.raises(Refused) as refused:
        actions.grade(actor=teacher, activity=work, learner=learner, points=None, scale_item=item)
    assert "is not an item of the scale “Compétence”" in refused.value.message
    assert not Grade.objects.exists() and Entry.objects.count() == before
    assert not AuditEvent.objects.filter(action__startswith="grade.").exists()


def test_the_refusal_is_said_in_french(course, learner, teacher) -> None:
    work = scaled(course)
    with translation.override("fr"), pytest.raises(Refused) as refused:
        actions.grade(
            actor=teacher, activity=work, learner=learner, points=None, scale_item="Parfait"
        )
    assert "n’est pas un élément du barème «\u202fCompétence\u202f»" in refused.value.message


def test_no_item_is_feedback_only(course, learner, teacher) -> None:
    row = actions.grade(
        actor=teacher, activity=scaled(course), learner=learner, points=None, feedback="Bien"
    )
    assert (row.scale_item, row.grade) == ("", None)
    assert "scale_value" not in Entry.objects.filter(kind="grade").latest("pk").payload


def test_a_scale_the_backup_did_not_carry_is_still_typed(course, learner, teacher) -> None:
    work = homework(course, grade=-9.0)
    row = actions.grade(
        actor=teacher, activity=work, learner=learner, points=None, scale_item="Très bien"
    )
    assert row.scale_item == "Très bien"
    assert "scale_value" not in Entry.objects.filter(kind="grade").latest("pk").payload
    page = signed_in(teacher).get(grading_of(work, learner)).content.decode()
    assert (
        'name="scale_item"' in page and "<select" not in page.split('name="scale_item"')[0][-200:]
    )


def test_the_teacher_chooses_an_item_on_the_page(course, learner, teacher) -> None:
    work = scaled(course)
    client = signed_in(teacher)
    page = client.get(grading_of(work, learner)).content.decode()
    assert '<select name="scale_item"' in page
    for item in SKILLS.items:
        assert f'<option value="{item}"' in page
    assert "graded on the scale “Compétence”" in page
    response = client.post(grading_of(work, learner), {"scale_item": "En cours", "feedback": ""})
    assert response.status_code == 302
    assert Grade.objects.get().scale_item == "En cours"
    again = client.get(grading_of(work, learner)).content.decode()
    assert '<option value="En cours" selected>' in again


def test_the_page_refuses_an_item_not_in_the_scale(course, learner, teacher) -> None:
    work = scaled(course)
    response = signed_in(teacher).post(
        grading_of(work, learner), {"scale_item": "Parfait", "feedback": "x"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Grade.objects.exists()


def test_the_gradebook_and_the_learner_read_the_item(course, learner, teacher) -> None:
    work = scaled(course)
    actions.grade(actor=teacher, activity=work, learner=learner, points=None, scale_item="Acquis")
    book = signed_in(teacher).get(f"/courses/{course.pk}/grades/").content.decode()
    assert "Acquis" in book
    mine = signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()
    assert "Acquis" in mine
    own = (
        signed_in(learner)
        .get(reverse("assignments:assignment", args=[course.pk, work.pk]))
        .content.decode()
    )
    assert "Acquis" in own


def test_a_backup_with_a_scale_is_graded_by_its_items_on_the_box(
    tmp_path, learner, teacher
) -> None:
    b = Backup()
    s1 = b.section(1)
    b.xml(
        "scales.xml", scales_xml((12, "Maîtrise", "Insuffisante,Fragile,Satisfaisante,Très bonne"))
    )
    b.activity(
        "assign",
        fields(intro="", introformat=1, grade=-12, submissiondrafts=1, markingworkflow=1),
        title="Exposé",
        section=s1,
    )
    call_command("import", str(b.build(tmp_path / "scaled.mbz")), stdout=io.StringIO())
    course = Course.objects.get()
    approve_course(actor=None, course=course)
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    work = Activity.objects.get(course=course, kind="assign")
    data = actions.settings_of(work)
    assert data.scale is not None and data.scale.items[-1] == "Très bonne"
    assert data.marking_workflow
    with pytest.raises(Refused):
        actions.grade(actor=teacher, activity=work, learner=learner, points=None, scale_item="A+")
    row = actions.grade(
        actor=teacher, activity=work, learner=learner, points=None, scale_item="Fragile"
    )
    assert row.scale_item == "Fragile" and row.released_at is None  # the workflow holds it
    actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state="released")
    entry = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert (entry.payload["scale_item"], entry.payload["scale_value"]) == ("Fragile", 2)
