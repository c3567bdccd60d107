"""Each role lands on its own home page, with its own data."""

from __future__ import annotations

import pytest
from django.test import Client

from cartable.catalog.models import Course, Enrolment
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db


def test_it_sends_the_anonymous_visitor_to_sign_in() -> None:
    response = Client().get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"


def test_it_shows_the_learner_their_published_courses(learner, course, other_course) -> None:
    response = signed_in(learner).get("/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Cours HIST101" in page
    assert f'href="/courses/{course.pk}/"' in page
    assert "Cours SECRET202" not in page


def test_it_hides_an_unpublished_course_from_the_learner(learner, institution) -> None:
    pending = build_course(institution, "DRAFT1", status=Course.Status.PENDING_REVIEW)
    Enrolment.objects.create(user=learner, course=pending)
    page = signed_in(learner).get("/").content.decode()
    assert "Cours DRAFT1" not in page
    assert "Vous n’avez encore aucun cours." in page


def test_it_shows_the_learner_an_empty_state_without_courses(learner) -> None:
    response = signed_in(learner).get("/")
    assert response.status_code == 200
    assert "Vous n’avez encore aucun cours." in response.content.decode()


def test_it_shows_the_teacher_the_courses_they_teach_with_learner_counts(
    teacher, learner, other_learner, course, other_course
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    page = signed_in(teacher).get("/").content.decode()
    assert "Cours HIST101" in page
    assert "2 apprenants" in page
    assert "Cours SECRET202" not in page


def test_it_shows_the_teacher_an_empty_state(teacher) -> None:
    page = signed_in(teacher).get("/").content.decode()
    assert "Vous n’enseignez encore aucun cours." in page


def test_it_sends_staff_to_the_accounts_of_their_establishment(
    staff, learner, outsider_learner
) -> None:
    client = signed_in(staff)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    page = client.get("/accounts/").content.decode()
    assert "Léa Moreau" in page
    assert "olga" not in page


def test_it_shows_the_administrator_every_account(admin, learner, outsider_learner) -> None:
    page = signed_in(admin).get("/accounts/").content.decode()
    assert "Léa Moreau" in page
    assert "olga" in page


def test_it_keeps_the_learner_home_to_a_fixed_number_of_queries(learner, institution) -> None:
    """Session, user, enrolments, progress (two), where to continue, the study plan and its
    ticks: the same queries for 2 or 12 courses."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from cartable.learning.models import StudyPlanItem

    counts = []
    for number in range(12):
        course = build_course(institution, f"C{number}")
        Enrolment.objects.create(user=learner, course=course)
        StudyPlanItem.objects.create(
            course=course, activity=course.activities.first(), learner=learner
        )
        if number in (1, 11):
            client = signed_in(learner)
            client.get(f"/courses/{course.pk}/activities/{course.activities.first().pk}/")
            with CaptureQueriesContext(connection) as queries:
                response = client.get("/")
            assert response.content.decode().count("course-card__title") == number + 1
            counts.append(len(queries))
    assert counts[0] == counts[1] <= 8


def test_it_offers_to_continue_only_with_an_activity_the_learner_may_open(
    learner, course, other_course
) -> None:
    """ "Continue" leads where the learner was, unless that activity was since hidden, its
    section hidden, rejected or retired (the rule of ``access.opened``)."""
    Enrolment.objects.create(user=learner, course=other_course)
    client = signed_in(learner)
    page = course.activities.filter(kind="page").first()
    client.get(f"/courses/{course.pk}/activities/{page.pk}/")

    def resume() -> dict[int, int | None]:
        return {card["id"]: card["resume"] for card in client.get("/").context["courses"]}

    assert resume() == {course.pk: page.pk, other_course.pk: None}
    page.section.visible = False
    page.section.save()
    assert resume() == {course.pk: None, other_course.pk: None}
    page.section.visible = True
    page.section.save()
    page.review_status = "rejected"
    page.save()
    assert resume() == {course.pk: None, other_course.pk: None}
