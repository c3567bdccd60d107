"""Staff enrol a whole group in a course on a 320 px screen without JavaScript: choose the
course and the group, read the preview, confirm, and land on the course's participants."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.accounts.models import Cohort, Establishment, Institution, Role
from cartable.catalog.models import Enrolment
from cartable.demo.load import DEMO_GROUP, load
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in
from tests.conftest import build_course, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_enrols_a_group_in_a_course_at_320_px_without_javascript(make_page, live_server) -> None:
    load()
    establishment = Establishment.objects.get(slug="demo")
    group = Cohort.objects.get(establishment=establishment, name=DEMO_GROUP)
    group.members.add(
        make_user("bnadir", Role.LEARNER, establishment, first_name="Bilal", last_name="Nadir")
    )
    course = build_course(Institution.objects.get(slug="univ-demo"), "FLE201")
    course.title = "Français langue étrangère"
    course.save(update_fields=["title"])

    page = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(page, live_server, "personnel", "cartable-personnel")
    page.get_by_role("heading", name="Comptes").wait_for()
    page.get_by_role("link", name="Inscrire un groupe ou une liste à un cours").click()
    page.get_by_role("heading", name="Inscrire un groupe ou une liste à un cours").wait_for()
    assert page_width(page) <= 320
    page.get_by_label("Cours", exact=True).select_option(label=course.title)
    page.get_by_label("Un groupe").select_option(label=DEMO_GROUP)
    page.get_by_role("button", name="Aperçu").click()

    page.get_by_role("heading", name="Inscrire à « Français langue étrangère »").wait_for()
    expect(page.get_by_role("heading", name="2 comptes seront inscrits")).to_be_visible()
    expect(page.locator("#will-change")).to_contain_text("bnadir")
    expect(page.locator("#will-change")).to_contain_text("apprenant")
    assert page_width(page) <= 320
    assert not Enrolment.objects.filter(course=course).exists()

    page.get_by_role("button", name="Confirmer : les inscrire").click()
    page.get_by_role("heading", name="Participants").wait_for()
    expect(page.get_by_role("status")).to_contain_text(
        "2 comptes inscrits à « Français langue étrangère »."
    )
    table = page.get_by_role("table")
    expect(table).to_contain_text("Bilal Nadir")
    expect(table).to_contain_text("Camille Martin")
    expect(table).to_contain_text(DEMO_GROUP)
    assert page_width(page) <= 320
    assert set(
        Enrolment.objects.filter(course=course).values_list("user__username", flat=True)
    ) == {"apprenant", "bnadir"}
