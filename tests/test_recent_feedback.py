"""The learner home's "Recent feedback": the latest released grades that came with a teacher's
words, newest first, the learner's own only, in one query whatever their number."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.models import Grade
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def quiz(course: Course, title: str, **extra) -> Activity:
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=100 + course.activities.count(),
        kind="quiz",
        title=title,
        review_status=Activity.Review.APPROVED,
        **extra,
    )


def grade(activity: Activity, user, feedback: str, *, days_ago: float | None = 1) -> Grade:
    return Grade.objects.create(
        course_id=activity.course_id,
        activity=activity,
        user=user,
        grade=15,
        max_grade=20,
        source=Grade.Source.ASSIGN,
        feedback=feedback,
        released_at=None if days_ago is None else timezone.now() - timedelta(days=days_ago),
    )


def feedback_section(page: str) -> str:
    return page[page.index('id="feedback"') :]


def test_it_shows_the_latest_released_feedback_newest_first(course, learner) -> None:
    grade(quiz(course, "Quiz ancien"), learner, "<p>Ancien retour</p>", days_ago=3)
    grade(quiz(course, "Quiz récent"), learner, "<p>Retour récent</p>", days_ago=1)
    section = feedback_section(signed_in(learner).get("/").content.decode())
    assert section.index("Retour récent") < section.index("Ancien retour")
    assert "15 / 20" in section and f"/courses/{course.pk}/my-grades/" in section
    assert "Pas encore de retour" not in section


def test_it_leaves_out_what_is_not_the_learners_to_read(course, learner, other_learner) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    grade(quiz(course, "Pas encore"), learner, "<p>Pas encore montré</p>", days_ago=None)
    grade(quiz(course, "Demain"), learner, "<p>Montré demain</p>", days_ago=-1)
    grade(quiz(course, "Sans mot"), learner, "")
    grade(quiz(course, "Caché", visible=False), learner, "<p>Activité cachée</p>")
    grade(quiz(course, "Pour Omar"), other_learner, "<p>Retour pour Omar</p>")
    section = feedback_section(signed_in(learner).get("/").content.decode())
    for hidden in ("Pas encore montré", "Montré demain", "Sans mot", "Activité cachée", "Omar"):
        assert hidden not in section
    assert "Pas encore de retour" in section


def test_it_reads_the_feedback_in_one_query_whatever_its_amount(course, learner) -> None:
    def cost() -> int:
        client = signed_in(learner)
        client.get("/health/")
        with CaptureQueriesContext(connection) as queries:
            client.get("/")
        return len(queries)

    grade(quiz(course, "Quiz 0"), learner, "<p>Retour 0</p>")
    few = cost()
    for number in range(1, 12):
        grade(quiz(course, f"Quiz {number}"), learner, f"<p>Retour {number}</p>", days_ago=number)
    assert cost() == few
    section = feedback_section(signed_in(learner).get("/").content.decode())
    assert section.count('class="card feedback__item"') == 5
