"""Staff close a learner's account on release and hand them their portfolio, in a real browser
at 320 px without JavaScript; the learner, signed in elsewhere, is signed out at once."""

from __future__ import annotations

import io

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from cartable.accounts.models import User
from cartable.demo.load import load
from cartable.records import seal
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_staff_close_an_account_and_hand_over_the_portfolio(make_page, live_server) -> None:
    load()
    learner = User.objects.get(username="apprenant")
    learners_page = make_page()
    sign_in(learners_page, live_server, "apprenant", "cartable-apprenant")
    page = make_page(viewport={"width": 320, "height": 700}, java_script_enabled=False)
    sign_in(page, live_server, "personnel", "cartable-personnel")

    page.goto(f"{live_server.url}/accounts/{learner.pk}/")
    page.get_by_role("link", name="Dossier, transfert ou libération").click()
    page.get_by_role("heading", name=f"Dossier de {learner.display_name}").wait_for()
    assert page_width(page) <= 320
    page.get_by_label("Libération").check()
    page.get_by_label("Date").fill("2026-12-03")
    page.get_by_role("button", name="Clore le compte").click()
    expect(page.get_by_role("status").first).to_contain_text("est clos")
    expect(page.get_by_text("Libération")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("button", name="Télécharger le portfolio (PDF)").click()
    data = (download.value.path()).read_bytes()
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(data)).pages)
    assert "Relevé de parcours" in text
    assert learner.display_name in text
    assert "Compte clos le 3 décembre 2026 (Libération)" in text
    assert seal.check_pdf(data).valid

    learners_page.reload()
    assert "/accounts/login/" in learners_page.url
