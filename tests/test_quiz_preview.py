"""Teachers and staff preview a quiz (an attempt of their own, never graded nor logged as a
learner's work) and any question of the bank (nothing kept)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import engine
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Question
from cartable.grades.models import Grade
from cartable.outbox.models import Entry
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


def test_a_teacher_previews_a_quiz_without_grading_anyone(course, teacher) -> None:
    quiz = quizdata.add_quiz(course, attempts=1)
    client = signed_in(teacher)
    page = client.get(reverse("assessment:quiz", args=[course.pk, quiz.pk])).content.decode()
    assert "Preview the quiz" in page
    assert "Capitale" in page and "(multichoice)" in page  # the questions, to preview one by one
    client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    assert attempt.preview and attempt.user == teacher
    loaded = engine.load_all(attempt)
    form = {}
    for slot in attempt.pages[0]:
        right = loaded[slot].prepared.correct()
        assert right is not None
        form.update(
            {loaded[slot].prefix + k: v for k, v in loaded[slot].prepared.form_data(right).items()}
        )
    client.post(reverse("assessment:attempt", args=[attempt.pk, 1]), form)
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    review = client.get(reverse("assessment:review", args=[attempt.pk])).content.decode()
    assert "The right answer: Paris" in review and "4.00 / 10.00" in review
    # Again and again: a preview knows no attempt limit and replaces the last one.
    client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    assert Attempt.objects.filter(activity=quiz).count() == 1
    assert not Grade.objects.exists() and not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="quiz.").exists()


def test_a_learner_cannot_reach_a_teachers_preview(course, teacher, learner) -> None:
    quiz = quizdata.add_quiz(course)
    signed_in(teacher).post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    client = signed_in(learner)
    assert client.get(reverse("assessment:attempt", args=[attempt.pk, 1])).status_code == 404
    assert client.get(reverse("assessment:review", args=[attempt.pk])).status_code == 404


@pytest.mark.parametrize("make", (*quizdata.MIXED, quizdata.essay))
def test_a_teacher_previews_a_question_and_sees_it_graded(course, teacher, make) -> None:
    quizdata.save_questions(course, make())
    row = Question.objects.get(course=course)
    client = signed_in(teacher)
    url = reverse("assessment:question_preview", args=[course.pk, row.pk])
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="q1:' in html and 'name="seed"' in html
    seed = html.split('name="seed" value="', 1)[1].split('"', 1)[0]
    question = engine.question_of(row, 1)
    from cartable.assessment import scoring

    prepared = scoring.prepare(
        question,
        scoring.start(
            question,
            scoring.StartContext(
                seed=seed, user=str(teacher.pk), decimal_point=".", thousands_separator=","
            ),
        ),
    )
    right = prepared.correct()
    form = {"seed": seed, "finish": "1"}
    if right is not None:
        form.update({"q1:" + k: v for k, v in prepared.form_data(right).items()})
    else:
        form["q1:answer"] = "Une journée tranquille."
    graded = client.post(url, form).content.decode()
    if right is not None:
        assert "Mark 1.00 out of 1.00" in graded and "quiz-state--right" in graded
    else:
        assert "Waiting for the teacher&#x27;s grade" in graded
    assert not AuditEvent.objects.exclude(action="auth.sign_in").exists()
    assert not Attempt.objects.exists()


def test_learners_and_other_courses_get_no_question_preview(
    course, other_course, learner, teacher
) -> None:
    quizdata.save_questions(course, quizdata.capital())
    row = Question.objects.get(course=course)
    assert (
        signed_in(learner)
        .get(reverse("assessment:question_preview", args=[course.pk, row.pk]))
        .status_code
        == 403
    )
    assert (
        signed_in(teacher)
        .get(reverse("assessment:question_preview", args=[other_course.pk, row.pk]))
        .status_code
        == 404
    )
