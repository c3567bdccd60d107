"""What a new user saw on the course pages, fixed: pictures shown, no bare cards, weekly
dates, an empty lesson that says so, no host name for learners, study-plan dates with their
year and lateness, the staff's way back, and names rather than codes (issue 10)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from django.utils import timezone

from cartable.accounts.models import Cohort, Institution
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Section
from cartable.learning.models import StudyPlanItem
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n a picture"


def shown(user, url: str, language: str = "en") -> str:
    response = signed_in(user).get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200, url
    return response.content.decode()


def add(course: Course, section: Section, kind: str, title: str, **fields) -> Activity:
    return Activity.objects.create(
        course=course,
        section=section,
        position=50,
        kind=kind,
        title=title,
        review_status=Activity.Review.APPROVED,
        **fields,
    )


def test_it_shows_a_picture_file_as_a_picture(course, learner) -> None:
    section = course.sections.get(position=0)
    blob = blobs.add(io.BytesIO(PNG))
    picture = add(
        course, section, "resource", "Schéma", blob=blob, filename="schema.png",
        mimetype="image/png",
    )  # fmt: skip
    page = shown(learner, f"/courses/{course.pk}/activities/{picture.pk}/")
    assert f'<img src="/courses/{course.pk}/activities/{picture.pk}/file/?v={blob.pk}"' in page


def test_it_shows_the_pictures_of_a_folder(course, learner) -> None:
    section = course.sections.get(position=0)
    blob = blobs.add(io.BytesIO(PNG))
    tree = {
        "name": "", "path": "/", "folders": [],
        "files": [
            {"sha256": blob.pk, "size": len(PNG), "filename": "carte.png", "filepath": "/",
             "mimetype": "image/png"},
            {"sha256": blob.pk, "size": len(PNG), "filename": "notes.txt", "filepath": "/",
             "mimetype": "text/plain"},
        ],
    }  # fmt: skip
    folder = add(course, section, "folder", "Dossier", data={"tree": tree})
    from cartable.catalog.models import CourseFile

    for name in ("carte.png", "notes.txt"):
        CourseFile.objects.create(course=course, blob=blob, filename=name, activity=folder)
    page = shown(learner, f"/courses/{course.pk}/activities/{folder.pk}/")
    assert page.count('<img class="tree__picture"') == 1
    assert f'src="/courses/{course.pk}/files/{blob.pk}/carte.png"' in page


def test_it_shows_no_bare_card_for_an_empty_section(course, learner, staff) -> None:
    Section.objects.create(course=course, position=7, title="Vide")
    Section.objects.create(course=course, position=8, title="Résumé seul", summary="<p>Lire</p>")
    for user in (learner, staff):
        page = shown(user, f"/courses/{course.pk}/")
        assert "Vide" not in page
        assert "Résumé seul" in page


def test_it_dates_the_sections_of_a_weekly_course(course, learner) -> None:
    course.format = "weeks"
    course.start_date = datetime(2025, 9, 1, 0, 0, tzinfo=UTC)
    course.save()
    section = Section.objects.create(course=course, position=3)
    add(course, section, "page", "Semaine trois", content="<p>x</p>")
    english = shown(learner, f"/courses/{course.pk}/")
    assert "15 September – 21 September 2025" in english
    french = shown(learner, f"/courses/{course.pk}/", "fr")
    assert "du 15 septembre au 21 septembre 2025" in french
    assert "Partie 3" not in french


def test_an_empty_lesson_says_so_rather_than_its_end(course, learner) -> None:
    lesson = add(course, course.sections.get(position=0), "lesson", "Leçon", data={"pages": []})
    page = shown(learner, f"/courses/{course.pk}/activities/{lesson.pk}/")
    assert "This lesson has no pages." in page
    assert "You have reached the end of this lesson." not in page


def test_learners_never_see_a_host_name_as_the_source_of_a_course(course, learner, staff) -> None:
    course.institution = Institution.objects.create(slug="localhost", name="localhost")
    course.save()
    for url in ("/", f"/courses/{course.pk}/"):
        assert "localhost" not in shown(learner, url)
    assert "localhost" in shown(staff, f"/courses/{course.pk}/")
    course.institution = Institution.objects.create(slug="ul", name="Université de Lille")
    course.save()
    assert "Université de Lille" in shown(learner, "/")


def test_study_plan_dates_show_their_year_and_late_items(course, learner, teacher) -> None:
    page_activity = course.activities.filter(kind="page").first()
    today = timezone.localdate()
    last_year = date(today.year - 1, 3, 12)
    soon = today + timedelta(days=3)
    for due in (last_year, soon):
        StudyPlanItem.objects.create(
            course=course, activity=page_activity, learner=learner, due_date=due
        )
    home = shown(learner, "/")
    assert f"by 12 March {today.year - 1}" in home
    assert f"by {soon.day} {soon.strftime('%B')}<" in home or soon.year != today.year
    assert home.count('<span class="tag tag--late">Late</span>') == 1


def test_a_plan_for_a_group_does_not_repeat_the_word_group(course, teacher, learner) -> None:
    cohort = Cohort.objects.create(name="Groupe démo", establishment=learner.establishment)
    cohort.members.add(learner)
    StudyPlanItem.objects.create(
        course=course, activity=course.activities.filter(kind="page").first(), cohort=cohort
    )
    page = shown(teacher, f"/courses/{course.pk}/plan/", "fr")
    assert "Groupe démo (tout le groupe)" in page
    assert "Groupe Groupe" not in page


def test_the_staff_way_back_from_a_course_leads_to_the_courses(course, staff, learner) -> None:
    activity = course.activities.filter(kind="page").first()
    for url in (f"/courses/{course.pk}/", f"/courses/{course.pk}/activities/{activity.pk}/"):
        assert '<p class="crumbs"><a href="/catalog/">Courses</a>' in shown(staff, url)
        assert '<p class="crumbs"><a href="/">My courses</a>' in shown(learner, url)


def test_percent_follows_the_language(course, learner) -> None:
    english = shown(learner, f"/courses/{course.pk}/")
    french = shown(learner, f"/courses/{course.pk}/", "fr")
    assert "(0%)" in english and " %" not in english.replace("&nbsp;", "")
    assert "(0\u202f%)" in french
    assert "0 of 5 activities done" in english
    assert "0 activité terminée sur 5" in french


def test_an_activity_the_box_cannot_record_speaks_to_the_learner(course, learner) -> None:
    quiz = add(course, course.sections.get(position=0), "quiz", "Quiz", data={})
    page = shown(learner, f"/courses/{course.pk}/activities/{quiz.pk}/", "fr")
    assert "prochaine version" not in page
    assert "Demandez à votre enseignant comment la faire." in page


def test_reports_name_modules_and_question_types_in_the_readers_language() -> None:
    from django.utils import translation

    from cartable.catalog.names import module_name, question_type_name
    from cartable.catalog.texts import shown as in_language
    from cartable.importers.common import Text

    with translation.override("fr"):
        assert module_name("assign") == "Devoir"
        assert module_name("quiz") == "Test"
        assert question_type_name("multichoice") == "Choix multiple"
        assert module_name("studentquiz") == "studentquiz"  # a plugin: its own name
        text = Text("activity '%(title)s' (%(module)s)", title="Un wiki", module="wiki")
        assert in_language(text) == "activité «\u202fUn wiki\u202f» (Wiki)"
    with translation.override("en"):
        assert question_type_name("truefalse") == "True/False"
