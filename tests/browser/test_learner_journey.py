"""A learner signs in on a real browser and studies the demo course; nothing leaves the box."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.demo.load import load
from tests.browser.conftest import page_width

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page, live_server, username: str, password: str) -> None:
    """Sign in through the form, and return once the page signed in to has loaded (a test
    that went on at once could read, or navigate away from, the sign-in page)."""
    page.goto(live_server.url + "/")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()
    page.wait_for_url(lambda url: "/accounts/login/" not in url)


def test_it_shows_the_demo_course_to_the_demo_learner(page, live_server, outside) -> None:
    load()
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Bonjour Camille").wait_for()
    course = page.get_by_role("link", name="Écrire une lettre de motivation")
    expect(course).to_be_visible()
    course.click()
    page.get_by_role("heading", name="Construire sa lettre").wait_for()
    page.get_by_role("link", name="Le plan en trois parties").click()
    expect(page.get_by_text("« vous, moi, nous »")).to_be_visible()
    page.get_by_role("link", name="Retour au cours").click()
    page.get_by_role("link", name="Fiche mémo").click()
    link = page.get_by_role("link", name="Ouvrir fiche-memo-lettre.pdf")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-1.4")
    # The stylesheet and script came from the box itself.
    assert any("/static/dist/app" in url and url.endswith(".css") for url in outside.all)
    assert outside.requests == []


def test_it_signs_in_and_switches_language_without_javascript(make_page, live_server) -> None:
    load()
    page = make_page(java_script_enabled=False)
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Mes cours").wait_for()
    page.get_by_role("button", name="English").click()
    page.get_by_role("heading", name="My courses").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    page.get_by_role("button", name="Sign out").click()
    page.get_by_role("heading", name="Sign in").wait_for()


def test_it_fits_a_320_pixel_screen(make_page, live_server) -> None:
    load()
    page = make_page(viewport={"width": 320, "height": 640})
    page.goto(live_server.url + "/accounts/login/")
    assert page_width(page) <= 320
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Mes cours").wait_for()
    assert page_width(page) <= 320
    page.get_by_role("link", name="Écrire une lettre de motivation").click()
    page.wait_for_url(f"{live_server.url}/courses/*/")  # its stylesheet loaded
    wide = page.evaluate(
        "[...document.querySelectorAll('main *')].filter(e => e.getBoundingClientRect().right > 321)"
        ".map(e => e.tagName + '.' + e.className + ': ' + e.textContent.slice(0, 40))"
    )
    assert page_width(page) <= 320, wide


def test_it_offers_a_skip_link_to_the_keyboard(page, live_server) -> None:
    load()
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Mes cours").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Aller au contenu"
    page.keyboard.press("Enter")
    page.wait_for_function("document.activeElement.id === 'content'")
