"""A learner hands in an assignment of a real Moodle backup (text and a file) on a small
screen without JavaScript; the teacher grades it with a comment and a feedback file; the
learner finds the feedback, and its file comes back as a download."""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cartable.assignments.models import Submission
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course
from cartable.demo.load import load
from cartable.grades.models import Grade
from cartable.importers.jsonable import to_json
from tests.assignwork import PDF
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP = Path(__file__).resolve().parent.parent / "fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"


def test_a_learner_hands_in_and_reads_the_teachers_feedback(make_page, live_server) -> None:
    load()
    out = io.StringIO()
    call_command("import", str(BACKUP), "--publish", stdout=out)
    course = Course.objects.latest("imported_at")
    call_command("enrol", "apprenant", course.shortname, stdout=out)
    call_command("enrol", "enseignant", course.shortname, stdout=out)
    work = Activity.objects.filter(course=course, kind="assign").order_by("position").first()
    assert work is not None
    # The backup's assignments take files only (and 20 of them, any type, due in June 2024):
    # online text is switched on, as its teacher would in Moodle.
    data = kind_of("assign").read(work.data)
    assert data.submission_types == ("file",) and data.max_files == 20
    assert (data.drafts, data.reopen) == (False, "none")
    work.data = to_json(replace(data, submission_types=("onlinetext", "file")))
    work.save(update_fields=["data"])

    # The learner, on a 320 px screen, without JavaScript.
    learner = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(learner, live_server, "apprenant", "cartable-apprenant")
    learner.goto(live_server.url + f"/courses/{course.pk}/activities/{work.pk}/")
    learner.get_by_role("link", name="Ouvrir votre travail sur ce devoir").click()
    learner.get_by_role("heading", name=work.title, level=1).wait_for()
    learner.get_by_label("Votre texte").fill("Mon commentaire de texte.")
    learner.get_by_label("Ajouter des fichiers").set_input_files(
        [{"name": "copie.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    # The backup asks for no "submit" step (submissiondrafts 0): saved is submitted.
    learner.get_by_role("button", name="Enregistrer et remettre").click()
    learner.get_by_text("Votre travail est enregistré et remis pour évaluation.").wait_for()
    expect(learner.get_by_text("En retard")).to_be_visible()  # the backup's due date is past
    width = page_width(learner)
    assert width <= 320
    submission = Submission.objects.get(activity=work)
    assert submission.status == "submitted" and submission.files.count() == 1

    # The teacher grades it.
    teacher = make_page()
    sign_in(teacher, live_server, "enseignant", "cartable-enseignant")
    teacher.goto(live_server.url + f"/assignments/{course.pk}/{work.pk}/submissions/")
    teacher.get_by_role("link", name="Camille Martin").click()
    expect(teacher.get_by_text("Mon commentaire de texte.")).to_be_visible()
    teacher.get_by_label("Note (sur 100)").fill("80")
    teacher.get_by_label("Commentaire").fill("Bon travail, bien construit.")
    teacher.get_by_label("Ajouter des fichiers de correction").set_input_files(
        [{"name": "corrige.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    teacher.get_by_role("button", name="Enregistrer la note").click()
    teacher.get_by_text("La note de Camille Martin est enregistrée.").wait_for()
    assert Grade.objects.get(activity=work).grade == 80

    # The learner reads the feedback and downloads the corrected copy.
    learner.reload()
    feedback = learner.get_by_role("region", name="Retour")
    expect(feedback).to_contain_text("80 sur 100")
    expect(feedback).to_contain_text("Bon travail, bien construit.")
    with learner.expect_download() as download:
        feedback.get_by_role("link", name="corrige.pdf").click()
    assert download.value.suggested_filename == "corrige.pdf"
    assert Path(download.value.path()).read_bytes() == PDF
