"""What a request costs the database: the health check nothing, a signed-in request two small
reads (its session and its user), and every learner page a fixed number of queries whatever
the number of courses and activities, writing nothing when it is only read again."""

from __future__ import annotations

import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cartable.catalog import blobs
from cartable.catalog.models import CourseFile, Enrolment
from cartable.demo.pdf import text_pdf
from cartable.learning.models import StudyPlanItem
from cartable.search.index import reindex_course
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")

# Queries of each learner page read again by a signed-in learner, pinned so that a change that
# adds one is seen. Every page first reads the session and the user.
PAGE_QUERIES = {
    "home": 7,  # + enrolments, progress in every course, the study plan with its ticks, feedback,
    # unread messages
    "course": 6,  # + the course, its sections, their activities, the learner's progress
    "activity": 6,  # + the course, the activity, its neighbours, the learner's progress on it
    "search": 3,  # + one statement: rank, count and the page's rows
    "document": 4,  # + the course, the files holding those bytes
}


def writes(queries: CaptureQueriesContext) -> list[str]:
    return [
        q["sql"] for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(WRITES)
    ]


def test_it_answers_the_health_check_without_a_query(db) -> None:
    with CaptureQueriesContext(connection) as queries:
        response = Client().get("/health/")
    assert response.status_code == 200
    assert response.content == b"ok"
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert response["Content-Security-Policy"].startswith("default-src 'self'")
    assert response["X-Frame-Options"] == "DENY"
    assert len(queries) == 0


def test_it_refuses_to_change_anything_through_the_health_check(db) -> None:
    assert Client().post("/health/").status_code == 405


def test_it_finds_a_signed_in_user_in_two_small_reads_and_writes_nothing(learner) -> None:
    client = signed_in(learner)
    client.get("/health/")  # the idle clock starts (a write at most once a minute)
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/health/")
    assert response.status_code == 200
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0].strip('"`') for q in queries]
    assert tables == ["django_session", "accounts_user"]
    assert writes(queries) == []


def world(institution, learner, *, courses: int, sections: int) -> dict[str, str]:
    """``courses`` courses of ``sections`` sections of 5 pages, the learner in all of them,
    with a study-plan item and a PDF in each; the addresses of each learner page."""
    built = []
    for number in range(courses):
        course = build_course(institution, f"C{number}", sections=sections, pages_per_section=5)
        Enrolment.objects.create(user=learner, course=course)
        StudyPlanItem.objects.create(
            course=course, activity=course.activities.first(), learner=learner
        )
        pdf = CourseFile.objects.create(
            course=course,
            activity=course.activities.first(),
            blob=blobs.add(io.BytesIO(text_pdf(f"Annexe {number}", ["Une page de texte."]))),
            filename="annexe.pdf",
            mimetype="application/pdf",
        )
        reindex_course(course.pk)
        built.append((course, pdf))
    course, pdf = built[-1]
    activity = course.activities.order_by("pk")[3]
    return {
        "home": "/",
        "course": f"/courses/{course.pk}/",
        "activity": f"/courses/{course.pk}/activities/{activity.pk}/",
        "search": "/search/?q=texte+page",
        "document": f"/courses/{course.pk}/documents/{pdf.blob_id}/annexe.pdf",
    }


@pytest.mark.parametrize("page", list(PAGE_QUERIES))
@pytest.mark.parametrize(("courses", "sections"), [(1, 2), (6, 2), (2, 40)])
def test_it_keeps_each_learner_page_to_a_fixed_number_of_queries_and_no_write(
    learner, institution, page: str, courses: int, sections: int
) -> None:
    address = world(institution, learner, courses=courses, sections=sections)[page]
    client = signed_in(learner)
    assert client.get(address).status_code == 200  # the first view of an activity is recorded
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    assert writes(queries) == []
    assert len(queries) == PAGE_QUERIES[page], [q["sql"] for q in queries]
