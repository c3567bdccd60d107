"""Staff import a GIFT question file into a published course in a real browser, read the
counts by type, and approve the questions on the review page."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import expect

from cartable.catalog.models import Course, Question
from cartable.demo.load import load
from cartable.jobs import runner
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

GIFT = Path(__file__).resolve().parent.parent / "fixtures/gift/gift_format_php_examples.gift"


def test_it_imports_questions_and_staff_approve_them(page, live_server) -> None:
    load()
    course = Course.objects.get(shortname="LETTRE-MOTIV")
    course.status = Course.Status.PUBLISHED
    own = Question.objects.filter(course=course).count()  # the demo quiz's questions
    course.save(update_fields=["status"])
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.get_by_role("link", name="Cours", exact=True).click()
    page.get_by_role("link", name="Importer des questions").click()
    page.get_by_label("Fichier de questions").set_input_files(str(GIFT))
    page.get_by_label("Cours", exact=True).select_option(str(course.pk))
    page.get_by_role("button", name="Importer", exact=True).click()
    page.get_by_role("heading", name=f"Import de {GIFT.name}").wait_for()
    expect(page.locator("progress")).to_have_count(1)
    assert runner.run_pending() == 1
    # The status page refreshes itself until the job is over (see test_import_journey).
    page.get_by_text("Les questions attendent la validation").wait_for()
    expect(page.locator('meta[http-equiv="refresh"]')).to_have_count(0)
    expect(page.get_by_role("row", name="multichoice 4")).to_be_visible()
    expect(page.get_by_role("row", name="numerical 2")).to_be_visible()
    assert Question.objects.filter(course=course).count() == own
    page.get_by_role("link", name="Examiner le cours").click()
    expect(page.get_by_text("10 questions ajoutées")).to_be_visible()
    page.get_by_role("button", name="Approuver toutes les modifications").click()
    page.get_by_text("Approuvé : les apprenants voient maintenant ce cours").wait_for()
    assert Question.objects.filter(course=course, retired_at__isnull=True).count() == own + 10
