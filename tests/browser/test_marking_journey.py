"""A teacher grades an assignment on a Moodle scale through the marking workflow, on a 320 px
screen without JavaScript: the scale's item is chosen from a list, the grade stays hidden from
the learner while in review, and the learner reads the item once the teacher releases it from
the submissions page (the learner ticked)."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cartable.assignments import actions
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course
from cartable.demo.load import load
from cartable.grades.models import Grade
from cartable.importers.jsonable import to_json
from cartable.importers.model import Scale
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP = Path(__file__).resolve().parent.parent / "fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"
SMALL = {"viewport": {"width": 320, "height": 640}, "java_script_enabled": False}


def test_a_scale_grade_waits_for_its_release(make_page, live_server) -> None:
    load()
    out = io.StringIO()
    call_command("import", str(BACKUP), "--publish", stdout=out)
    course = Course.objects.latest("imported_at")
    call_command("enrol", "apprenant", course.shortname, stdout=out)
    call_command("enrol", "enseignant", course.shortname, stdout=out)
    work = Activity.objects.filter(course=course, kind="assign").order_by("position").first()
    assert work is not None
    data = kind_of("assign").read(work.data)
    scale = Scale(5, "Maîtrise", ("Insuffisante", "Fragile", "Satisfaisante", "Très bonne"))
    work.data = to_json(replace(data, grade=-5.0, scale=scale, marking_workflow=True))
    work.save(update_fields=["data"])
    learner_user = course.enrolments.get(user__username="apprenant").user
    actions.save_draft(actor=learner_user, activity=work, text="Mon exposé")

    teacher = make_page(**SMALL)
    sign_in(teacher, live_server, "enseignant", "cartable-enseignant")
    teacher.goto(live_server.url + f"/assignments/{course.pk}/{work.pk}/submissions/")
    teacher.get_by_role("link", name="Camille Martin").click()
    teacher.get_by_label("Note (élément du barème)").select_option("Satisfaisante")
    teacher.get_by_label("État dans le circuit de correction").select_option("inreview")
    teacher.get_by_label("Commentaire").fill("Exposé clair.")
    teacher.get_by_role("button", name="Enregistrer la note").click()
    teacher.get_by_text("La note de Camille Martin est enregistrée.").wait_for()
    assert page_width(teacher) <= 320
    row = Grade.objects.get(activity=work)
    assert (row.scale_item, row.released_at) == ("Satisfaisante", None)

    learner = make_page(**SMALL)
    sign_in(learner, live_server, "apprenant", "cartable-apprenant")
    learner.goto(live_server.url + f"/assignments/{course.pk}/{work.pk}/")
    expect(learner.get_by_text("En cours de relecture")).to_be_visible()
    expect(learner.get_by_text("Satisfaisante")).to_have_count(0)
    expect(learner.get_by_text("Exposé clair.")).to_have_count(0)

    teacher.goto(live_server.url + f"/assignments/{course.pk}/{work.pk}/submissions/")
    assert page_width(teacher) <= 320
    teacher.get_by_label("Camille Martin").check()
    teacher.get_by_label("Faire passer les apprenants cochés à").select_option("released")
    teacher.get_by_role("button", name="Appliquer aux apprenants cochés").click()
    teacher.get_by_text("1 apprenant passé à « Publié ».").wait_for()

    learner.reload()
    feedback = learner.get_by_role("region", name="Retour")
    expect(feedback).to_contain_text("Satisfaisante")
    expect(feedback).to_contain_text("Exposé clair.")
    assert page_width(learner) <= 320
