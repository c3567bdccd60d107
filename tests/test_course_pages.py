"""Learners open their courses, pages and files; query counts stay fixed as courses grow."""

from __future__ import annotations

import pytest

from cartable.catalog.models import Activity, Enrolment
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db


def test_it_shows_the_course_outline_in_order(learner, course) -> None:
    page = signed_in(learner).get(f"/courses/{course.pk}/").content.decode()
    assert page.index("Partie 0") < page.index("Page 0.1 de HIST101") < page.index("Partie 1")


def test_it_hides_hidden_activities_from_learners(learner, staff, course) -> None:
    hidden = course.activities.filter(kind="page").first()
    hidden.visible = False
    hidden.save()
    assert hidden.title not in signed_in(learner).get(f"/courses/{course.pk}/").content.decode()
    assert (
        signed_in(learner).get(f"/courses/{course.pk}/activities/{hidden.pk}/").status_code == 404
    )
    assert hidden.title in signed_in(staff).get(f"/courses/{course.pk}/").content.decode()


def test_it_shows_a_page(learner, course) -> None:
    page = course.activities.filter(kind="page").first()
    response = signed_in(learner).get(f"/courses/{course.pk}/activities/{page.pk}/")
    assert response.status_code == 200
    assert page.content in response.content.decode()


def test_it_serves_a_file_from_the_content_store(learner, course) -> None:
    item = course.activities.get(kind="resource")
    response = signed_in(learner).get(f"/courses/{course.pk}/activities/{item.pk}/file/")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert b"".join(response.streaming_content) == b"%PDF-1.4 fiche"


def test_it_downloads_rather_than_shows_risky_file_types(learner, course) -> None:
    item = course.activities.get(kind="resource")
    item.mimetype = "image/svg+xml"
    item.filename = "dessin.svg"
    item.save()
    response = signed_in(learner).get(f"/courses/{course.pk}/activities/{item.pk}/file/")
    assert response["Content-Disposition"].startswith("attachment")


def test_it_keeps_the_course_page_to_a_fixed_number_of_queries(
    learner, institution, django_assert_max_num_queries
) -> None:
    """Session, user, course, sections, activities, the learner's progress: the same six
    queries for 10 or 200 activities."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for sections in (2, 40):
        course = build_course(institution, f"BIG{sections}", sections=sections, pages_per_section=5)
        Enrolment.objects.create(user=learner, course=course)
        client = signed_in(learner)
        client.get(f"/courses/{course.pk}/activities/{course.activities.first().pk}/")
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"/courses/{course.pk}/")
        assert response.content.decode().count('class="activity activity--page') == sections * 5
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_it_renders_a_kept_activity_row_again_when_its_content_or_state_changes(
    learner, course
) -> None:
    client = signed_in(learner)
    page = course.activities.filter(kind="page").order_by("pk").first()
    first = client.get(f"/courses/{course.pk}/").content.decode()
    assert page.title in first
    Activity.objects.filter(pk=page.pk).update(title="Titre tout neuf")
    second = client.get(f"/courses/{course.pk}/").content.decode()
    assert "Titre tout neuf" in second and page.title not in second
    client.get(f"/courses/{course.pk}/activities/{page.pk}/")  # viewed, so done
    third = client.get(f"/courses/{course.pk}/").content.decode()
    assert third.count('<span class="visually-hidden">Terminé</span>') == 1
    english = client.get(f"/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<span class="visually-hidden">Done</span>' in english
