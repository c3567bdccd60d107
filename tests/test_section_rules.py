"""A section's access rule counts wherever an activity's does: an activity is open only if its
section's rule and its own both allow it (as in Moodle). A section available only from 2100
stays closed on the course page (with its reason, or out of sight when its rule says so), and
its activities, their files, their PDF pages, their "done" button, links and neighbours leading
to them, search results and study plans all keep the learner out; teachers and staff are held
by no rule."""

from __future__ import annotations

import io
import re

import pytest

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile, Enrolment, Section
from cartable.learning.models import ActivityProgress, StudyPlanItem, StudyPlanTick
from cartable.search.index import reindex_course
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db

YEAR_2100 = 4102444800  # 1 January 2100, 00:00 UTC
YEAR_2000 = 946684800


def from_(timestamp: int, *, show: bool = True) -> dict:
    """Moodle's rule "available from <date>" (``show``: its title shows while closed)."""
    return {"op": "&", "c": [{"type": "date", "d": ">=", "t": timestamp}], "showc": [show]}


def closed_section(course: Course, *, show: bool = True, when: int = YEAR_2100) -> Section:
    """A section available from ``when``, holding a page completed by hand and a PDF."""
    section = Section.objects.create(
        course=course,
        position=5,
        title="Partie fermée",
        summary="<p>Le résumé de la partie.</p>",
        availability=from_(when, show=show),
    )
    Activity.objects.create(
        course=course,
        section=section,
        position=0,
        kind=Activity.Kind.PAGE,
        review_status=Activity.Review.APPROVED,
        title="Chapitre caché",
        content="<p>Le mot sésame est volcanologie.</p>",
        completion={"tracking": "manual"},
        completion_mode="manual",
        estimated_minutes=10,
        source_key="page-9001",
    )
    Activity.objects.create(
        course=course,
        section=section,
        position=1,
        kind=Activity.Kind.RESOURCE,
        review_status=Activity.Review.APPROVED,
        title="Corrigé",
        blob=blobs.add(io.BytesIO(b"%PDF-1.4 corrige")),
        filename="corrige.pdf",
        mimetype="application/pdf",
        source_key="resource-9002",
    )
    return section


def page_in(section: Section) -> Activity:
    return section.activities.get(kind=Activity.Kind.PAGE)


def file_in(section: Section) -> Activity:
    return section.activities.get(kind=Activity.Kind.RESOURCE)


def held_file(activity: Activity, name: str = "corrige.pdf") -> CourseFile:
    """The activity's file, as the course holds it (what ``cartable-file:`` links name)."""
    return CourseFile.objects.create(
        course_id=activity.course_id,
        activity=activity,
        blob=activity.blob,
        filename=name,
        mimetype="application/pdf",
    )


def activity_url(activity: Activity, tail: str = "") -> str:
    return f"/courses/{activity.course_id}/activities/{activity.pk}/{tail}"


# --- The course page --------------------------------------------------------------------------


def test_it_shows_a_closed_section_with_its_reason_and_none_of_its_activities(
    learner, course
) -> None:
    section = closed_section(course)
    response = signed_in(learner).get(f"/courses/{course.pk}/")
    page = response.content.decode()
    assert "Partie fermée" in page and "Le résumé de la partie." in page
    assert "Pas encore disponible." in page and "Disponible à partir du 1 janvier 2100." in page
    assert "Chapitre caché" not in page and "Corrigé" not in page
    assert activity_url(page_in(section)) not in page
    part = next(part for part in response.context["outline"] if part["section"] == section)
    assert part["entries"] == [] and not part["verdict"].available


def test_it_hides_a_section_whose_rule_says_so(learner, course) -> None:
    closed_section(course, show=False)
    page = signed_in(learner).get(f"/courses/{course.pk}/").content.decode()
    assert "Partie fermée" not in page and "Le résumé de la partie." not in page
    assert "Chapitre caché" not in page


def test_it_opens_a_section_once_its_date_has_come(learner, course) -> None:
    section = closed_section(course, when=YEAR_2000)
    client = signed_in(learner)
    page = client.get(f"/courses/{course.pk}/").content.decode()
    assert f'href="{activity_url(page_in(section))}"' in page
    assert "Pas encore disponible." not in page
    assert client.get(activity_url(page_in(section))).status_code == 200
    assert client.get(activity_url(file_in(section), "file/")).status_code == 200


