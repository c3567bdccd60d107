"""The gradebook: a course's teachers and staff see its learners × graded activities with the
course total, export it as CSV (a POST, audited), and change a grade (an override, recorded
through ``grades.actions.record``); a learner sees their own released grades only, with their
feedback and feedback files, which only they may download."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cartable.accounts.models import Role
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.actions import record
from cartable.grades.models import FeedbackFile, Grade
from cartable.outbox.models import Entry
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


def graded(
    course: Course, kind: str = "quiz", title: str = "Quiz 1", grade: float = 20
) -> Activity:
    section = course.sections.get(position=0)
    return Activity.objects.create(
        course=course,
        section=section,
        position=100 + course.activities.count(),
        kind=kind,
        title=title,
        review_status=Activity.Review.APPROVED,
        data={"grade": grade},
    )


def give(activity: Activity, learner, grade: float | None, *, released: bool = True, **extra):
    return record(
        actor=None,
        activity=activity,
        learner=learner,
        grade=grade,
        max_grade=extra.pop("max_grade", 20),
        source=extra.pop("source", Grade.Source.QUIZ),
        released_at=timezone.now() if released else None,
        **extra,
    )


def test_it_shows_the_teacher_every_learners_grades_and_the_total(
    course, learner, other_learner, teacher
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    quiz, essay = graded(course), graded(course, "assign", "Dissertation", 10)
    give(quiz, learner, 14)
    give(essay, learner, 7.5, max_grade=10, released=False, source=Grade.Source.ASSIGN)
    response = signed_in(teacher).get(f"/courses/{course.pk}/grades/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quiz 1" in page and "Dissertation" in page
    assert "14 / 20" in page and "7,5 / 10" in page
    assert "pas encore montrée" in page  # the essay's grade is not released
    assert "21,5 / 30" in page  # the course total
    assert "Omar Haddad" in page  # a learner without a grade has a line


def test_it_writes_numbers_the_english_way_in_english(course, learner, teacher) -> None:
    give(graded(course), learner, 12.5)
    client = signed_in(teacher)
    client.post("/language/", {"language": "en", "next": "/"})
    page = client.get(f"/courses/{course.pk}/grades/").content.decode()
    assert "12.5 / 20" in page and "Course total" in page


def test_it_reads_the_gradebook_in_the_same_queries_whatever_its_size(
    course, institution, establishment, teacher
) -> None:
    def cost() -> int:
        client = signed_in(teacher)
        client.get("/health/")  # the session's idle clock starts (one write)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/courses/{course.pk}/grades/").status_code == 200
        return len(queries)

    first = graded(course)
    person = make_user("p0", Role.LEARNER, establishment)
    Enrolment.objects.create(user=person, course=course)
    give(first, person, 10)
    small = cost()
    for number in range(1, 15):
        person = make_user(f"p{number}", Role.LEARNER, establishment)
        Enrolment.objects.create(user=person, course=course)
        for activity in (first, graded(course, title=f"Quiz {number}")):
            give(activity, person, number)
    # session, user, course, teacher's enrolment, learners, columns, grades
    assert cost() == small == 7


def test_it_exports_the_gradebook_as_csv_audited_with_formulas_quoted(
    course, learner, teacher
) -> None:
    quiz = graded(course, title='=HYPERLINK("x")')
    give(quiz, learner, 15)
    oral = graded(course, "assign", "Oral", -3)  # a scale
    give(oral, learner, 2, max_grade=3, scale_item="Acquis", source=Grade.Source.ASSIGN)
    client = signed_in(teacher)
    assert client.get(f"/courses/{course.pk}/grades/export.csv").status_code == 405
    assert not AuditEvent.objects.filter(action="grade.exported").exists()
    response = client.post(f"/courses/{course.pk}/grades/export.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Cache-Control"] == "private, no-store"
    assert 'filename="grades-HIST101-' in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][2] == '\'=HYPERLINK("x") (sur 20)'  # a formula is text
    assert rows[0][3] == "Oral"
    assert rows[1][:4] == ["lea", "Léa Moreau", "15", "Acquis"]
    assert rows[1][-2:] == ["17 / 23", "73,91"]  # a scale counts by its item's value
    event = AuditEvent.objects.get(action="grade.exported")
    assert event.actor == teacher and event.details == {"course": course.pk, "learners": 1}


def test_it_lets_a_teacher_override_a_grade_audited_and_in_the_outbox(
    course, learner, teacher
) -> None:
    quiz = graded(course)
    give(quiz, learner, 8)
    url = f"/courses/{course.pk}/grades/{quiz.pk}/{learner.pk}/"
    client = signed_in(teacher)
    assert client.get(url).status_code == 200
    response = client.post(url, {"grade": "12.5", "feedback": "Revu : bien.", "release": "on"})
    assert response.status_code == 302
    grade = Grade.objects.get(activity=quiz, user=learner)
    assert (grade.grade, grade.source, grade.graded_by) == (12.5, "override", teacher)
    assert grade.feedback == "<p>Revu : bien.</p>" and grade.released_at is not None
    event = AuditEvent.objects.get(action="grade.changed")
    assert event.actor == teacher and event.details["source"] == "override"
    assert Entry.objects.filter(kind="grade").last().payload["grade"] == 12.5


@pytest.mark.parametrize("value", ["21", "-1", "douze", ""])
def test_it_refuses_a_grade_outside_the_activitys_bounds(course, learner, teacher, value) -> None:
    quiz = graded(course)
    response = signed_in(teacher).post(
        f"/courses/{course.pk}/grades/{quiz.pk}/{learner.pk}/", {"grade": value}
    )
    assert response.status_code == 400
    assert not Grade.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="grade.").exists()


def test_it_gives_a_first_grade_out_of_the_imported_maximum(course, learner, teacher) -> None:
    essay = graded(course, "assign", "Dissertation", 10)
    url = f"/courses/{course.pk}/grades/{essay.pk}/{learner.pk}/"
    response = signed_in(teacher).post(url, {"grade": "9"})
    assert response.status_code == 302
    grade = Grade.objects.get()
    assert (grade.grade, grade.max_grade, grade.released_at) == (9, 10, None)
    assert AuditEvent.objects.filter(action="grade.recorded").count() == 1


def test_it_cannot_override_a_grade_on_a_scale(course, learner, teacher) -> None:
    essay = graded(course, "assign", "Oral", -3)
    url = f"/courses/{course.pk}/grades/{essay.pk}/{learner.pk}/"
    assert "notée avec un barème" in signed_in(teacher).get(url).content.decode()
    assert signed_in(teacher).post(url, {"grade": "1"}).status_code == 400
    assert not Grade.objects.exists()


def test_it_overrides_only_the_courses_learners_and_graded_activities(
    course, learner, other_learner, teacher
) -> None:
    quiz = graded(course)
    page = course.activities.filter(kind="page").first()
    client = signed_in(teacher)
    # Omar is not in the course; a page is not graded.
    assert (
        client.post(
            f"/courses/{course.pk}/grades/{quiz.pk}/{other_learner.pk}/", {"grade": "1"}
        ).status_code
        == 404
    )
    assert (
        client.post(
            f"/courses/{course.pk}/grades/{page.pk}/{learner.pk}/", {"grade": "1"}
        ).status_code
        == 404
    )
    assert not Grade.objects.exists()


def test_it_shows_a_learner_their_released_grades_only(course, learner, other_learner) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    quiz, essay = graded(course), graded(course, "assign", "Dissertation", 10)
    give(quiz, learner, 14, feedback="<p>Bon travail</p>")
    give(essay, learner, 3, max_grade=10, released=False, feedback="<p>Secret</p>")
    give(quiz, other_learner, 19, feedback="<p>Pour Omar</p>")
    response = signed_in(learner).get(f"/courses/{course.pk}/my-grades/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "14 / 20" in page and "Bon travail" in page
    assert "Secret" not in page and "Dissertation" not in page
    assert "19 / 20" not in page and "Pour Omar" not in page


def test_it_hands_feedback_files_to_their_learner_only(
    course, learner, other_learner, teacher
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    quiz = graded(course)
    grade = give(quiz, learner, 14)
    given = FeedbackFile.objects.create(
        grade=grade, blob=blobs.add(io.BytesIO(b"<html>copie</html>")), filename="copie.html"
    )
    url = f"/courses/{course.pk}/my-grades/files/{given.pk}/"
    response = signed_in(learner).get(url)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert b"".join(response.streaming_content) == b"<html>copie</html>"
    assert signed_in(other_learner).get(url).status_code == 404
    assert signed_in(teacher).get(url).status_code == 403
    Grade.objects.filter(pk=grade.pk).update(released_at=None)
    assert signed_in(learner).get(url).status_code == 404


def test_it_links_the_gradebook_from_the_course_page(course, learner, teacher) -> None:
    graded(course)
    assert (
        f"/courses/{course.pk}/grades/"
        in signed_in(teacher).get(f"/courses/{course.pk}/").content.decode()
    )
    assert (
        f"/courses/{course.pk}/my-grades/"
        in signed_in(learner).get(f"/courses/{course.pk}/").content.decode()
    )


def test_it_reads_a_learners_grades_in_the_same_queries_whatever_their_number(
    course, learner
) -> None:
    def cost() -> int:
        client = signed_in(learner)
        client.get("/health/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/courses/{course.pk}/my-grades/").status_code == 200
        return len(queries)

    first = give(graded(course), learner, 10)
    FeedbackFile.objects.create(grade=first, blob=blobs.add(io.BytesIO(b"a")), filename="a.pdf")
    few = cost()
    for number in range(1, 8):
        given = give(graded(course, title=f"Quiz {number}"), learner, number)
        FeedbackFile.objects.create(
            grade=given, blob=blobs.add(io.BytesIO(b"b%d" % number)), filename="b.pdf"
        )
    # session, user, course, grades, their files
    assert cost() == few == 5
