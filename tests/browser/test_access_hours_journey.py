"""A learner outside their access hours, on a 320-pixel screen without JavaScript, is refused
at sign-in and told when access opens."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.accounts.models import Establishment, Role
from cartable.audit.models import AuditEvent
from tests.access_world import move_clock, weekly
from tests.browser.conftest import page_width
from tests.conftest import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_refuses_a_learner_outside_hours_and_says_when_access_opens(
    make_page, live_server, monkeypatch
) -> None:
    establishment = Establishment.objects.create(slug="mc", name="Maison centrale")
    make_user("lea", Role.LEARNER, establishment, first_name="Léa")
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-09 13:00")  # a Friday afternoon
    page = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill("lea")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("Vous ne pouvez pas vous connecter à cette heure-ci.")
    expect(alert).to_contain_text("L’accès ouvre lundi à 9\u00a0h\u00a000.")
    assert "/accounts/login/" in page.url
    assert page_width(page) <= 320
    assert AuditEvent.objects.filter(action="hours.sign_in_refused").count() == 1


def test_staff_add_weekly_hours_on_a_small_screen_without_javascript(
    make_page, live_server
) -> None:
    establishment = Establishment.objects.create(slug="mc", name="Maison centrale")
    make_user("sam", Role.STAFF, establishment, first_name="Sam")
    page = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill("sam")
    page.get_by_label("Mot de passe").fill(PASSWORD)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)
    page.goto(live_server.url + f"/access/hours/{establishment.pk}/")
    page.get_by_role("link", name="Ajouter des horaires").click()
    page.get_by_label("lundi").check()
    page.get_by_label("mardi").check()
    page.get_by_label("De (hh:mm)").fill("09:00")
    page.get_by_label("À (hh:mm)").fill("12:00")
    page.get_by_role("button", name="Enregistrer").click()
    expect(page.get_by_text("Horaires d’accès enregistrés.")).to_be_visible()
    expect(page.get_by_role("cell", name="lundi, mardi")).to_be_visible()
    assert page_width(page) <= 320
    page.goto(live_server.url + "/access/sessions/")
    page.get_by_role("heading", name="Sessions ouvertes").wait_for()
    assert page_width(page) <= 320
