"""The demo course lets a first-time visitor try what learners do: a quiz, an assignment and a
choice, answered through the box's own pages."""

from __future__ import annotations

from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from cartable.accounts.models import User
from cartable.assessment import engine
from cartable.assessment.models import Attempt
from cartable.assignments.models import Submission
from cartable.catalog.models import Activity, Course
from cartable.grades.models import Grade
from cartable.surveys.models import ChoiceAnswer


def _learner() -> tuple[Client, User, Course]:
    call_command("demo", verbosity=0)
    learner = User.objects.get(username="apprenant")
    client = Client()
    client.force_login(learner)
    return client, learner, Course.objects.get(shortname="LETTRE-MOTIV")


def _right_answers(attempt: Attempt, page: int) -> dict[str, str]:
    data: dict[str, str] = {}
    loaded = engine.load_all(attempt)
    for slot in attempt.pages[page]:
        item = loaded[slot]
        response = item.prepared.correct()
        assert response is not None
        data.update({item.prefix + k: v for k, v in item.prepared.form_data(response).items()})
    return data


def test_the_demo_learner_takes_the_quiz_and_gets_full_marks(db) -> None:
    client, learner, course = _learner()
    quiz = course.activities.get(kind=Activity.Kind.QUIZ)
    assert client.get(reverse("assessment:quiz", args=[course.pk, quiz.pk])).status_code == 200
    started = client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    assert started.status_code == 302
    attempt = Attempt.objects.get(activity=quiz, user=learner)
    assert len(attempt.pages) == 3
    for page in range(3):
        url = reverse("assessment:attempt", args=[attempt.pk, page + 1])
        assert client.get(url).status_code == 200
        assert client.post(url, {**_right_answers(attempt, page), "next": "1"}).status_code == 302
    summary = reverse("assessment:summary", args=[attempt.pk])
    assert client.post(summary, {"finish": "1"}).status_code == 302
    grade = Grade.objects.get(activity=quiz, user=learner)
    assert (grade.grade, grade.max_grade) == (10.0, 10.0)


def test_the_demo_learner_hands_in_a_letter_and_chooses_a_project(db) -> None:
    client, learner, course = _learner()
    letter = course.activities.get(kind=Activity.Kind.ASSIGN)
    page = reverse("assignments:assignment", args=[course.pk, letter.pk])
    assert client.get(page).status_code == 200
    saved = client.post(
        reverse("assignments:save", args=[course.pk, letter.pk]),
        {"text": "<p>Madame, Monsieur,</p>", "action": "submit"},
    )
    assert saved.status_code == 302
    submission = Submission.objects.get(activity=letter, learner=learner)
    assert submission.status == "submitted"
    choice = course.activities.get(kind=Activity.Kind.CHOICE)
    url = reverse("surveys:choice", args=[course.pk, choice.pk])
    assert client.get(url).status_code == 200
    assert client.post(url, {"option": "9102"}).status_code == 302
    assert list(ChoiceAnswer.objects.filter(activity=choice).values_list("option", flat=True)) == [
        9102
    ]
