"""Teachers read learners' attempts and grade what waits for them (an essay): the attempt's
grade and the gradebook follow, audited; the learner reads the comment as the review allows."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
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


@pytest.fixture
def essay_attempt(course, learner) -> Attempt:
    quiz = quizdata.add_quiz(course, (quizdata.capital(), quizdata.essay()))
    attempt = actions.start(actor=learner, activity=quiz)
    item = engine.load_all(attempt)[1]
    right = item.prepared.correct()
    assert right is not None
    form = {item.prefix + k: v for k, v in item.prepared.form_data(right).items()}
    form["q2:answer"] = "Je me suis levée tôt."
    actions.save(actor=learner, attempt=attempt, page=0, form=form)
    actions.finish(actor=learner, attempt=attempt)
    assert attempt.grade is None
    return attempt


def test_a_teacher_grades_an_essay_and_the_grade_follows(
    essay_attempt, course, teacher, learner
) -> None:
    quiz = essay_attempt.activity
    client = signed_in(teacher)
    results = client.get(reverse("assessment:results", args=[course.pk, quiz.pk])).content.decode()
    assert "Léa Moreau" in results and "To grade" in results
    url = reverse("assessment:grading", args=[essay_attempt.pk])
    page = client.get(url).content.decode()
    assert "Je me suis levée tôt." in page
    response = client.post(url, {"slot": "2", "mark": "0,5", "comment": "Bien, mais court."})
    assert response.status_code == 302
    essay_attempt.refresh_from_db()
    assert essay_attempt.sum_marks == pytest.approx(1.5)
    assert essay_attempt.grade == pytest.approx(7.5)
    grade = Grade.objects.get(activity=quiz, user=learner)
    assert grade.grade == pytest.approx(7.5) and grade.graded_by == teacher
    event = AuditEvent.objects.get(action="quiz.question_graded")
    assert event.actor == teacher and event.details["mark"] == 0.5
    assert Entry.objects.filter(kind="attempt", payload__graded_by="tess").exists()
    review = signed_in(learner).get(reverse("assessment:review", args=[essay_attempt.pk]))
    html = review.content.decode()
    assert "Teacher's comment: Bien, mais court." in html
    assert "7.50 / 10.00" in html


def test_a_mark_out_of_bounds_is_refused_and_changes_nothing(essay_attempt, teacher) -> None:
    url = reverse("assessment:grading", args=[essay_attempt.pk])
    client = signed_in(teacher)
    for mark in ("2", "-1", "beaucoup", "nan"):
        response = client.post(url, {"slot": "2", "mark": mark})
        assert response.status_code == 400
        assert "The mark must be a number between 0" in response.content.decode()
    essay_attempt.refresh_from_db()
    assert essay_attempt.grade is None
    assert not AuditEvent.objects.filter(action="quiz.question_graded").exists()


def test_learners_and_other_teachers_cannot_grade(
    essay_attempt, course, learner, other_learner, institution
) -> None:
    from cartable.accounts.models import Role
    from tests.conftest import make_user

    quiz = essay_attempt.activity
    stranger = make_user("tom", Role.TEACHER, learner.establishment)
    url = reverse("assessment:grading", args=[essay_attempt.pk])
    results = reverse("assessment:results", args=[course.pk, quiz.pk])
    assert signed_in(learner).get(url).status_code == 403
    assert signed_in(learner).post(url, {"slot": "2", "mark": "1"}).status_code == 403
    assert signed_in(learner).get(results).status_code == 403
    assert signed_in(other_learner).get(url).status_code == 404
    assert signed_in(stranger).post(url, {"slot": "2", "mark": "1"}).status_code == 404
    essay_attempt.refresh_from_db()
    assert essay_attempt.grade is None


def test_a_quiz_completed_by_a_grade_waits_for_the_essays_grade(course, learner, teacher) -> None:
    from cartable.learning.models import ActivityProgress

    quiz = quizdata.add_quiz(course, (quizdata.essay(),))
    quiz.completion = {"tracking": "automatic", "grade": True}
    quiz.save(update_fields=["completion"])
    attempt = actions.start(actor=learner, activity=quiz)
    actions.save(actor=learner, attempt=attempt, page=0, form={"q1:answer": "Un texte."})
    actions.finish(actor=learner, attempt=attempt)
    assert not ActivityProgress.objects.filter(
        activity=quiz, user=learner, completed_at__isnull=False
    ).exists()
    actions.grade_question(actor=teacher, attempt=attempt, slot=1, mark=1.0)
    progress = ActivityProgress.objects.get(activity=quiz, user=learner)
    assert progress.completed_at is not None and progress.completed_by == "grade"


def test_a_quiz_asking_for_two_attempts_is_completed_by_the_second(course, learner) -> None:
    from cartable.learning.models import ActivityProgress

    quiz = quizdata.add_quiz(course)
    quiz.completion = {"tracking": "automatic", "rules": [["completionminattempts", 2]]}
    quiz.save(update_fields=["completion"])
    for number in (1, 2):
        attempt = actions.start(actor=learner, activity=quiz)
        actions.finish(actor=learner, attempt=attempt)
        done = ActivityProgress.objects.filter(
            activity=quiz, user=learner, completed_at__isnull=False
        ).exists()
        assert done == (number == 2)


def test_the_results_page_closes_the_attempts_whose_time_is_up(course, learner, teacher) -> None:
    from datetime import timedelta

    from django.utils import timezone

    quiz = quizdata.add_quiz(course, time_limit=60)
    attempt = actions.start(actor=learner, activity=quiz, now=timezone.now() - timedelta(hours=1))
    page = signed_in(teacher).get(reverse("assessment:results", args=[course.pk, quiz.pk]))
    assert page.status_code == 200
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert "0.00 / 10.00" in page.content.decode()
    assert Grade.objects.get(activity=quiz, user=learner).grade == 0.0
