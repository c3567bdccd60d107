"""A grade item hidden from learners (Moodle's ``grade_items.hidden``: 1, or a Unix time for
"hidden until"): its learner reads no grade of it (their grades, the course total, the home's
recent feedback, feedback files, the activity's own page, the portfolio) until the date
passes; an item hidden until a date is listed without its grade, as Moodle's user report does
by default ("show hidden until only"); its teachers see every grade, the item marked."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course
from cartable.grades import hiding
from cartable.grades.models import FeedbackFile, Grade
from cartable.ingest.imports import import_file
from cartable.ingest.staging import content_digest
from cartable.records import portfolio
from tests import quizdata
from tests.assignwork import homework
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields
from tests.importers.test_grade_items import grades_xml
from tests.test_gradebook import give, graded

NOW = datetime(2026, 5, 4, 10, 0, tzinfo=UTC)
STAMP = int(NOW.timestamp())


@pytest.mark.parametrize(
    ("value", "hidden", "until"),
    [
        (0, False, None),  # shown
        (1, True, None),  # hidden, no date
        (STAMP + 1, True, datetime(2026, 5, 4, 10, 0, 1, tzinfo=UTC)),  # not yet
        (STAMP, False, NOW),  # the date has come
        (STAMP - 86400, False, NOW - timedelta(days=1)),  # long past
    ],
)
def test_it_hides_an_item_as_moodles_is_hidden_does(value, hidden, until) -> None:
    assert hiding.is_hidden(value, NOW) is hidden
    assert hiding.hidden_until(value) == until


def hidden_until_later(activity: Activity) -> Activity:
    activity.grade_hidden = int((timezone.now() + timedelta(days=3)).timestamp())
    activity.save(update_fields=["grade_hidden"])
    return activity


def hide(activity: Activity, value: int = hiding.HIDDEN) -> Activity:
    activity.grade_hidden = value
    activity.save(update_fields=["grade_hidden"])
    return activity


def three(course: Course, learner) -> tuple[Activity, Activity, Activity]:
    shown, hidden, until = (
        graded(course, title="Quiz montré"),
        hide(graded(course, title="Quiz caché")),
        hidden_until_later(graded(course, title="Quiz différé")),
    )
    give(shown, learner, 14, feedback="<p>Retour visible</p>")
    give(hidden, learner, 3, feedback="<p>Retour caché</p>")
    give(until, learner, 5, feedback="<p>Retour différé</p>")
    return shown, hidden, until


pytestmark = pytest.mark.django_db


def test_a_learner_reads_no_grade_of_a_hidden_item(course, learner) -> None:
    three(course, learner)
    page = signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()
    assert "14 / 20" in page and "Retour visible" in page
    assert "Quiz caché" not in page and "3 / 20" not in page and "Retour caché" not in page
    # Hidden until a date: named, with the date, without its grade or feedback.
    assert "Quiz différé" in page and "Masquée jusqu’au" in page
    assert "5 / 20" not in page and "Retour différé" not in page
    # No course total: it would tell the hidden grades (Moodle's "hide totals if they
    # contain hidden items", its default).
    assert "Total du cours" not in page
    assert "Le total du cours n’est pas affiché tant que certaines de vos notes sont" in page


def test_a_learner_reads_the_grade_once_the_date_has_passed(course, learner) -> None:
    _, hidden, until = three(course, learner)
    hide(until, int((timezone.now() - timedelta(minutes=1)).timestamp()))
    page = signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()
    assert "5 / 20" in page and "Retour différé" in page and "Masquée jusqu’au" not in page
    assert "Total du cours" not in page  # the other hidden item still holds a grade
    Grade.objects.filter(activity=hidden).update(grade=None)  # feedback only: no share
    page = signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()
    assert "Total du cours\u202f: <strong>19 / 40</strong>" in page
    section = signed_in(learner).get("/").content.decode()
    assert "Retour différé" in section


def test_the_home_leaves_hidden_items_out_of_recent_feedback(course, learner) -> None:
    three(course, learner)
    page = signed_in(learner).get("/").content.decode()
    assert "Retour visible" in page
    assert "Retour caché" not in page and "Retour différé" not in page


def test_a_hidden_items_feedback_file_is_not_handed_out(course, learner) -> None:
    _, hidden, until = three(course, learner)
    urls = []
    for activity in (hidden, until):
        given = FeedbackFile.objects.create(
            grade=Grade.objects.get(activity=activity, user=learner),
            blob=blobs.add(io.BytesIO(b"copie")),
            filename="copie.pdf",
        )
        urls.append(f"/courses/{course.pk}/my-grades/files/{given.pk}/")
    client = signed_in(learner)
    assert [client.get(url).status_code for url in urls] == [404, 404]
    hide(until, hiding.SHOWN)
    assert client.get(urls[1]).status_code == 200


def test_the_teacher_sees_every_grade_with_the_item_marked(course, learner, teacher) -> None:
    three(course, learner)
    page = signed_in(teacher).get(f"/courses/{course.pk}/grades/").content.decode()
    assert "14 / 20" in page and "3 / 20" in page and "5 / 20" in page
    assert page.count("cachée aux apprenants") == 2  # "hidden" and "hidden until …"
    assert "cachée aux apprenants jusqu’au" in page
    assert "22 / 60" in page  # the teacher's total has them all


def test_the_assignment_page_holds_back_a_hidden_items_grade(course, learner) -> None:
    essay = hide(homework(course, title="Dissertation"))
    give(essay, learner, 17, source=Grade.Source.ASSIGN, feedback="<p>Très bien dit</p>")
    url = reverse("assignments:assignment", args=[course.pk, essay.pk])
    page = signed_in(learner).get(url).content.decode()
    assert "Très bien dit" not in page and "17 / 20" not in page
    hide(essay, hiding.SHOWN)
    page = signed_in(learner).get(url).content.decode()
    assert "Très bien dit" in page


def backup(hidden: str) -> Backup:
    b = Backup()
    quiz = b.activity("quiz", fields(intro="", introformat=1), title="Quiz", section=b.section(0))
    b.xml(
        f"activities/quiz_{quiz.module_id}/grades.xml",
        grades_xml(7001, quiz.instance_id, "0", learner_grade=False, hidden=hidden),
    )
    return b


def test_the_import_keeps_the_hiding_and_a_new_version_changes_it(tmp_path: Path) -> None:
    until = str(STAMP + 3600)
    first = import_file(backup(until).build(tmp_path / "a.mbz"), actor=None, publish=True)
    quiz = Activity.objects.get(course=first.course, kind="quiz")
    assert quiz.grade_hidden == STAMP + 3600
    import_file(backup("0").build(tmp_path / "b.mbz"), actor=None, publish=True)
    quiz.refresh_from_db()
    assert quiz.grade_hidden == hiding.SHOWN


def test_a_shown_item_keeps_the_fingerprint_of_activities_imported_before() -> None:
    before = {"title": "Quiz", "risks": []}
    assert content_digest({**before, "grade_hidden": 0}) == content_digest(before)
    assert content_digest({**before, "grade_hidden": 1}) != content_digest(before)


def test_the_quiz_page_holds_back_a_hidden_items_grade(course, learner) -> None:
    quiz = hide(quizdata.add_quiz(course, (quizdata.capital(),)))
    give(quiz, learner, 7.5, max_grade=10)
    url = f"/courses/{course.pk}/quizzes/{quiz.pk}/"
    assert "Votre note pour ce quiz" not in signed_in(learner).get(url).content.decode()
    hide(quiz, hiding.SHOWN)
    assert "7,50 / 10,00" in signed_in(learner).get(url).content.decode()


def test_the_portfolio_leaves_a_hidden_items_grade_out(course, learner) -> None:
    three(course, learner)
    (record,) = portfolio.gather(learner).courses
    assert [line.activity for line in record.grades] == ["Quiz montré"]
