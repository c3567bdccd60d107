"""A learner studies a real imported Moodle course in a real browser: every activity opens,
progress is kept, a study-plan item is ticked off, and no request leaves the box."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cartable.catalog.models import Activity, Course
from cartable.demo.load import load
from cartable.learning.models import ActivityProgress, StudyPlanItem, StudyPlanTick
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures/mbz"


def imported_course(name: str, *extra: str) -> Course:
    out = io.StringIO()
    call_command("import", str(FIXTURES / name), "--publish", stdout=out)
    course = Course.objects.latest("imported_at")
    call_command("enrol", "apprenant", course.shortname, stdout=out)
    return course


@pytest.mark.parametrize("backup", sorted(path.name for path in FIXTURES.glob("*.mbz")))
def test_it_opens_every_activity_of_a_corpus_course(page, live_server, outside, backup) -> None:
    load()
    course = imported_course(backup)
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("link", name=course.title).first.click()
    page.get_by_role("heading", name=course.title, level=1).wait_for()
    links = page.locator("a.activity__title")
    expected = Activity.objects.filter(course=course, visible=True, section__visible=True).exclude(
        kind="label"
    )
    assert links.count() == expected.count()
    hrefs = [links.nth(number).get_attribute("href") for number in range(links.count())]
    for href in hrefs:
        response = page.goto(live_server.url + href)
        assert response.status == 200, href
        assert page.locator("h1").count() == 1
    assert ActivityProgress.objects.filter(course=course).count() == len(hrefs)
    assert dialogs == []  # no script from the course ran
    assert outside.requests == []
    page.goto(live_server.url + f"/courses/{course.pk}/")
    expect(page.locator("progress.meter").first).to_be_visible()


def test_it_ticks_a_study_plan_item_off(page, live_server) -> None:
    load()
    course = Course.objects.get(shortname="LETTRE-MOTIV")
    sign_in(page, live_server, "enseignant", "cartable-enseignant")
    page.goto(live_server.url + f"/courses/{course.pk}/")
    page.get_by_role("link", name="Ajouter à un plan de travail : Le plan en trois parties").click()
    page.get_by_label("Camille Martin").check()
    page.get_by_label("Note pour l’apprenant").fill("Relisez-le avant jeudi")
    page.get_by_role("button", name="Ajouter au plan de travail").click()
    page.get_by_text("Ajouté au plan de travail.").wait_for()
    page.get_by_role("button", name="Se déconnecter").click()
    page.get_by_role("heading", name="Se connecter").wait_for()  # signed out
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    plan = page.get_by_role("region", name="Mon plan de travail")
    expect(plan).to_contain_text("Relisez-le avant jeudi")
    plan.get_by_role("button", name="Je l’ai fait").click()
    page.get_by_text("Tout votre plan de travail est fait. Bravo !").wait_for()
    assert StudyPlanTick.objects.filter(item=StudyPlanItem.objects.get()).count() == 1


def test_it_finds_a_word_of_a_page_with_the_search_box(page, live_server, outside) -> None:
    load()
    sign_in(page, live_server, "apprenant", "cartable-apprenant")
    page.get_by_role("heading", name="Mes cours").wait_for()
    # "lecteurs", without its accent-free singular: plurals and accents do not matter.
    page.get_by_role("searchbox").fill("LECTEURS")
    page.keyboard.press("Enter")
    result = page.get_by_role("link", name="À quoi sert une lettre de motivation ?")
    result.wait_for()
    result.click()
    page.get_by_role("heading", name="À quoi sert une lettre de motivation ?", level=1).wait_for()
    assert outside.requests == []
