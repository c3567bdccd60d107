"""The quiz's overrides page: its teachers set, replace and remove a learner's or a group's
own settings with a plain form; bad input is refused with a reason and changes nothing; a
learner of the course never reaches it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions
from cartable.assessment.models import Override
from cartable.audit.models import AuditEvent
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


def _url(course, quiz) -> str:
    return reverse("assessment:overrides", args=[course.pk, quiz.pk])


def test_a_teacher_gives_a_learner_more_time_and_removes_it(course, learner, teacher) -> None:
    quiz = quizdata.add_quiz(course, time_limit=600)
    client = signed_in(teacher)
    page = client.get(_url(course, quiz)).content.decode()
    assert "No override set on the box." in page and f'value="u{learner.pk}"' in page
    response = client.post(
        _url(course, quiz), {"target": f"u{learner.pk}", "time_limit": "30", "attempts": ""}
    )
    assert response.status_code == 302
    row = Override.objects.get(activity=quiz, user=learner)
    assert row.time_limit == 1800 and row.attempts is None and not row.sets_password
    page = client.get(_url(course, quiz)).content.decode()
    assert "Léa Moreau (lea)" in page and "30" in page
    remove = reverse("assessment:remove_override", args=[course.pk, quiz.pk, row.pk])
    assert client.post(remove).status_code == 302
    assert not Override.objects.exists()
    assert AuditEvent.objects.filter(action="quiz.override_removed").count() == 1


def test_a_group_gets_its_own_password(course, learner, teacher, cohort) -> None:
    cohort.members.add(learner)
    quiz = quizdata.add_quiz(course)
    client = signed_in(teacher)
    assert f'value="g{cohort.pk}"' in client.get(_url(course, quiz)).content.decode()
    client.post(
        _url(course, quiz),
        {"target": f"g{cohort.pk}", "sets_password": "on", "password": "cellule"},
    )
    row = Override.objects.get(activity=quiz, cohort=cohort)
    assert row.sets_password and row.password == "cellule"
    with pytest.raises(actions.Refused):
        actions.start(actor=learner, activity=quiz, password="autre")
    assert actions.start(actor=learner, activity=quiz, password="cellule")


@pytest.mark.parametrize(
    ("post", "message"),
    [
        ({"attempts": "2"}, "This field is required"),
        ({"target": "u999999", "attempts": "2"}, "Select a valid choice"),
        ({"target": "LEARNER", "attempts": "-1"}, "greater than or equal to 0"),
        ({"target": "LEARNER"}, "Change at least one setting"),
        (
            {"target": "LEARNER", "opens": "2026-03-02T10:00", "closes": "2026-03-01T10:00"},
            "The quiz must close after it opens",
        ),
        ({"target": "LEARNER", "opens": "pas une date"}, "Enter a valid date/time"),
    ],
)
def test_bad_input_is_refused_with_a_reason_and_changes_nothing(
    course, learner, teacher, post, message
) -> None:
    quiz = quizdata.add_quiz(course)
    if post.get("target") == "LEARNER":
        post = {**post, "target": f"u{learner.pk}"}
    response = signed_in(teacher).post(_url(course, quiz), post)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Override.objects.exists()


def test_a_learner_outside_the_course_is_not_offered(course, teacher, outsider_learner) -> None:
    quiz = quizdata.add_quiz(course)
    client = signed_in(teacher)
    assert f'value="u{outsider_learner.pk}"' not in client.get(_url(course, quiz)).content.decode()
    response = client.post(
        _url(course, quiz), {"target": f"u{outsider_learner.pk}", "attempts": "3"}
    )
    assert response.status_code == 200 and not Override.objects.exists()


def test_a_learner_of_the_course_is_refused_and_changes_nothing(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    client = signed_in(learner)
    assert client.get(_url(course, quiz)).status_code == 403
    response = client.post(_url(course, quiz), {"target": f"u{learner.pk}", "attempts": "9"})
    assert response.status_code == 403 and not Override.objects.exists()


def test_the_page_is_in_french(course, teacher) -> None:
    quiz = quizdata.add_quiz(course)
    client = signed_in_fr(teacher)
    with translation.override("fr"):
        page = client.get(_url(course, quiz)).content.decode()
    assert "Dérogations" in page and "Enregistrer la dérogation" in page
