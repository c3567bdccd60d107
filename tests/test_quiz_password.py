"""Password-protected quizzes: the password the backup carries is asked for on start, checked
on the server; wrong passwords are refused and audited; a quiz whose password the box does not
have never starts freely."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions
from cartable.assessment.models import Attempt
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


def urls(quiz) -> tuple[str, str]:
    page = reverse("assessment:quiz", args=[quiz.course_id, quiz.pk])
    return page, reverse("assessment:start", args=[quiz.course_id, quiz.pk])


def test_a_learner_starts_a_protected_quiz_with_its_password_only(course, learner) -> None:
    quiz = quizdata.add_quiz(course, password_protected=True, password="sésame 42")
    page, start = urls(quiz)
    client = signed_in(learner)
    shown = client.get(page).content.decode()
    assert 'name="password"' in shown and "sésame" not in shown
    refused = client.post(start, {"password": "sesame 42"}, follow=True)
    assert "The password is not the quiz&#x27;s password." in refused.content.decode()
    client.post(start, {})  # no password at all
    assert not Attempt.objects.exists()
    events = AuditEvent.objects.filter(action="quiz.password_refused")
    assert events.count() == 2 and "sesame" not in str(list(events.values("details")))
    response = client.post(start, {"password": "sésame 42"})
    attempt = Attempt.objects.get(user=learner)
    assert response.status_code == 302 and attempt.is_open
    # Continuing one's own attempt asks for nothing more.
    assert actions.start(actor=learner, activity=quiz).pk == attempt.pk


def test_a_quiz_whose_password_the_box_lacks_never_starts(course, learner, teacher) -> None:
    quiz = quizdata.add_quiz(course, password_protected=True)
    page, start = urls(quiz)
    client = signed_in(learner)
    shown = client.get(page).content.decode()
    assert "did not come with the course" in shown and 'action="' + start not in shown
    client.post(start, {"password": ""})
    assert not Attempt.objects.exists()
    with pytest.raises(actions.Refused):
        actions.start(actor=learner, activity=quiz, password="anything")
    # Teachers and staff are told why, and may still preview it.
    told = signed_in(teacher).get(page).content.decode()
    assert "did not keep when the course was imported" in told
    assert actions.start(actor=teacher, activity=quiz, preview=True).preview


def test_teachers_see_the_password_to_give_learners(course, teacher) -> None:
    quiz = quizdata.add_quiz(course, password_protected=True, password="sésame 42")
    page, _ = urls(quiz)
    assert "sésame 42" in signed_in(teacher).get(page).content.decode()


def test_a_quiz_without_password_starts_as_before(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    assert actions.start(actor=learner, activity=quiz, password=None).is_open


# --- Wrong passwords are limited per learner and quiz -----------------------------------------


def test_too_many_wrong_passwords_refuse_even_the_right_one_for_a_while(
    course, learner, other_learner, monkeypatch
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cartable.catalog.models import Enrolment

    quiz = quizdata.add_quiz(course, password_protected=True, password="sésame 42")
    other_quiz = quizdata.add_quiz(
        course, password_protected=True, password="ouvre", title="Autre quiz"
    )
    for _ in range(actions.MAX_PASSWORD_FAILURES):
        with pytest.raises(actions.Refused, match="not the quiz's password"):
            actions.start(actor=learner, activity=quiz, password="devine")
    with pytest.raises(actions.Refused, match="Too many wrong passwords"):
        actions.start(actor=learner, activity=quiz, password="sésame 42")
    assert not Attempt.objects.exists()
    locked = AuditEvent.objects.get(action="quiz.password_locked")
    assert locked.actor_id == learner.pk and locked.details["minutes"] == 15
    # Another quiz, another learner: not limited by these failures.
    assert actions.start(actor=learner, activity=other_quiz, password="ouvre").pk
    Enrolment.objects.create(user=other_learner, course=course, role=Enrolment.Role.LEARNER)
    assert actions.start(actor=other_learner, activity=quiz, password="sésame 42").pk
    # Once the failures are older than the window, the right password opens it again.
    later = timezone.now() + timedelta(minutes=16)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert actions.start(actor=learner, activity=quiz, password="sésame 42").user_id == learner.pk


def test_the_limit_is_told_on_the_quiz_page(course, learner) -> None:
    quiz = quizdata.add_quiz(course, password_protected=True, password="sésame 42")
    _page, start = urls(quiz)
    client = signed_in(learner)
    for _ in range(actions.MAX_PASSWORD_FAILURES):
        client.post(start, {"password": "non"})
    told = client.post(start, {"password": "sésame 42"}, follow=True).content.decode()
    assert "Too many wrong passwords were typed for this quiz. Wait 15 minutes" in told
    assert not Attempt.objects.exists()
    assert AuditEvent.objects.filter(action="quiz.password_refused").count() == 5


def test_teachers_previews_are_never_limited(course, learner, teacher) -> None:
    quiz = quizdata.add_quiz(course, password_protected=True, password="sésame 42")
    for _ in range(actions.MAX_PASSWORD_FAILURES):
        with pytest.raises(actions.Refused):
            actions.start(actor=learner, activity=quiz, password="x")
    assert actions.start(actor=teacher, activity=quiz, preview=True).preview
