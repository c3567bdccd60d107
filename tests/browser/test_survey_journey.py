"""A learner answers a choice and a survey in a real browser, on a 320 px phone with JavaScript
off: plain forms that post, nothing wider than the screen, and the answers kept."""

from __future__ import annotations

import pytest

from cartable.catalog.models import Course
from cartable.demo.load import load
from cartable.learning.models import ActivityProgress
from cartable.surveys.models import ChoiceAnswer, FeedbackMark, FeedbackResponse, FeedbackValue
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in
from tests.surveys import add_choice, add_feedback

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_answers_a_choice_and_a_survey_at_320_pixels_without_javascript(
    make_page, live_server
) -> None:
    load()
    course = Course.objects.get(shortname="LETTRE-MOTIV")
    choice = add_choice(course, title="Quel jour pour l’atelier ?", show_results=1)
    survey = add_feedback(course, title="Votre avis sur le cours", publish_stats=True)
    page = make_page(viewport={"width": 320, "height": 640}, java_script_enabled=False)
    sign_in(page, live_server, "apprenant", "cartable-apprenant")

    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{choice.pk}/")
    page.get_by_role("link", name="Répondre").click()
    page.get_by_role("heading", name="Quel jour pour l’atelier ?").wait_for()
    assert page_width(page) <= 320
    page.get_by_label("Mardi").check()
    page.get_by_role("button", name="Enregistrer ma réponse").click()
    page.get_by_text("Votre réponse est enregistrée.").wait_for()
    page.get_by_role("heading", name="Résultats").wait_for()  # shown once answered
    assert page_width(page) <= 320

    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{survey.pk}/")
    page.get_by_role("link", name="Répondre").click()
    page.get_by_role("heading", name="Votre avis sur le cours").wait_for()
    assert page_width(page) <= 320
    # The survey has a page break: one page at a time, required items checked page by page.
    page.get_by_text("Page 1 sur 2").wait_for()
    page.get_by_role("button", name="Page suivante").click()  # nothing filled in
    page.get_by_text("Certaines réponses sont à revoir").wait_for()
    page.get_by_label("Moyen").check()
    page.get_by_label("Heures par semaine").fill("4,5")
    page.get_by_role("button", name="Page suivante").click()
    page.get_by_text("Page 2 sur 2").wait_for()
    assert page_width(page) <= 320
    # Back to page 1 and forward again: the answers are kept.
    page.get_by_role("button", name="Page précédente").click()
    page.get_by_text("Page 1 sur 2").wait_for()
    assert page.get_by_label("Heures par semaine").input_value() == "4,5"
    page.get_by_role("button", name="Page suivante").click()
    page.get_by_text("Page 2 sur 2").wait_for()
    page.get_by_label("Tablette").check()
    page.get_by_label("Remarques").fill("Clair et utile.")
    page.get_by_label("Satisfaction").select_option(label="Forte")
    page.get_by_role("button", name="Envoyer mes réponses").click()
    page.get_by_text("Vos réponses sont enregistrées. Merci.").wait_for()
    page.get_by_text("Merci !").wait_for()  # the survey's page after submit
    assert page_width(page) <= 320

    learner = ChoiceAnswer.objects.get(activity=choice).user
    assert learner.username == "apprenant"
    assert ChoiceAnswer.objects.get(activity=choice).option == 12
    response = FeedbackResponse.objects.get(activity=survey)
    assert response.user_id is None  # anonymous
    values = dict(FeedbackValue.objects.filter(response=response).values_list("item", "value"))
    assert (values[2], values[3], values[5], values[7], values[8]) == (
        "2",
        "4.5",
        "1",
        "Clair et utile.",
        "2",
    )
    assert FeedbackMark.objects.get(activity=survey, user=learner).responses == 1
    done = ActivityProgress.objects.filter(
        user=learner, activity__in=[choice, survey], completed_at__isnull=False
    )
    assert done.count() == 2
