"""A learner takes a timed quiz mixing question types on a 320-pixel screen with JavaScript
off, signs out half-way, comes back to every answer, finishes, and gets the grade Moodle
would give; an attempt left open closes itself at its time limit."""

from __future__ import annotations

from datetime import timedelta

import pytest
from playwright.sync_api import expect

from cartable.assessment.models import Attempt
from cartable.grades.models import Grade
from tests import quizdata
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page) -> None:
    assert page_width(page) <= 320


def test_a_learner_takes_a_timed_quiz_across_a_sign_out(
    make_page, live_server, course, learner
) -> None:
    quiz = quizdata.add_quiz(course, time_limit=1800)
    page = make_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    sign_in(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/activities/{quiz.pk}/")
    page.get_by_role("link", name="Aller au quiz").click()
    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_role("heading", name="Question 1").wait_for()
    expect(page.get_by_text("Temps restant")).to_be_visible()
    fits(page)
    page.get_by_label("Paris").check()
    page.get_by_label("Vrai").check()
    page.get_by_role("button", name="Page suivante").click()
    page.get_by_role("heading", name="Question 3").wait_for()
    page.locator('input[name="q3:answer"]').fill("Loire")
    page.locator('input[name="q4:answer"]').fill("4")
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Question 3").wait_for()
    fits(page)

    # The session ends (signed out); the learner comes back.
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    sign_in(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/quizzes/{quiz.pk}/")
    page.get_by_role("link", name="Continuer votre tentative").click()
    page.get_by_role("heading", name="Question 3").wait_for()  # back where they left
    expect(page.locator('input[name="q3:answer"]')).to_have_value("Loire")
    expect(page.locator('input[name="q4:answer"]')).to_have_value("4")
    page.get_by_role("button", name="1", exact=True).click()
    page.get_by_role("heading", name="Question 1").wait_for()
    expect(page.get_by_label("Paris")).to_be_checked()
    expect(page.get_by_label("Vrai")).to_be_checked()
    page.get_by_role("button", name="3", exact=True).click()
    page.get_by_role("heading", name="Question 5").wait_for()
    page.get_by_label("France").select_option(label="Paris")
    page.get_by_label("Italie").select_option(label="Berlin")  # wrong: half of the question
    fits(page)
    page.get_by_role("button", name="Terminer la tentative…").click()
    page.get_by_role("heading", name="Résumé de la tentative").wait_for()
    fits(page)
    page.get_by_role("button", name="Tout envoyer et terminer").click()
    page.get_by_role("heading", name="Tentative 1").wait_for()
    # 4.5 marks out of 5, on a quiz graded out of 10.
    expect(page.get_by_text("9,00 / 10,00")).to_be_visible()
    expect(page.get_by_text("La bonne réponse : France → Paris; Italie → Rome")).to_be_visible()
    fits(page)
    assert Grade.objects.get(user=learner, activity=quiz).grade == pytest.approx(9.0)


def test_an_attempt_closes_itself_at_its_time_limit(
    make_page, live_server, course, learner
) -> None:
    quiz = quizdata.add_quiz(course, time_limit=600)
    page = make_page(java_script_enabled=False)
    sign_in(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/quizzes/{quiz.pk}/")
    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_role("heading", name="Question 1").wait_for()
    page.get_by_label("Paris").check()
    page.get_by_role("button", name="Enregistrer").click()
    page.get_by_role("heading", name="Question 1").wait_for()
    attempt = Attempt.objects.get(activity=quiz)
    # Time passes on the server (no sleep): the deadline is now behind.
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - timedelta(minutes=11),
        deadline=attempt.deadline - timedelta(minutes=11),
    )
    page.get_by_label("Vrai").check()
    page.get_by_role("button", name="Page suivante").click()  # too late: not saved
    expect(page.get_by_text("Cette tentative est terminée")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.sum_marks == pytest.approx(1.0)
    assert Grade.objects.get(user=learner, activity=quiz).grade == pytest.approx(2.0)


def test_a_teacher_grades_an_essay_and_the_learner_reads_it(
    make_page, live_server, course, learner, teacher
) -> None:
    from cartable.assessment import actions

    quiz = quizdata.add_quiz(course, (quizdata.capital(), quizdata.essay()))
    attempt = actions.start(actor=learner, activity=quiz)
    actions.save(actor=learner, attempt=attempt, page=0, form={"q2:answer": "Une longue journée."})
    actions.finish(actor=learner, attempt=attempt)
    page = make_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    sign_in(page, live_server, teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/quizzes/{quiz.pk}/")
    page.get_by_role("link", name="Résultats des apprenants").click()
    expect(page.get_by_role("strong").get_by_text("À noter")).to_be_visible()
    page.get_by_role("link", name="À noter").click()
    page.get_by_role("heading", name="Question 2").wait_for()
    form = page.locator("form.quiz-grading").nth(1)
    form.get_by_label("Note (sur 1,00)").fill("0,5")
    form.get_by_label("Commentaire").fill("Développez davantage.")
    form.get_by_role("button", name="Enregistrer la note").click()
    expect(page.get_by_text("Note enregistrée.")).to_be_visible()
    fits(page)
    page.get_by_role("button", name="Se déconnecter").click()
    page.wait_for_url(lambda url: "/accounts/login/" in url)
    sign_in(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/attempts/{attempt.pk}/review/")
    expect(page.get_by_text("Commentaire de l’enseignant : Développez davantage.")).to_be_visible()
    expect(page.get_by_text("2,50 / 10,00")).to_be_visible()
    assert Grade.objects.get(user=learner, activity=quiz).grade == pytest.approx(2.5)
