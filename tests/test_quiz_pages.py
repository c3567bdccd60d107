"""The quiz's pages without JavaScript: the summary, a plain form per page that saves every
answer, the summary before finishing, the review; only one's own attempts."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt
from cartable.grades.models import Grade
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def signed_in(user):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def right_answers(attempt: Attempt, page: int) -> dict[str, str]:
    data: dict[str, str] = {}
    loaded = engine.load_all(attempt)
    for slot in attempt.pages[page]:
        item = loaded[slot]
        response = item.prepared.correct()
        if response is not None:
            data.update({item.prefix + k: v for k, v in item.prepared.form_data(response).items()})
    return data


def start(client, quiz) -> Attempt:
    response = client.post(reverse("assessment:start", args=[quiz.course_id, quiz.pk]))
    assert response.status_code == 302
    attempt = Attempt.objects.get(activity=quiz)
    assert response["Location"] == reverse("assessment:attempt", args=[attempt.pk, 1])
    return attempt


def test_the_activity_page_leads_to_the_quiz(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    page = signed_in(learner).get(reverse("learning:activity", args=[course.pk, quiz.pk]))
    assert page.status_code == 200
    assert reverse("assessment:quiz", args=[course.pk, quiz.pk]) in page.content.decode()


def test_a_learner_takes_a_quiz_page_by_page_and_finds_the_answers_again(course, learner) -> None:
    quiz = quizdata.add_quiz(course, time_limit=3600)
    client = signed_in(learner)
    summary = client.get(reverse("assessment:quiz", args=[course.pk, quiz.pk]))
    assert summary.status_code == 200
    assert "Start the quiz" in summary.content.decode()
    attempt = start(client, quiz)
    page = client.get(reverse("assessment:attempt", args=[attempt.pk, 1]))
    html = page.content.decode()
    assert page.status_code == 200
    assert "Quelle est la capitale de la France" in html
    assert "Time left: 59 min" in html or "Time left: 1 h 00 min" in html
    assert "<script" not in html.split("</head>", 1)[1]  # the page needs no script
    posted = {**right_answers(attempt, 0), "next": "1"}
    moved = client.post(reverse("assessment:attempt", args=[attempt.pk, 1]), posted)
    assert moved["Location"] == reverse("assessment:attempt", args=[attempt.pk, 2])
    # Signed out and back (another client): the page shows the answers saved.
    again = signed_in(learner)
    html = again.get(reverse("assessment:attempt", args=[attempt.pk, 1])).content.decode()
    for name, value in right_answers(attempt, 0).items():
        assert re.search(
            rf'name="{re.escape(name)}" value="{re.escape(value)}"[^>]* checked', html
        ), name
    for index in (1, 2):
        again.post(
            reverse("assessment:attempt", args=[attempt.pk, index + 1]),
            {**right_answers(attempt, index), "save": "1"},
        )
    done = again.get(reverse("assessment:summary", args=[attempt.pk]))
    assert done.content.decode().count("Answer saved") == 5
    finished = again.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    assert finished["Location"] == reverse("assessment:review", args=[attempt.pk])
    review = again.get(finished["Location"]).content.decode()
    assert "10.00 / 10.00" in review
    assert "Bravo" in review  # the overall feedback band
    assert Grade.objects.get(user=learner, activity=quiz).grade == pytest.approx(10.0)


def test_nobody_else_reaches_an_attempt(course, learner, other_learner, teacher, staff) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz)
    for user in (other_learner, teacher, staff):
        client = signed_in(user)
        for name, args in (
            ("assessment:attempt", [attempt.pk, 1]),
            ("assessment:summary", [attempt.pk]),
            ("assessment:review", [attempt.pk]),
        ):
            assert client.get(reverse(name, args=args)).status_code == 404
            assert client.post(reverse(name, args=args), {"finish": "1"}).status_code == 404
    attempt.refresh_from_db()
    assert attempt.is_open


def test_a_learner_never_sees_the_right_answer_during_the_attempt(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    client = signed_in(learner)
    attempt = start(client, quiz)
    client.post(reverse("assessment:attempt", args=[attempt.pk, 1]), right_answers(attempt, 0))
    html = client.get(reverse("assessment:attempt", args=[attempt.pk, 1])).content.decode()
    assert "The right answer" not in html
    assert "Paris est la capitale" not in html  # general feedback
    assert "Correct" not in html


def test_the_attempt_closes_itself_when_its_time_is_up(course, learner) -> None:
    from datetime import timedelta

    quiz = quizdata.add_quiz(course, time_limit=60)
    client = signed_in(learner)
    attempt = start(client, quiz)
    client.post(reverse("assessment:attempt", args=[attempt.pk, 1]), right_answers(attempt, 0))
    Attempt.objects.filter(pk=attempt.pk).update(
        started_at=attempt.started_at - timedelta(minutes=5),
        deadline=attempt.deadline - timedelta(minutes=5),
    )
    late = client.post(
        reverse("assessment:attempt", args=[attempt.pk, 2]), right_answers(attempt, 1)
    )
    assert late["Location"] == reverse("assessment:review", args=[attempt.pk])
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.sum_marks == pytest.approx(2.0)  # page 1 only


def test_sequential_navigation_never_goes_back(course, learner) -> None:
    quiz = quizdata.add_quiz(course, navigation="sequential")
    client = signed_in(learner)
    attempt = start(client, quiz)
    assert client.get(reverse("assessment:attempt", args=[attempt.pk, 2])).status_code == 404
    client.post(reverse("assessment:attempt", args=[attempt.pk, 1]), {"next": "1"})
    back = client.get(reverse("assessment:attempt", args=[attempt.pk, 1]))
    assert back["Location"] == reverse("assessment:attempt", args=[attempt.pk, 2])
    html = client.get(reverse("assessment:attempt", args=[attempt.pk, 2])).content.decode()
    assert 'name="previous"' not in html and 'name="goto"' not in html


def test_a_refused_start_says_why(course, learner) -> None:
    quiz = quizdata.add_quiz(course, attempts=1)
    client = signed_in(learner)
    attempt = actions.start(actor=learner, activity=quiz)
    actions.finish(actor=learner, attempt=attempt)
    summary = client.get(reverse("assessment:quiz", args=[course.pk, quiz.pk])).content.decode()
    assert "You have used every attempt this quiz allows." in summary
    refused = client.post(reverse("assessment:start", args=[course.pk, quiz.pk]), follow=True)
    assert "You have used every attempt this quiz allows." in refused.content.decode()
    assert Attempt.objects.count() == 1


def test_a_page_of_another_kind_is_no_quiz(course, learner) -> None:
    page = course.activities.filter(kind="page").first()
    client = signed_in(learner)
    assert client.get(reverse("assessment:quiz", args=[course.pk, page.pk])).status_code == 404
    assert client.post(reverse("assessment:start", args=[course.pk, page.pk])).status_code == 404


def test_every_question_type_of_the_mix_shows_its_inputs(course, learner) -> None:
    quiz = quizdata.add_quiz(course, per_page=10)
    client = signed_in(learner)
    attempt = start(client, quiz)
    html = client.get(reverse("assessment:attempt", args=[attempt.pk, 1])).content.decode()
    assert 'type="radio" name="q1:answer"' in html
    assert 'name="q2:answer" value="1"' in html
    assert 'type="text" name="q3:answer"' in html
    assert 'type="text" name="q4:answer"' in html
    assert '<select name="q5:sub0"' in html
