"""The choice's pages: the learner answers with a plain form and sees results only as the
choice's setting says; the course's teachers and staff preview it and read who chose what."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Enrolment
from cartable.surveys import actions
from cartable.surveys.models import ChoiceAnswer
from tests.conftest import signed_in
from tests.surveys import add_choice


def _url(choice, name: str = "surveys:choice") -> str:
    return reverse(name, kwargs={"course_id": choice.course_id, "activity_id": choice.pk})


def test_it_lets_a_learner_answer_with_a_plain_form(course: Course, learner: User) -> None:
    choice = add_choice(course)
    client = signed_in(learner)
    page = client.get(_url(choice)).content.decode()
    assert 'type="radio" name="option" value="12"' in page and "Mardi" in page
    assert "Pour l’atelier d’écriture." in page  # the question, in the choice's description
    response = client.post(_url(choice), {"option": "12"})
    assert response.status_code == 302 and response["Location"] == _url(choice)
    assert list(ChoiceAnswer.objects.values_list("user", "option")) == [(learner.pk, 12)]
    after = client.get(_url(choice)).content.decode()
    assert "Votre réponse est enregistrée." in after
    assert 'name="option"' not in after  # no update allowed: the answer is shown, not a form


def test_it_offers_checkboxes_for_several_answers(course: Course, learner: User) -> None:
    choice = add_choice(course, allow_multiple=True)
    client = signed_in(learner)
    assert 'type="checkbox" name="option" value="11"' in client.get(_url(choice)).content.decode()
    assert client.post(_url(choice), {"option": ["11", "13"]}).status_code == 302
    assert sorted(ChoiceAnswer.objects.values_list("option", flat=True)) == [11, 13]


def test_it_refuses_bad_input_with_a_message(course: Course, learner: User) -> None:
    choice = add_choice(course)
    client = signed_in(learner)
    for sent, message in [
        ({"option": "douze"}, "ne fait pas partie des options"),
        ({"option": "99"}, "ne fait pas partie des options"),
        ({}, "Choisissez une réponse."),
        ({"option": ["11", "12"]}, "Choisissez une seule réponse."),
    ]:
        response = client.post(_url(choice), sent)
        assert response.status_code == 400 and message in response.content.decode()
    assert not ChoiceAnswer.objects.exists()


def test_it_tells_a_closed_choice_and_takes_no_answer(course: Course, learner: User) -> None:
    choice = add_choice(course, closes=timezone.now() - timedelta(days=1))
    client = signed_in(learner)
    assert "est fermée" in client.get(_url(choice)).content.decode()
    response = client.post(_url(choice), {"option": "11"})
    assert response.status_code == 400 and not ChoiceAnswer.objects.exists()


def test_it_shows_full_options_as_unavailable(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, limit_answers=True)
    actions.answer_choice(actor=other_learner, activity=choice, options=[11])
    page = signed_in(learner).get(_url(choice)).content.decode()
    assert 'value="11" disabled' in page and "complet" in page
    assert "2 places restantes" in page


def test_it_shows_results_only_after_answering_when_so_set(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, show_results=1)
    actions.answer_choice(actor=other_learner, activity=choice, options=[11])
    client = signed_in(learner)
    assert "Résultats" not in client.get(_url(choice)).content.decode()
    client.post(_url(choice), {"option": "12"})
    page = client.get(_url(choice)).content.decode()
    assert "Résultats" in page and "50\u202f%" in page
    assert other_learner.last_name not in page  # anonymous results name nobody


def test_it_names_who_chose_what_when_the_choice_publishes_names(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, show_results=3, publish_names=True)
    actions.answer_choice(actor=other_learner, activity=choice, options=[11])
    assert other_learner.last_name in signed_in(learner).get(_url(choice)).content.decode()


def test_it_never_shows_results_when_set_so(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, show_results=0, allow_update=True)
    actions.answer_choice(actor=other_learner, activity=choice, options=[11])
    client = signed_in(learner)
    client.post(_url(choice), {"option": "12"})
    assert "Résultats" not in client.get(_url(choice)).content.decode()


def test_it_lets_teachers_preview_and_read_the_answers(
    course: Course, learner: User, teacher: User
) -> None:
    choice = add_choice(course)
    actions.answer_choice(actor=learner, activity=choice, options=[12])
    client = signed_in(teacher)
    preview = client.get(_url(choice))
    assert preview.status_code == 200 and 'name="option"' not in preview.content.decode()
    assert client.post(_url(choice), {"option": "11"}).status_code == 403
    results = client.get(_url(choice, "surveys:choice_results")).content.decode()
    assert "Léa Moreau" in results and "Mardi" in results
    before = AuditEvent.objects.count()
    download = client.get(_url(choice, "surveys:choice_csv"))
    assert download["Content-Type"].startswith("text/csv")
    assert "lea,Moreau,Léa,Mardi," in download.content.decode("utf-8-sig")
    assert AuditEvent.objects.count() == before and ChoiceAnswer.objects.count() == 1


def test_it_keeps_results_pages_from_learners(course: Course, learner: User) -> None:
    choice = add_choice(course)
    client = signed_in(learner)
    assert client.get(_url(choice, "surveys:choice_results")).status_code == 403
    assert client.get(_url(choice, "surveys:choice_csv")).status_code == 403


def test_it_shows_staff_of_another_establishment_no_names(
    course: Course, learner: User, outsider_staff: User
) -> None:
    choice = add_choice(course)
    actions.answer_choice(actor=learner, activity=choice, options=[12])
    page = signed_in(outsider_staff).get(_url(choice, "surveys:choice_results"))
    assert page.status_code == 200 and "Moreau" not in page.content.decode()


def test_it_refuses_outsiders_and_other_kinds(
    course: Course, other_course: Course, learner: User, outsider_learner: User
) -> None:
    choice = add_choice(course)
    elsewhere = add_choice(other_course)
    assert signed_in(outsider_learner).get(_url(choice)).status_code == 404
    assert signed_in(learner).post(_url(elsewhere), {"option": "11"}).status_code == 404
    page = course.activities.filter(kind="page").first()
    assert signed_in(learner).get(_url(page)).status_code == 404
    assert not ChoiceAnswer.objects.exists()


def test_the_activity_page_leads_to_the_answer(course: Course, learner: User) -> None:
    choice = add_choice(course)
    page = signed_in(learner).get(
        reverse("learning:activity", kwargs={"course_id": course.pk, "activity_id": choice.pk})
    )
    assert _url(choice) in page.content.decode()
    assert "pas y répondre" not in page.content.decode()


def test_the_learners_choice_page_costs_few_queries(
    course: Course, learner: User, other_learner: User, django_assert_max_num_queries
) -> None:
    choice = add_choice(course, show_results=3, publish_names=True, limit_answers=True)
    actions.answer_choice(actor=other_learner, activity=choice, options=[12])
    client = signed_in(learner)
    client.get(_url(choice))
    with django_assert_max_num_queries(9):
        assert client.get(_url(choice)).status_code == 200


def test_it_lets_a_learner_remove_an_answer_that_may_change(course: Course, learner: User) -> None:
    choice = add_choice(course, allow_update=True)
    client = signed_in(learner)
    client.post(_url(choice), {"option": "12"})
    assert "Retirer ma réponse" in client.get(_url(choice)).content.decode()
    assert client.post(_url(choice), {"remove": "1"}).status_code == 302
    assert not ChoiceAnswer.objects.exists()
    assert "Votre réponse est retirée." in client.get(_url(choice)).content.decode()


# --- Moodle's "show preview" and "show unanswered" --------------------------------------------


def test_it_previews_the_options_before_opening_when_so_set(course: Course, learner: User) -> None:
    later = timezone.now() + timedelta(days=2)
    client = signed_in(learner)
    hidden = client.get(_url(add_choice(course, opens=later))).content.decode()
    assert "pas encore ouverte" in hidden and "Mardi" not in hidden
    choice = add_choice(course, opens=later, show_preview=True, position=81)
    page = client.get(_url(choice)).content.decode()
    assert "Mardi" in page and "aperçu des options" in page
    assert 'name="option"' not in page  # a preview: nothing to answer yet
    response = client.post(_url(choice), {"option": "12"})
    assert response.status_code == 400 and not ChoiceAnswer.objects.exists()


def test_it_stops_the_preview_once_open(course: Course, learner: User) -> None:
    choice = add_choice(course, opens=timezone.now() - timedelta(hours=1), show_preview=True)
    page = signed_in(learner).get(_url(choice)).content.decode()
    assert 'name="option"' in page and "aperçu des options" not in page


def test_teachers_see_who_has_not_answered_when_so_set(
    course: Course, learner: User, other_learner: User, teacher: User
) -> None:
    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    shown = add_choice(course, show_unanswered=True)
    actions.answer_choice(actor=learner, activity=shown, options=[12])
    client = signed_in(teacher)
    page = client.get(_url(shown, "surveys:choice_results")).content.decode()
    assert "Pas encore répondu" in page and other_learner.last_name in page
    plain = add_choice(course, position=81)
    page = client.get(_url(plain, "surveys:choice_results")).content.decode()
    assert "Pas encore répondu" not in page and other_learner.last_name not in page


def test_learners_count_who_has_not_answered_without_names_when_anonymous(
    course: Course, learner: User, other_learner: User
) -> None:
    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    choice = add_choice(course, show_results=3, show_unanswered=True)
    client = signed_in(learner)
    client.post(_url(choice), {"option": "12"})
    page = client.get(_url(choice)).content.decode()
    assert "Pas encore répondu" in page
    assert other_learner.last_name not in page and other_learner.first_name not in page


def test_learners_see_the_names_when_the_choice_publishes_them(
    course: Course, learner: User, other_learner: User, outsider_learner: User
) -> None:
    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    choice = add_choice(course, show_results=3, publish_names=True, show_unanswered=True)
    client = signed_in(learner)
    client.post(_url(choice), {"option": "12"})
    page = client.get(_url(choice)).content.decode()
    assert "Pas encore répondu" in page and other_learner.last_name in page
    assert "Olga" not in page  # not of this course


def test_no_unanswered_row_without_the_setting(
    course: Course, learner: User, other_learner: User
) -> None:
    choice = add_choice(course, show_results=3, publish_names=True)
    page = signed_in(learner).get(_url(choice)).content.decode()
    assert "Pas encore répondu" not in page
