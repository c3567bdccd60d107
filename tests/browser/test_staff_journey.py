"""Staff create accounts from a CSV file in a real browser and print the credentials sheet."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.accounts.models import User
from cartable.demo.load import load
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_imports_accounts_and_shows_a_printable_sheet(page, live_server, tmp_path) -> None:
    load()
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.get_by_role("heading", name="Comptes").wait_for()
    page.get_by_role("link", name="Importer un fichier CSV").click()
    source = tmp_path / "classe.csv"
    source.write_text(
        "identifiant;prénom;nom;groupe\nmdurand;Marie;Durand;DAEU A\n", encoding="utf-8"
    )
    page.get_by_label("Fichier CSV").set_input_files(str(source))
    page.get_by_role("button", name="Créer les comptes").click()
    page.get_by_role("heading", name="Fiche d’identifiants").wait_for()
    page.get_by_role("button", name="Imprimer").wait_for()  # shown by JavaScript
    sheet = page.locator(".slip").inner_text()
    assert "mdurand" in sheet
    assert User.objects.filter(username="mdurand").exists()


def test_it_lists_bad_csv_lines_in_the_browser(page, live_server, tmp_path) -> None:
    load()
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.goto(live_server.url + "/accounts/import/")
    source = tmp_path / "classe.csv"
    source.write_text("identifiant;role\nok;apprenant\napprenant;apprenant\n", encoding="utf-8")
    page.get_by_label("Fichier CSV").set_input_files(str(source))
    page.get_by_role("button", name="Créer les comptes").click()
    expect(page.get_by_role("alert")).to_contain_text(
        "Ligne 3 : l’identifiant « apprenant » est déjà pris."
    )
    assert not User.objects.filter(username="ok").exists()


def test_it_forbids_a_learner_the_staff_pages(page, live_server) -> None:
    load()
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Mes cours").wait_for()
    response = page.goto(live_server.url + "/accounts/")
    assert response.status == 403
    expect(page.get_by_role("heading", name="Cette page n’est pas pour vous")).to_be_visible()
