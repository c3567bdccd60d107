"""A learner takes a quiz with deferred certainty-based marking in a real browser, with and
without JavaScript: chooses a certainty for each question, writes an essay with a file
attached, finishes; the teacher opens the file and grades the essay; the learner reads the
comment and the grade as the review options allow (right after the attempt), the quiz's own
CBM figure beyond the maximum, the gradebook's within it (Moodle's ``bounded_grade``)."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from playwright.sync_api import expect

from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.grades.models import Grade
from tests import quizdata
from tests.assignwork import PDF
from tests.browser.test_learner_journey import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def essay_with_a_file():
    base = quizdata.essay(105)
    data = replace(base.data, attachments=1, file_types=".pdf", max_bytes=10_000)
    return replace(base, data=data)


def certainty(page, slot: int, level: int) -> None:
    question = page.get_by_role("region", name=f"Question {slot}")
    question.get_by_role("radio", name=re.compile(rf"C{level} \(")).check()


@pytest.mark.parametrize("script", [False, True], ids=["without-javascript", "with-javascript"])
def test_a_cbm_quiz_with_an_essay_file_from_answer_to_grade(
    make_page, live_server, course, learner, teacher, script
) -> None:
    quiz = quizdata.add_quiz(
        course,
        (quizdata.capital(), quizdata.earth(), essay_with_a_file()),
        preferred_behaviour="deferredcbm",
    )
    page = make_page(java_script_enabled=script)
    sign_in(page, live_server, learner.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/quizzes/{quiz.pk}/")
    page.get_by_role("button", name="Commencer le quiz").click()
    page.get_by_role("heading", name="Question 1").wait_for()
    page.get_by_label("Paris").check()
    certainty(page, 1, 3)  # right, quite sure: 3 marks
    page.get_by_label("Vrai").check()
    certainty(page, 2, 2)  # right, mid: 2 marks
    page.get_by_role("button", name="Page suivante").click()
    essay = page.get_by_role("region", name="Question 3")
    essay.wait_for()
    expect(essay.get_by_text("Certitude")).to_have_count(0)  # an essay is graded by hand
    essay.locator("textarea").fill("Une journée au marché.")
    essay.get_by_label("Joindre des fichiers").set_input_files(
        {"name": "copie.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    page.get_by_role("button", name="Enregistrer").click()
    expect(essay.get_by_role("link", name="copie.pdf")).to_be_visible()  # kept with the page
    page.get_by_role("button", name="Terminer la tentative…").click()
    page.get_by_role("heading", name="Résumé de la tentative").wait_for()
    page.get_by_role("button", name="Tout envoyer et terminer").click()
    page.get_by_role("heading", name="Tentative 1").wait_for()
    expect(page.get_by_role("heading", name="Notation selon la certitude (CBM)")).to_be_visible()
    attempt = Attempt.objects.get(activity=quiz, user=learner)
    assert attempt.grade is None  # the essay waits for its teacher
    marks = dict(AttemptQuestion.objects.filter(attempt=attempt).values_list("slot", "mark"))
    assert marks == {1: pytest.approx(3.0), 2: pytest.approx(2.0), 3: None}

    marker = make_page(java_script_enabled=script)
    sign_in(marker, live_server, teacher.username, PASSWORD)
    marker.goto(f"{live_server.url}/courses/{course.pk}/quizzes/{quiz.pk}/")
    marker.get_by_role("link", name="Résultats des apprenants").click()
    marker.get_by_role("link", name="À noter").click()
    marker.get_by_role("heading", name="Question 3").wait_for()
    handed = marker.get_by_role("region", name="Question 3").get_by_role("link", name="copie.pdf")
    with marker.expect_download() as download:
        handed.click()
    assert download.value.suggested_filename == "copie.pdf"
    form = marker.locator('form.quiz-grading:has(input[name="slot"][value="3"])')
    form.get_by_label("Note (sur 1,00)").fill("0,5")
    form.get_by_label("Commentaire").fill("Décrivez davantage les étals.")
    form.get_by_role("button", name="Enregistrer la note").click()
    expect(marker.get_by_text("Note enregistrée.")).to_be_visible()

    # Marks shown right after the attempt (Moodle's defaults): the grade is the quiz's CBM
    # figure, 5.5 marks where all right at C=1 makes 3: 18.33 out of 10.
    page.goto(f"{live_server.url}/courses/attempts/{attempt.pk}/review/")
    expect(
        page.get_by_text("Commentaire de l’enseignant : Décrivez davantage les étals.")
    ).to_be_visible()
    expect(page.get_by_text("18,33 / 10,00")).to_be_visible()
    attempt.refresh_from_db()
    assert attempt.grade == pytest.approx(55 / 3)
    # The gradebook holds it within the maximum.
    assert Grade.objects.get(user=learner, activity=quiz).grade == pytest.approx(10.0)
    page.goto(f"{live_server.url}/courses/{course.pk}/my-grades/")
    expect(page.locator("main")).to_contain_text("10 / 10")
