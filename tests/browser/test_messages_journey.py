"""Messages in a real browser, without JavaScript and at 320 px: staff turn approval and files
on; a learner writes to their teacher, with a file; the teacher sees nothing until staff deliver
it, then reads it from their home page, downloads the file and answers, and the answer waits for
staff too."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.demo.load import load
from cartable.messaging.models import Message
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

SMALL = {"viewport": {"width": 320, "height": 640}, "java_script_enabled": False}
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
QUESTION = "Bonjour, faut-il une adresse sur la lettre ? " + "Anticonstitutionnellement" * 4


def fits(page) -> bool:
    return page_width(page) <= 320


def approve_the_waiting_message(staff, live_server) -> None:
    staff.goto(live_server.url + "/messages/moderation/")
    staff.get_by_role("link", name="lire et décider").first.click()
    staff.get_by_role("heading", name="Un message à approuver").wait_for()
    assert fits(staff)
    staff.get_by_role("button", name="Remettre le message").click()
    staff.get_by_text("Message remis.").wait_for()


def test_a_learner_writes_staff_approve_and_the_teacher_answers(make_page, live_server) -> None:
    load()
    staff = make_page(**SMALL)
    sign_in(staff, live_server, "personnel", "cartable-personnel")
    staff.get_by_role("link", name="Messages").click()
    staff.get_by_role("link", name="Changer cette règle").click()
    staff.get_by_label("Le personnel approuve chaque message avant sa remise").check()
    staff.get_by_label("Apprenants et enseignants peuvent joindre un fichier à un message").check()
    staff.get_by_role("button", name="Enregistrer").click()
    staff.get_by_text("Enregistré.").wait_for()

    learner = make_page(**SMALL)
    sign_in(learner, live_server, "apprenant", "cartable-apprenant")
    learner.get_by_role("link", name="Messages").click()
    learner.get_by_role("link", name="Écrire un message").click()
    learner.get_by_label("À", exact=True).select_option(label="Jeanne Bernard")
    learner.get_by_label("Objet").fill("Adresse")
    learner.get_by_label("Message", exact=True).fill(QUESTION)
    learner.get_by_label("Fichier joint").set_input_files(
        {"name": "brouillon.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    assert fits(learner)
    learner.get_by_role("button", name="Envoyer").click()
    learner.get_by_text("Votre message attend l’accord du personnel").wait_for()
    expect(learner.locator("main")).to_contain_text("En attente de l’accord du personnel")
    assert fits(learner)

    teacher = make_page(**SMALL)
    sign_in(teacher, live_server, "enseignant", "cartable-enseignant")
    expect(teacher.locator("main")).not_to_contain_text("message non lu")
    teacher.get_by_role("link", name="Messages").click()
    teacher.get_by_text("Aucun message pour l’instant").wait_for()  # held until approved

    approve_the_waiting_message(staff, live_server)

    teacher.goto(live_server.url + "/")
    teacher.get_by_role("link", name="1 message non lu").click()
    teacher.get_by_role("link", name="Camille Martin").click()
    expect(teacher.locator("main")).to_contain_text("faut-il une adresse sur la lettre")
    attached = teacher.get_by_role("link", name="Fichier joint\u202f: brouillon.pdf")
    download = teacher.request.get(live_server.url + attached.get_attribute("href"))
    assert download.status == 200 and download.body() == PDF
    assert fits(teacher)
    teacher.get_by_label("Votre réponse").fill("Oui, en haut à gauche.")
    teacher.get_by_role("button", name="Envoyer").click()
    teacher.get_by_text("Votre message attend l’accord du personnel").wait_for()
    question = Message.objects.get(author__username="apprenant")
    assert question.read_at is not None

    approve_the_waiting_message(staff, live_server)
    learner.goto(live_server.url + "/")
    learner.get_by_role("link", name="1 message non lu").click()
    learner.get_by_role("link", name="Jeanne Bernard").click()
    expect(learner.locator("main")).to_contain_text("Oui, en haut à gauche.")
    assert fits(learner)
    assert list(Message.objects.values_list("status", flat=True)) == ["delivered", "delivered"]