def test_it_shows_teachers_and_staff_the_closed_section_and_its_activities(
    teacher, staff, course
) -> None:
    section = closed_section(course)
    for user in (teacher, staff):
        client = signed_in(user)
        page = client.get(f"/courses/{course.pk}/").content.decode()
        assert "Disponible à partir du 1 janvier 2100." in page  # what holds learners back
        assert f'href="{activity_url(page_in(section))}"' in page
        assert client.get(activity_url(page_in(section))).status_code == 200
        assert client.get(activity_url(file_in(section), "file/")).status_code == 200


def test_it_counts_closed_activities_in_the_course_total_as_moodle_does(learner, course) -> None:
    """Moodle's course progress counts every activity with completion, available or not;
    the course page and the home page agree."""
    closed_section(course)
    client = signed_in(learner)
    progress = client.get(f"/courses/{course.pk}/").context["progress"]
    studied = course.activities.exclude(kind__in=("label", "qbank")).count()
    assert (progress.done, progress.total) == (0, studied)
    assert progress.minutes_total == progress.minutes_left == 10
    home = client.get("/").context["courses"][0]["progress"]
    assert (home.done, home.total, home.minutes_total) == (0, studied, 10)


# --- Activities, files, documents and the done button ------------------------------------------


def test_it_keeps_an_activity_of_a_closed_section_shut_and_says_why(learner, course) -> None:
    section = closed_section(course)
    client = signed_in(learner)
    response = client.get(activity_url(page_in(section)))
    assert response.status_code == 403
    page = response.content.decode()
    assert "Pas encore disponible." in page and "Disponible à partir du 1 janvier 2100." in page
    assert "volcanologie" not in page
    # Not opened, so not viewed, not done by viewing, not where the learner is.
    assert not ActivityProgress.objects.filter(user=learner).exists()
    assert Enrolment.objects.get(user=learner, course=course).last_activity is None
    assert client.get(f"/courses/{course.pk}/").context["progress"].done == 0


def test_it_keeps_the_done_button_of_a_closed_section_shut(learner, course) -> None:
    section = closed_section(course)
    response = signed_in(learner).post(activity_url(page_in(section), "done/"), {"done": "1"})
    assert response.status_code == 403
    assert not ActivityProgress.objects.filter(user=learner).exists()


def test_it_keeps_the_files_of_a_closed_section_shut(learner, course) -> None:
    section = closed_section(course)
    held = held_file(file_in(section))
    client = signed_in(learner)
    assert client.get(activity_url(file_in(section), "file/")).status_code == 403
    for route in ("files", "documents"):
        url = f"/courses/{course.pk}/{route}/{held.blob_id}/corrige.pdf"
        assert client.get(url).status_code == 403, route
        assert client.head(url).status_code == 403, route


def test_it_serves_a_file_a_closed_activity_shares_with_an_open_one(learner, course) -> None:
    section = closed_section(course)
    held = held_file(file_in(section))
    open_page = course.activities.filter(kind="page").exclude(section=section).first()
    CourseFile.objects.create(
        course=course, activity=open_page, blob=held.blob, filename="corrige.pdf"
    )
    response = signed_in(learner).get(f"/courses/{course.pk}/files/{held.blob_id}/corrige.pdf")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 corrige"


def test_it_keeps_the_files_of_an_activity_closed_by_its_own_rule_shut(learner, course) -> None:
    fiche = course.activities.get(kind="resource")
    fiche.availability = from_(YEAR_2100)
    fiche.save()
    held = held_file(fiche, "fiche.pdf")
    client = signed_in(learner)
    assert client.get(activity_url(fiche, "file/")).status_code == 403
    for route in ("files", "documents"):
        url = f"/courses/{course.pk}/{route}/{held.blob_id}/fiche.pdf"
        assert client.get(url).status_code == 403, route


# --- Links and neighbours -----------------------------------------------------------------------


def test_it_turns_links_to_a_closed_activity_into_text_and_skips_it(learner, course) -> None:
    section = closed_section(course, when=YEAR_2000)  # open, for now
    hidden_away = page_in(section)
    last = course.activities.filter(kind="page", section__position=1).order_by("position").last()
    last.content = '<p><a href="cartable-activity:page-9001">Voir le chapitre</a></p>'
    last.save()
    client = signed_in(learner)
    before = client.get(activity_url(last)).content.decode()
    assert f'href="{activity_url(hidden_away)}"' in before  # the link, and the next one
    section.availability = from_(YEAR_2100)
    section.save()
    after = client.get(activity_url(last)).content.decode()
    assert "Voir le chapitre" in after
    assert f'href="{activity_url(hidden_away)}"' not in after
    assert f'href="{activity_url(file_in(section))}"' not in after


