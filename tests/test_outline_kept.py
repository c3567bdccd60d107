"""The course page's outline is kept per content (learning/outline.py): whatever changes what a
page lists — an approved update, an activity approved or rejected, a title, a visibility, the
reader's language — shows at the next request after a page that was kept, and what is kept for
one reader never shows another reader's state or what only another kind of reader may see."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cartable.catalog.models import Activity, Course, Enrolment, Section
from cartable.learning.models import ActivityProgress
from cartable.review.actions import approve_course, decide_activity
from tests.conftest import build_course, signed_in
from tests.test_update_staging import fresh_learner, run_import, versioned

pytestmark = pytest.mark.django_db

AFTER_41 = {"op": "&", "c": [{"type": "completion", "cm": 41, "e": 1}], "showc": [True]}
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]+"')
DONE = '<span class="visually-hidden">Terminé</span>'


def page(client, course: Course, **headers: str) -> str:
    """The course page, without its CSRF tokens (masked afresh on every request)."""
    response = client.get(f"/courses/{course.pk}/", **headers)
    assert response.status_code == 200
    return TOKEN.sub("", response.content.decode())


def link(activity: Activity) -> str:
    return f'href="/courses/{activity.course_id}/activities/{activity.pk}/"'


def test_an_approved_update_shows_at_once_on_a_page_kept_before(tmp_path: Path, staff) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    learner = fresh_learner(course, 1)
    before = page(learner, course)
    assert page(learner, course) == before  # kept, and the same
    assert "Leçon D" in before and "Leçon C" not in before and "Leçon E" not in before
    staff_before = page(signed_in(staff), course)
    assert "Leçon C" in staff_before  # staff see the hidden section's page

    run_import(versioned(2).build(tmp_path / "v2.mbz"))
    assert page(learner, course) == before  # waiting for review: nothing changes
    approve_course(actor=staff, course=course)

    after = page(learner, course)
    assert "Leçon C" in after  # its section is shown now
    assert "Leçon E" in after and "Leçon F" in after and "Nouveau chapitre" in after
    assert "Leçon D" not in after  # retired
    assert "Pas encore disponible." in after  # "Plus tard" closed by its new rule
    b = Activity.objects.get(course=course, title="Leçon B")
    assert link(b) not in after  # moved into the closed section: not listed
    assert "Leçon E" in page(signed_in(staff), course)


def test_an_activity_approved_or_rejected_shows_or_goes_at_once(
    learner, staff, institution
) -> None:
    course = build_course(institution, "REV1")
    Enrolment.objects.create(user=learner, course=course)
    waiting = Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=9,
        kind=Activity.Kind.PAGE,
        review_status=Activity.Review.PENDING,
        title="Page en attente",
        source_key="page-77",
    )
    client = signed_in(learner)
    assert "Page en attente" not in page(client, course)
    assert "Page en attente" in page(signed_in(staff), course)  # kept for staff, not learners
    assert "Page en attente" not in page(client, course)
    decide_activity(actor=staff, activity=waiting, approve=True)
    assert link(waiting) in page(client, course)
    decide_activity(actor=staff, activity=waiting, approve=False, comment="Finalement non")
    assert "Page en attente" not in page(client, course)


def test_a_row_changed_by_any_statement_shows_at_once(learner, institution) -> None:
    course = build_course(institution, "ANY1")
    Enrolment.objects.create(user=learner, course=course)
    client = signed_in(learner)
    first = course.activities.order_by("pk").first()
    section = course.sections.get(position=1)
    assert first.title in page(client, course)
    Activity.objects.filter(pk=first.pk).update(title="Titre renommé")
    Section.objects.filter(pk=section.pk).update(title="Partie renommée")
    shown = page(client, course)
    assert "Titre renommé" in shown and "Partie renommée" in shown and first.title not in shown
    Activity.objects.filter(pk=first.pk).update(visible=False)
    assert "Titre renommé" not in page(client, course)
    Activity.objects.filter(pk=first.pk).update(visible=True)
    assert "Titre renommé" in page(client, course)
    Section.objects.filter(pk=section.pk).update(visible=False)
    assert "Partie renommée" not in page(client, course)


def test_each_language_has_its_own_outline(learner, institution) -> None:
    course = build_course(institution, "LANG1")
    Enrolment.objects.create(user=learner, course=course)
    client = signed_in(learner)
    french = page(client, course)
    english = page(client, course, HTTP_ACCEPT_LANGUAGE="en")
    assert 'class="activity__meta">Page' in english and "Partie 0" in english
    assert page(client, course) == french
    assert page(client, course, HTTP_ACCEPT_LANGUAGE="en") == english
    assert "Skip to content" in english and "Aller au contenu" in french


def test_two_learners_never_see_each_others_state(learner, other_learner, teacher, institution):
    course = build_course(institution, "TWO1", sections=1, pages_per_section=1)
    section = course.sections.get()
    first = course.activities.get()
    Activity.objects.filter(pk=first.pk).update(source_key="page-41")
    ruled = Activity.objects.create(
        course=course,
        section=section,
        position=5,
        kind=Activity.Kind.PAGE,
        review_status=Activity.Review.APPROVED,
        title="Page après la première",
        availability=AFTER_41,
        source_key="page-42",
    )
    hidden = Activity.objects.create(
        course=course,
        section=section,
        position=6,
        kind=Activity.Kind.PAGE,
        review_status=Activity.Review.APPROVED,
        title="Page cachée aux apprenants",
        visible=False,
    )
    for user in (learner, other_learner):
        Enrolment.objects.create(user=user, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    lea, omar, tess = signed_in(learner), signed_in(other_learner), signed_in(teacher)
    assert lea.get(f"/courses/{course.pk}/activities/{first.pk}/").status_code == 200
    assert ActivityProgress.objects.get(user=learner, activity=first).completed_at is not None

    for _ in range(2):  # the second time from what was kept
        teachers = page(tess, course)
        assert hidden.title in teachers and link(ruled) in teachers and DONE not in teachers
        mine = page(lea, course)
        assert mine.count(DONE) == 1 and link(ruled) in mine
        assert "Disponible une fois" not in mine and hidden.title not in mine
        theirs = page(omar, course)
        assert DONE not in theirs and link(ruled) not in theirs
        assert "Page après la première" in theirs and "Disponible une fois" in theirs
        assert hidden.title not in theirs


def test_a_course_on_the_home_shows_its_title_progress_and_language_as_they_are_now(
    learner, other_learner, institution
) -> None:
    course = build_course(institution, "HOME1")
    for user in (learner, other_learner):
        Enrolment.objects.create(user=user, course=course)
    lea, omar = signed_in(learner), signed_in(other_learner)
    assert "0 activité terminée sur 4" in lea.get("/").content.decode()
    first = course.activities.order_by("pk").first()
    assert lea.get(f"/courses/{course.pk}/activities/{first.pk}/").status_code == 200
    mine = lea.get("/").content.decode()
    assert "1 activité terminée sur 4" in mine and link(first) in mine  # "Continue"
    theirs = omar.get("/").content.decode()
    assert "0 activité terminée sur 4" in theirs and link(first) not in theirs
    Course.objects.filter(pk=course.pk).update(title="Cours renommé")
    assert "Cours renommé" in lea.get("/").content.decode()
    english = lea.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "1 of 4 done" in english and "Continue" in english
