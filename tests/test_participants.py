"""A course's participants page: staff (their establishment's) and the course's teachers see
who is enrolled, their groups, when they last opened the course and their progress, in a fixed
number of queries whatever the class size."""

from __future__ import annotations

import pytest
from django.utils import timezone

from cartable.accounts.models import Role
from cartable.catalog.models import Enrolment
from cartable.learning.models import ActivityProgress
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


def _url(course) -> str:
    return f"/accounts/courses/{course.pk}/participants/"


def _class(course, establishment, cohort, size: int) -> None:
    pages = list(course.activities.order_by("pk"))
    now = timezone.now()
    for number in range(size):
        learner = make_user(f"eleve{number:03}", Role.LEARNER, establishment, last_name="Élève")
        Enrolment.objects.create(user=learner, course=course)
        cohort.members.add(learner)
        ActivityProgress.objects.create(
            user=learner,
            course=course,
            activity=pages[number % len(pages)],
            views=1,
            last_viewed_at=now,
            completed_at=now if number % 2 else None,
        )


def test_it_shows_participants_their_groups_and_progress(
    staff, course, learner, teacher, cohort
) -> None:
    cohort.members.add(learner)
    page = course.activities.order_by("pk").first()
    ActivityProgress.objects.create(
        user=learner,
        course=course,
        activity=page,
        views=2,
        last_viewed_at=timezone.now(),
        completed_at=timezone.now(),
    )
    response = signed_in(staff).get(_url(course))
    assert response.status_code == 200
    rows = {row["user"].username: row for row in response.context["people"]}
    assert set(rows) == {"lea", "tess"}
    assert rows["lea"]["groups"] == ["DAEU A"]
    assert rows["lea"]["done"] == 1
    assert rows["lea"]["percent"] == 20  # one of five activities
    assert rows["lea"]["seen"] is not None
    assert rows["tess"]["role"] == "Enseignant"
    text = response.content.decode()
    assert "Dernière visite du cours" in text
    assert "2 participants" in text


@pytest.mark.parametrize("size", [5, 50])
def test_it_reads_a_fixed_number_of_queries_whatever_the_class_size(
    staff, course, establishment, cohort, size, django_assert_max_num_queries
) -> None:
    _class(course, establishment, cohort, size)
    client = signed_in(staff)
    client.get("/")  # the clock warning's references, read once a minute (cartable.access.clock)
    # The signed-in page (session, user, its idle clock, the staff menu's counts of courses to
    # review and messages to approve) and the page's own: the course, the count, the page,
    # groups, activities, progress.
    with django_assert_max_num_queries(13):
        response = client.get(_url(course))
    assert response.status_code == 200
    assert len(response.context["people"]) == min(size + 2, 50)


def test_it_searches_and_paginates(staff, course, establishment, cohort) -> None:
    _class(course, establishment, cohort, 55)
    client = signed_in(staff)
    first = client.get(_url(course))
    assert first.context["page"].paginator.count == 57
    assert len(first.context["people"]) == 50
    second = client.get(_url(course), {"page": 2})
    assert len(second.context["people"]) == 7
    found = client.get(_url(course), {"q": "eleve012"})
    assert [row["user"].username for row in found.context["people"]] == ["eleve012"]
    nobody = client.get(_url(course), {"q": "personne"})
    assert "Aucun participant ne correspond." in nobody.content.decode()


def test_it_shows_the_courses_teachers_every_participant(teacher, course, learner) -> None:
    response = signed_in(teacher).get(_url(course))
    assert response.status_code == 200
    assert {row["user"].username for row in response.context["people"]} == {"lea", "tess"}
    assert "Inscrire un groupe ou une liste" not in response.content.decode()


def test_it_shows_staff_none_of_another_establishments_participants(
    outsider_staff, course, learner
) -> None:
    response = signed_in(outsider_staff).get(_url(course))
    assert response.status_code == 200
    assert response.context["people"] == []
    assert "Moreau" not in response.content.decode()


def test_it_keeps_learners_and_other_teachers_out(
    learner, other_learner, course, other_course, teacher
) -> None:
    assert signed_in(learner).get(_url(course)).status_code == 403
    assert signed_in(other_learner).get(_url(course)).status_code == 404
    assert signed_in(teacher).get(_url(other_course)).status_code == 404


def test_it_is_linked_from_the_course_page_and_the_teachers_home(teacher, course) -> None:
    client = signed_in(teacher)
    assert _url(course) in client.get(f"/courses/{course.pk}/").content.decode()
    assert _url(course) in client.get("/").content.decode()