# --- Search -------------------------------------------------------------------------------------


def found(client, q: str) -> list[str]:
    page = client.get("/search/", {"q": q}).content.decode()
    return re.findall(r'<h2 class="result__title"><a href="[^"]*">([^<]*)</a>', page)


def test_it_keeps_the_content_of_a_closed_section_out_of_learners_searches(
    learner, staff, course
) -> None:
    closed_section(course)
    reindex_course(course.pk)
    assert found(signed_in(learner), "volcanologie") == []
    assert found(signed_in(staff), "volcanologie") == ["Chapitre caché"]


def test_it_keeps_a_section_hidden_by_its_rule_out_of_learners_searches(
    learner, staff, course
) -> None:
    closed_section(course, show=False)
    reindex_course(course.pk)
    client = signed_in(learner)
    for q in ("fermée", "résumé", "Chapitre caché", "corrige"):
        assert found(client, q) == [], q
    assert "Chapitre caché" in found(signed_in(staff), "Chapitre caché")


def test_it_keeps_an_activity_hidden_by_its_own_rule_out_of_learners_searches(
    learner, course
) -> None:
    page = course.activities.filter(kind="page").first()
    page.availability = from_(YEAR_2100, show=False)
    page.title = "Épreuve secrète"
    page.save()
    reindex_course(course.pk)
    assert found(signed_in(learner), "épreuve secrète") == []


# --- Study plans --------------------------------------------------------------------------------


def test_it_drops_plan_items_a_closed_section_holds_until_it_opens(
    teacher, learner, course
) -> None:
    section = closed_section(course)
    held = held_file(file_in(section))
    client = signed_in(teacher)
    for data in ({"activity": page_in(section).pk}, {"file": held.blob_id, "name": "corrige.pdf"}):
        # Teachers plan ahead: they may hand out what opens later.
        response = client.post(f"/courses/{course.pk}/plan/", {**data, "learners": [learner.pk]})
        assert response.status_code == 302
    learner_client = signed_in(learner)
    assert learner_client.get("/").context["plan_todo"] == []
    for item in StudyPlanItem.objects.all():
        assert (
            learner_client.post(f"/courses/plan/{item.pk}/tick/", {"done": "1"}).status_code == 404
        )
    assert not StudyPlanTick.objects.exists()
    section.availability = from_(YEAR_2000)
    section.save()
    shown = {item.title for item in learner_client.get("/").context["plan_todo"]}
    assert shown == {"Chapitre caché", "corrige.pdf"}


# --- Query counts -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["course", "activity", "home"])
def test_it_decides_rules_in_a_fixed_number_of_queries(learner, institution, path: str) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for sections in (2, 30):
        course = build_course(institution, f"R{sections}", sections=sections, pages_per_section=4)
        Enrolment.objects.create(user=learner, course=course)
        for section in course.sections.filter(position__gt=0):
            section.availability = from_(YEAR_2100 if section.position % 2 else YEAR_2000)
            section.save()
        first = course.activities.order_by("section__position", "position").first()
        StudyPlanItem.objects.create(course=course, activity=first, learner=learner)
        for activity in course.activities.filter(section__position=1):
            StudyPlanItem.objects.create(course=course, activity=activity, learner=learner)
        url = {
            "course": f"/courses/{course.pk}/",
            "activity": activity_url(first),
            "home": "/",
        }[path]
        client = signed_in(learner)
        client.get(activity_url(first))
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_it_offers_to_continue_only_with_what_the_learner_may_still_open(learner, course) -> None:
    section = closed_section(course, when=YEAR_2000)
    client = signed_in(learner)
    client.get(activity_url(page_in(section)))
    assert client.get(f"/courses/{course.pk}/").context["resume_id"] == page_in(section).pk
    section.availability = from_(YEAR_2100)
    section.save()
    outline = client.get(f"/courses/{course.pk}/")
    assert outline.context["resume_id"] is None
    assert activity_url(page_in(section)) not in outline.content.decode()
