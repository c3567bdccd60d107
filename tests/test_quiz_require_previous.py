"""A question that requires the previous one (Moodle's requireprevious) is not shown, and
takes no answer, until the previous question is finished (checked, under a behaviour where
it can finish during the attempt)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions
from cartable.assessment.models import AttemptQuestion
from cartable.importers.jsonable import to_json
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr

pytestmark = pytest.mark.django_db

WAITING = "cannot be answered until the previous question has been completed"


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def signed_in(user):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def _quiz(course, behaviour: str):
    questions = (quizdata.earth(), quizdata.river())
    quiz = quizdata.add_quiz(course, questions, per_page=2)
    content = quizdata.quiz_content(
        questions, per_page=2, preferred_behaviour=behaviour, shuffle_answers=False
    )
    slots = (content.slots[0], replace(content.slots[1], require_previous=True))
    quiz.data = to_json(replace(content, slots=slots))
    quiz.save(update_fields=["data"])
    return quiz


def _steps(attempt, slot: int) -> list:
    return AttemptQuestion.objects.get(attempt=attempt, slot=slot).actions


def test_the_second_question_waits_until_the_first_is_checked(course, learner) -> None:
    quiz = _quiz(course, "interactive")
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    page = client.get(url).content.decode()
    assert WAITING in page and 'name="q2:answer"' not in page
    # Posted anyway (a forged form): nothing of it is taken.
    client.post(url, {"q1:answer": "1", "q2:answer": "Loire", "save": "1"})
    assert _steps(attempt, 2) == [] and len(_steps(attempt, 1)) == 1
    client.post(url, {"q1:answer": "1", "check": "1"})
    page = client.get(url).content.decode()
    assert WAITING not in page and 'name="q2:answer"' in page
    client.post(url, {"q1:answer": "1", "q2:answer": "Loire", "save": "1"})
    assert [step["type"] for step in _steps(attempt, 2)] == ["Save"]


def test_under_deferred_feedback_nothing_waits(course, learner) -> None:
    quiz = _quiz(course, "deferredfeedback")
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    assert WAITING not in client.get(url).content.decode()
    client.post(url, {"q2:answer": "Loire", "save": "1"})
    assert len(_steps(attempt, 2)) == 1
