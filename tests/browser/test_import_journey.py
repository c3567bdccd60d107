"""Staff import a real Moodle backup in a real browser, follow it, and publish the course."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cartable.catalog.models import Course
from cartable.demo.load import load
from cartable.jobs import runner
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP = Path(__file__).resolve().parent.parent / "fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"


def test_it_imports_a_moodle_backup_and_publishes_it(page, live_server) -> None:
    load()
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.get_by_role("link", name="Cours", exact=True).click()
    page.get_by_role("link", name="Importer un cours").click()
    page.get_by_label("Fichier de cours").set_input_files(str(BACKUP))
    page.get_by_role("button", name="Importer", exact=True).click()
    page.get_by_role("heading", name=f"Import de {BACKUP.name}").wait_for()
    expect(page.locator("progress")).to_have_count(1)
    assert runner.run_pending() == 1
    # The status page refreshes itself until the job is over: wait for that refresh to show
    # the result (a reload of our own would race it, net::ERR_ABORTED); the finished page
    # refreshes no more.
    page.get_by_text("Le cours a été importé.").wait_for()
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    expect(page.get_by_role("row", name="Test 40")).to_be_visible()  # "quiz", translated
    page.get_by_role("link", name="Examiner le cours").click()
    page.get_by_role("button", name="Approuver et publier le cours").click()
    page.get_by_text("Approuvé : les apprenants voient maintenant ce cours").wait_for()
    assert Course.objects.get(shortname="DRIPRELEASE").is_published
