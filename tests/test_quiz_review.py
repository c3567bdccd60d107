"""The review shows exactly what the quiz's review options allow at that moment: during the
attempt, right after it, later while the quiz is open, after it closes."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt
from cartable.catalog.models import Activity
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr
from tests.kinddata import as_json

pytestmark = pytest.mark.django_db

NEVER, ALWAYS, AFTER = quizdata.NEVER, quizdata.ALWAYS, quizdata.AFTER
LATER = quizdata.ReviewWhen(False, False, True, True)
CLOSED = quizdata.ReviewWhen(False, False, False, True)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def signed_in(user):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def finished_attempt(learner, quiz: Activity) -> Attempt:
    """An attempt with the capital question right and the others unanswered."""
    attempt = actions.start(actor=learner, activity=quiz)
    loaded = engine.load_all(attempt)[1]
    right = loaded.prepared.correct()
    assert right is not None
    form = {loaded.prefix + k: v for k, v in loaded.prepared.form_data(right).items()}
    actions.save(actor=learner, attempt=attempt, page=0, form=form)
    actions.finish(actor=learner, attempt=attempt)
    return attempt


def set_review(quiz: Activity, **review: object) -> None:
    settings = engine.settings_of(quiz)
    quiz.data = as_json(replace(settings, review=replace(settings.review, **review)))
    quiz.save(update_fields=["data"])


def set_closes(quiz: Activity, when) -> None:
    quiz.data = as_json(replace(engine.settings_of(quiz), closes=when))
    quiz.save(update_fields=["data"])


def review_of(learner, attempt: Attempt) -> str:
    response = signed_in(learner).get(reverse("assessment:review", args=[attempt.pk]))
    assert response.status_code == 200
    return response.content.decode()


def age(attempt: Attempt, minutes: int) -> None:
    Attempt.objects.filter(pk=attempt.pk).update(
        finished_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_right_after_the_attempt_moodles_defaults_show_everything(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = finished_attempt(learner, quiz)
    html = review_of(learner, attempt)
    assert "The right answer: Paris" in html
    assert "Paris est la capitale depuis longtemps." in html  # general feedback
    assert "<p>Oui.</p>" in html  # the chosen answer's feedback
    assert "Mark 1.00 out of 1.00" in html
    assert "2.00 / 10.00" in html
    assert "Revoyez le chapitre." in html  # the overall feedback band


def test_it_hides_what_the_options_keep_for_later(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    set_review(
        quiz,
        right_answer=CLOSED,
        marks=LATER,
        general_feedback=NEVER,
        specific_feedback=LATER,
        overall_feedback=CLOSED,
    )
    attempt = finished_attempt(learner, quiz)
    now = review_of(learner, attempt)
    assert "Quelle est la capitale de la France" in now
    assert "Correct" in now  # correctness: right after (the default)
    assert "The right answer" not in now
    assert "Mark 1.00 out of 1.00" not in now and "Marked out of 1.00" in now
    assert "2.00 / 10.00" not in now
    assert "<p>Oui.</p>" not in now
    assert "Paris est la capitale depuis longtemps." not in now
    assert "Revoyez" not in now
    age(attempt, 10)  # later, while the quiz is open
    later = review_of(learner, attempt)
    assert "Mark 1.00 out of 1.00" in later and "2.00 / 10.00" in later
    assert "<p>Oui.</p>" in later
    assert "The right answer" not in later and "Revoyez" not in later
    set_closes(quiz, timezone.now() - timedelta(minutes=1))  # after the quiz closed
    closed = review_of(learner, attempt)
    assert "The right answer: Paris" in closed and "Revoyez le chapitre." in closed
    assert "Paris est la capitale depuis longtemps." not in closed  # never


def test_a_review_not_allowed_now_shows_no_question(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    set_review(quiz, attempt=CLOSED, marks=NEVER)
    attempt = finished_attempt(learner, quiz)
    html = review_of(learner, attempt)
    assert "The review of this attempt is not available now." in html
    assert "Quelle est la capitale" not in html
    assert "2.00" not in html
    summary = signed_in(learner).get(reverse("assessment:quiz", args=[course.pk, quiz.pk]))
    page = summary.content.decode()
    assert reverse("assessment:review", args=[attempt.pk]) not in page
    assert "Your grade for this quiz" not in page  # marks never shown: the grade waits too


def test_the_quiz_page_shows_grades_as_the_options_allow(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = finished_attempt(learner, quiz)
    page = signed_in(learner).get(reverse("assessment:quiz", args=[course.pk, quiz.pk]))
    html = page.content.decode()
    assert "2.00 / 10.00" in html
    assert "Your grade for this quiz: 2.00 / 10.00" in html
    assert reverse("assessment:review", args=[attempt.pk]) in html


def test_immediate_feedback_shows_the_outcome_of_a_check_only_if_allowed_during(
    course, learner
) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.capital(),), preferred_behaviour="immediatefeedback")
    client = signed_in(learner)
    client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    loaded = engine.load_all(attempt)[1]
    right = loaded.prepared.correct()
    assert right is not None
    form = {loaded.prefix + k: v for k, v in loaded.prepared.form_data(right).items()}
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    client.post(url, {**form, "check": "1"})
    html = client.get(url).content.decode()
    assert 'name="q1:answer"' in html and "disabled" in html  # checked: it is over
    assert "<p>Oui.</p>" not in html and "The right answer" not in html  # not during
    set_review(quiz, specific_feedback=ALWAYS, correctness=ALWAYS, right_answer=ALWAYS)
    html = client.get(url).content.decode()
    assert "<p>Oui.</p>" in html and "The right answer: Paris" in html
    assert "quiz-state--right" in html


def test_interactive_mode_lets_the_learner_try_again_with_a_hint(course, learner) -> None:
    question = replace(
        quizdata.capital(), hints=(quizdata.q.Hint("<p>Pensez à la tour Eiffel.</p>"),)
    )
    quiz = quizdata.add_quiz(course, (question,), preferred_behaviour="interactive")
    set_review(quiz, specific_feedback=ALWAYS)
    client = signed_in(learner)
    client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    loaded = engine.load_all(attempt)[1]
    wrong = str(loaded.prepared.order.index(1))  # Lyon
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    client.post(url, {"q1:answer": wrong, "check": "1"})
    html = client.get(url).content.decode()
    assert "Pensez à la tour Eiffel." in html
    assert 'name="tryagain"' in html
    client.post(url, {"tryagain": "1"})
    right = str(loaded.prepared.order.index(0))
    client.post(url, {"q1:answer": right, "check": "1"})
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    attempt.refresh_from_db()
    assert attempt.sum_marks == pytest.approx(1 - 0.3333333)  # one try lost: the penalty
