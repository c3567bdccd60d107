"""Grades in a real browser, without JavaScript and at 320 px: a teacher changes a learner's
grade with feedback from the gradebook; the learner finds it on their home page and on their
grades page, and never before it is shown to them."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from cartable.catalog.models import Activity, Course
from cartable.demo.load import load
from cartable.grades.models import Grade
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page) -> bool:
    return page_width(page) <= 320


def test_a_teacher_grades_and_the_learner_reads_the_feedback(make_page, live_server) -> None:
    load()
    course = Course.objects.get(shortname="LETTRE-MOTIV")
    letter = Activity.objects.create(
        course=course,
        section=course.sections.order_by("position").first(),
        position=99,
        kind=Activity.Kind.ASSIGN,
        title="Votre lettre",
        review_status=Activity.Review.APPROVED,
        data={"grade": 20},
    )
    page = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(page, live_server, "enseignant", "cartable-enseignant")
    page.goto(live_server.url + f"/courses/{course.pk}/")
    page.get_by_role("link", name="Notes", exact=True).click()
    page.get_by_role("heading", name="Notes", level=1).wait_for()
    assert fits(page)
    page.get_by_role("link", name="Pas de note : Votre lettre, Camille Martin").click()
    page.get_by_label("Note", exact=True).fill("15,5")
    page.get_by_label("Commentaire pour l’apprenant").fill("Lettre claire, soignez la fin.")
    page.get_by_label("La montrer à l’apprenant dès maintenant").uncheck()
    assert fits(page)
    page.get_by_role("button", name="Enregistrer la note").click()
    page.get_by_text("La note est enregistrée.").wait_for()
    expect(page.locator("table")).to_contain_text("15,5 / 20")
    expect(page.locator("table")).to_contain_text("pas encore montrée")
    grade = Grade.objects.get(activity=letter)
    assert (grade.grade, grade.source, grade.released_at) == (15.5, "override", None)

    learner = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(learner, live_server, "apprenant", "cartable-apprenant")
    feedback = learner.get_by_role("region", name="Retours récents")
    expect(feedback).not_to_contain_text("Lettre claire")  # not shown to the learner yet

    page.goto(live_server.url + f"/courses/{course.pk}/grades/{letter.pk}/{grade.user_id}/")
    page.get_by_label("Note", exact=True).fill("15,5")
    page.get_by_role("button", name="Enregistrer la note").click()  # shown now (the default)
    page.get_by_text("La note est enregistrée.").wait_for()

    learner.reload()
    expect(feedback).to_contain_text("Lettre claire, soignez la fin.")
    expect(feedback).to_contain_text("15,5 / 20")
    assert fits(learner)
    feedback.get_by_role("link", name="Votre lettre").click()
    learner.get_by_role("heading", name="Mes notes").wait_for()
    expect(learner.locator("main")).to_contain_text("Lettre claire, soignez la fin.")
    assert fits(learner)
