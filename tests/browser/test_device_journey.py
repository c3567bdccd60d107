"""Staff enrol a tablet with a one-time code; on the tablet (320 px, no JavaScript) the
learner is refused until it is enrolled, then signs in from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.accounts.models import User
from cartable.demo.load import load
from cartable.devices.models import Device
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_tablet_enrolled_with_a_code_lets_the_learner_sign_in(
    page, make_page, live_server
) -> None:
    load()
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.goto(live_server.url + "/devices/")
    page.get_by_role("link", name="Nouvel appareil").click()
    page.get_by_label("Nom", exact=True).fill("Tablette 7")
    page.get_by_label("Numéro d’inventaire ou de série").fill("INV-007")
    page.get_by_role("button", name="Ajouter l’appareil").click()
    page.get_by_role("heading", name="Tablette 7").wait_for()
    establishment = User.objects.get(username="personnel").establishment_id
    page.goto(live_server.url + f"/devices/rules/{establishment}/")
    page.get_by_label(
        "Les apprenants se connectent seulement depuis des appareils inscrits"
    ).check()
    page.get_by_role("button", name="Enregistrer la règle").click()
    expect(page.get_by_role("status")).to_contain_text("La règle de connexion est enregistrée.")
    page.goto(live_server.url + "/devices/")
    page.get_by_role("link", name="Tablette 7").click()
    page.get_by_role("link", name="Inscrire", exact=True).click()
    page.get_by_role("button", name="Créer un code").click()
    code = page.locator("#enrolment-code code").inner_text()
    assert len(code) == 9

    tablet = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in_refused = tablet.goto(live_server.url + "/accounts/login/")
    assert sign_in_refused is not None and sign_in_refused.status == 200
    tablet.get_by_label("Identifiant").fill("apprenant")
    tablet.get_by_label("Mot de passe").fill("cartable-apprenant")
    tablet.get_by_role("button", name="Se connecter").click()
    expect(tablet.get_by_role("alert")).to_contain_text("Cet appareil n’est pas inscrit")
    assert page_width(tablet) <= 320

    tablet.goto(live_server.url + "/device/enrol/")
    tablet.get_by_label("Code d’inscription").fill(code.lower().replace("-", " "))
    tablet.get_by_role("button", name="Inscrire cet appareil").click()
    expect(tablet.get_by_role("status").first).to_contain_text(
        "Cet appareil est maintenant inscrit sous le nom"
    )
    assert page_width(tablet) <= 320
    assert Device.objects.get(label="Tablette 7").is_enrolled

    tablet.get_by_role("link", name="Se connecter").click()
    tablet.get_by_label("Identifiant").fill("apprenant")
    tablet.get_by_label("Mot de passe").fill("cartable-apprenant")
    tablet.get_by_role("button", name="Se connecter").click()
    tablet.get_by_role("heading", name="Mes cours").wait_for()
    assert page_width(tablet) <= 320


def test_the_loan_form_fits_320_pixels_and_prints_without_the_menus(make_page, live_server) -> None:
    from datetime import date

    from cartable.devices import actions

    load()
    staff = User.objects.get(username="personnel")
    assert staff.establishment is not None
    device = actions.create_device(
        actor=staff, establishment=staff.establishment, kind="laptop", label="Portable 3"
    )
    loan = actions.check_out(
        actor=staff,
        device=device,
        learner=User.objects.get(username="apprenant"),
        due_on=date(2099, 6, 30),
        condition="good",
        notes="Chargeur fourni",
    )
    small = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(small, live_server, "personnel", "cartable-personnel")
    small.goto(live_server.url + f"/devices/loans/{loan.pk}/")
    small.get_by_role("heading", name="Fiche de prêt d’appareil").wait_for()
    expect(small.locator(".loan-form")).to_contain_text("Chargeur fourni")
    expect(small.get_by_text("Signature de l’apprenant")).to_be_visible()
    assert page_width(small) <= 320
    small.emulate_media(media="print")
    expect(small.locator("header.top")).to_be_hidden()
    expect(small.locator(".no-print")).to_be_hidden()
    expect(small.get_by_text("Signature du membre du personnel")).to_be_visible()
