"""A teacher builds a quiz from the course's bank on a 320-pixel screen with JavaScript off;
it waits for staff's approval."""

from __future__ import annotations

import pytest

from cartable.catalog.models import Activity
from tests import quizdata
from tests.browser.conftest import page_width
from tests.browser.test_learner_journey import sign_in
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)


def fits(page) -> None:
    assert page_width(page) <= 320


def test_a_teacher_builds_a_quiz_without_javascript_at_320_px(
    make_page, live_server, course, teacher
) -> None:
    quizdata.save_questions(course, *(make() for make in quizdata.MIXED))
    page = make_page(java_script_enabled=False, viewport={"width": 320, "height": 640})
    sign_in(page, live_server, teacher.username, PASSWORD)
    page.goto(f"{live_server.url}/courses/{course.pk}/questions/")
    page.get_by_role("link", name="Construire un quiz avec ces questions").click()
    page.get_by_role("heading", name="Construire un quiz").wait_for()
    fits(page)
    page.get_by_label("Titre").fill("Quiz de révision")
    page.locator('input[name="questions"][value="101"]').check()
    page.locator('input[name="questions"][value="102"]').check()
    page.get_by_label("Durée maximale (minutes)").fill("15")
    page.get_by_role("button", name="Enregistrer le quiz").click()
    page.get_by_text("Les apprenants le verront une fois approuvé").wait_for()
    fits(page)
    quiz = Activity.objects.get(title="Quiz de révision")
    assert quiz.review_status == Activity.Review.PENDING
    assert quiz.data["time_limit"] == 900
