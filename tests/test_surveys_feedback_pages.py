"""The survey's pages: the learner answers every item type with a plain form, is told what to
fix, sees results only when the survey publishes them; teachers and staff preview it and read
the answers, with names only when the survey is not anonymous."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course
from cartable.surveys import actions
from cartable.surveys.models import FeedbackResponse, FeedbackValue
from tests.conftest import signed_in
from tests.surveys import GOOD_ANSWERS, ONE_PAGE, add_feedback


def _url(survey, name: str = "surveys:feedback") -> str:
    return reverse(name, kwargs={"course_id": survey.course_id, "activity_id": survey.pk})


def test_it_asks_every_item_with_a_plain_form(course: Course, learner: User) -> None:
    survey = add_feedback(course, survey_items=ONE_PAGE)
    page = signed_in(learner).get(_url(survey)).content.decode()
    assert "Merci de répondre." in page  # a label
    assert "Dites-nous ce que vous en pensez." in page  # the survey's description
    assert 'type="radio" name="item-2" value="1"' in page
    assert 'type="checkbox" name="item-5" value="3"' in page
    assert '<select id="item-8" name="item-8">' in page
    assert 'inputmode="decimal" id="item-3"' in page and "Un nombre de 0 à 40." in page
    assert 'maxlength="10"' in page and '<textarea id="item-7"' in page
    assert "Seulement si vous avez répondu" in page and "anonyme" in page


def test_it_saves_answers_and_shows_the_page_after_submit(course: Course, learner: User) -> None:
    survey = add_feedback(course, survey_items=ONE_PAGE)
    client = signed_in(learner)
    response = client.post(_url(survey), GOOD_ANSWERS)
    assert response.status_code == 302
    assert FeedbackResponse.objects.filter(activity=survey, user=None).count() == 1
    after = client.get(_url(survey)).content.decode()
    assert "Vos réponses sont enregistrées." in after and "Merci !" in after
    assert 'name="item-2"' not in after  # one response only: no form any more
    again = client.post(_url(survey), GOOD_ANSWERS)
    assert again.status_code == 400 and "déjà répondu" in again.content.decode()


def test_it_tells_what_to_fix_and_keeps_what_was_typed(course: Course, learner: User) -> None:
    survey = add_feedback(course, survey_items=ONE_PAGE)
    response = signed_in(learner).post(
        _url(survey), {"item-3": ["quarante-deux"], "item-7": ["Mon avis"]}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Cette question demande une réponse." in page  # item 2, required
    assert "Écrivez un nombre" in page and 'value="quarante-deux"' in page
    assert 'value="quarante-deux" aria-invalid="true" aria-describedby="item-3-error"' in page
    assert "Mon avis</textarea>" in page
    assert not FeedbackResponse.objects.exists()


def test_it_tells_a_closed_survey(course: Course, learner: User) -> None:
    survey = add_feedback(course, closes=timezone.now() - timedelta(days=1))
    client = signed_in(learner)
    assert "est fermée" in client.get(_url(survey)).content.decode()
    assert client.post(_url(survey), GOOD_ANSWERS).status_code == 400
    assert not FeedbackResponse.objects.exists()


def test_it_starts_a_named_response_again_from_the_earlier_one(
    course: Course, learner: User
) -> None:
    survey = add_feedback(course, survey_items=ONE_PAGE, anonymous=False, multiple_submit=True)
    actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    page = signed_in(learner).get(_url(survey)).content.decode()
    assert 'value="12.5"' in page and 'value="3" checked' in page


def test_it_shows_results_to_learners_only_when_published_and_answered(
    course: Course, learner: User, other_learner: User
) -> None:
    published = add_feedback(course, survey_items=ONE_PAGE, publish_stats=True)
    actions.submit_feedback(actor=other_learner, activity=published, posted=GOOD_ANSWERS)
    client = signed_in(learner)
    assert "Résultats" not in client.get(_url(published)).content.decode()
    client.post(_url(published), {**GOOD_ANSWERS, "item-7": ["Mon secret"]})
    page = client.get(_url(published)).content.decode()
    assert "Résultats" in page and "Moyenne 12,5" in page
    assert "Mon secret" not in page and "Rien." not in page  # texts stay with teachers

    private = add_feedback(course, survey_items=ONE_PAGE, title="Privé", position=86)
    client.post(_url(private), GOOD_ANSWERS)
    assert "Résultats" not in client.get(_url(private)).content.decode()


def test_it_shows_teachers_answers_without_names_when_anonymous(
    course: Course, learner: User, teacher: User
) -> None:
    survey = add_feedback(course, anonymous=True)
    actions.submit_feedback(
        actor=learner, activity=survey, posted={**GOOD_ANSWERS, "item-7": ["Trop long"]}
    )
    client = signed_in(teacher)
    assert client.post(_url(survey), GOOD_ANSWERS).status_code == 403
    results = client.get(_url(survey, "surveys:feedback_results")).content.decode()
    assert "Trop long" in results and "Moyenne 12,5" in results
    assert "1 apprenant sur 1 a répondu." in results  # who answered, never what
    assert "Moreau" not in results.split("a répondu.")[1]
    before = AuditEvent.objects.count()
    download = client.get(_url(survey, "surveys:feedback_csv")).content.decode("utf-8-sig")
    assert "Trop long" in download and "lea" not in download and "Moreau" not in download
    assert AuditEvent.objects.count() == before


def test_it_shows_teachers_names_when_not_anonymous(
    course: Course, learner: User, teacher: User, outsider_staff: User
) -> None:
    survey = add_feedback(course, anonymous=False)
    actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    results = signed_in(teacher).get(_url(survey, "surveys:feedback_results")).content.decode()
    assert "Léa Moreau" in results and "Tablette; Papier" in results
    download = signed_in(teacher).get(_url(survey, "surveys:feedback_csv"))
    assert "lea,Moreau,Léa," in download.content.decode("utf-8-sig")
    # Staff of another establishment read nothing of this establishment's learners.
    elsewhere = signed_in(outsider_staff).get(_url(survey, "surveys:feedback_results"))
    assert elsewhere.status_code == 200 and "Moreau" not in elsewhere.content.decode()


def test_it_keeps_learners_and_outsiders_out(
    course: Course, other_course: Course, learner: User, outsider_learner: User
) -> None:
    survey = add_feedback(course)
    elsewhere = add_feedback(other_course)
    assert signed_in(learner).get(_url(survey, "surveys:feedback_results")).status_code == 403
    assert signed_in(learner).get(_url(survey, "surveys:feedback_csv")).status_code == 403
    assert signed_in(outsider_learner).get(_url(survey)).status_code == 404
    assert signed_in(learner).post(_url(elsewhere), GOOD_ANSWERS).status_code == 404
    assert not FeedbackValue.objects.exists()


def test_the_activity_page_leads_to_the_survey(course: Course, learner: User) -> None:
    survey = add_feedback(course)
    page = signed_in(learner).get(
        reverse("learning:activity", kwargs={"course_id": course.pk, "activity_id": survey.pk})
    )
    assert _url(survey) in page.content.decode()


def test_the_learners_survey_page_costs_few_queries(
    course: Course, learner: User, django_assert_max_num_queries
) -> None:
    survey = add_feedback(course, anonymous=False, multiple_submit=True, publish_stats=True)
    actions.submit_feedback(actor=learner, activity=survey, posted=GOOD_ANSWERS)
    client = signed_in(learner)
    client.get(_url(survey))
    with django_assert_max_num_queries(10):
        assert client.get(_url(survey)).status_code == 200
