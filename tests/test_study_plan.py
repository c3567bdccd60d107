"""Teachers hand out activities and files to learners or groups; learners see them first on
their home page and tick them off; teachers see who has done what; nobody sees another's plan."""

from __future__ import annotations

import pytest

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, CourseFile, Enrolment
from cartable.learning import plans
from cartable.learning.models import StudyPlanItem, StudyPlanTick
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture
def classroom(course, other_learner, cohort, learner):
    Enrolment.objects.create(user=other_learner, course=course)
    cohort.members.add(learner, other_learner)
    return course


def test_it_hands_an_activity_to_a_learner_with_a_note_and_a_date(
    teacher, learner, classroom
) -> None:
    page = classroom.activities.filter(kind="page").first()
    client = signed_in(teacher)
    form = client.get(f"/courses/{classroom.pk}/plan/?activity={page.pk}")
    assert form.status_code == 200
    response = client.post(
        f"/courses/{classroom.pk}/plan/",
        {
            "activity": page.pk,
            "learners": [learner.pk],
            "note": "À lire en cellule",
            "due_date": "2026-12-01",
        },
    )
    assert response.status_code == 302
    item = StudyPlanItem.objects.get()
    assert (item.learner, item.activity, item.note) == (learner, page, "À lire en cellule")
    assert str(item.due_date) == "2026-12-01"
    assert AuditEvent.objects.filter(action="plan.item_added", actor=teacher).exists()
    home = signed_in(learner).get("/").content.decode()
    assert home.index("À lire en cellule") < home.index("my-courses")


def test_it_hands_a_file_to_a_whole_group(
    teacher, learner, other_learner, classroom, cohort
) -> None:
    held = CourseFile.objects.create(
        course=classroom, blob=classroom.activities.get(kind="resource").blob, filename="fiche.pdf"
    )
    signed_in(teacher).post(
        f"/courses/{classroom.pk}/plan/",
        {"file": held.blob_id, "name": "fiche.pdf", "cohort": cohort.pk},
    )
    item = StudyPlanItem.objects.get()
    assert item.cohort == cohort and item.filename == "fiche.pdf"
    for person in (learner, other_learner):
        assert [i.pk for i in signed_in(person).get("/").context["plan_todo"]] == [item.pk]


def test_it_lets_learners_tick_items_off_and_teachers_see_who(
    teacher, learner, other_learner, classroom, cohort
) -> None:
    page = classroom.activities.filter(kind="page").first()
    item = StudyPlanItem.objects.create(
        course=classroom, activity=page, cohort=cohort, created_by=teacher
    )
    client = signed_in(learner)
    assert client.post(f"/courses/plan/{item.pk}/tick/", {"done": "1"}).status_code == 302
    assert StudyPlanTick.objects.filter(item=item, learner=learner).exists()
    home = client.get("/")
    assert home.context["plan_todo"] == [] and [i.pk for i in home.context["plan_done"]] == [
        item.pk
    ]
    status = {
        person.username: done
        for person, done in signed_in(teacher)
        .get(f"/courses/{classroom.pk}/plan/")
        .context["items"][0][1]
    }
    assert status == {"lea": True, "omar": False}
    client.post(f"/courses/plan/{item.pk}/tick/", {"done": "0"})
    assert not StudyPlanTick.objects.filter(item=item, learner=learner).exists()


def test_it_keeps_a_learners_plan_private(teacher, learner, other_learner, classroom) -> None:
    page = classroom.activities.filter(kind="page").first()
    item = StudyPlanItem.objects.create(
        course=classroom, activity=page, learner=learner, created_by=teacher
    )
    other = signed_in(other_learner)
    assert other.get("/").context["plan_todo"] == []
    assert other.post(f"/courses/plan/{item.pk}/tick/", {"done": "1"}).status_code == 404
    assert not StudyPlanTick.objects.exists()


def test_it_refuses_plans_to_learners_and_to_teachers_of_other_courses(
    learner, teacher, classroom, institution
) -> None:
    page = classroom.activities.filter(kind="page").first()
    assert signed_in(learner).get(f"/courses/{classroom.pk}/plan/").status_code == 403
    other = build_course(institution, "OTHER")
    Enrolment.objects.create(user=teacher, course=other, role="teacher")
    Enrolment.objects.filter(user=teacher, course=classroom).delete()
    response = signed_in(teacher).post(
        f"/courses/{classroom.pk}/plan/", {"activity": page.pk, "learners": [learner.pk]}
    )
    assert response.status_code == 404  # a course the teacher does not teach is not visible
    assert not StudyPlanItem.objects.exists()


def test_it_only_hands_out_to_learners_of_the_course(teacher, classroom, outsider_learner) -> None:
    page = classroom.activities.filter(kind="page").first()
    response = signed_in(teacher).post(
        f"/courses/{classroom.pk}/plan/", {"activity": page.pk, "learners": [outsider_learner.pk]}
    )
    assert response.status_code == 400
    assert not StudyPlanItem.objects.exists()


def test_it_refuses_to_hand_out_an_activity_hidden_from_learners(
    teacher, learner, classroom
) -> None:
    page = classroom.activities.filter(kind="page").first()
    page.visible = False
    page.save()
    response = signed_in(teacher).post(
        f"/courses/{classroom.pk}/plan/", {"activity": page.pk, "learners": [learner.pk]}
    )
    assert response.status_code == 400
    assert "Cette activité est masquée aux apprenants" in response.content.decode()
    assert not StudyPlanItem.objects.exists()


def test_it_shows_other_establishments_staff_none_of_the_plan(
    teacher, learner, classroom, outsider_staff
) -> None:
    page = classroom.activities.filter(kind="page").first()
    signed_in(teacher).post(
        f"/courses/{classroom.pk}/plan/",
        {"activity": page.pk, "learners": [learner.pk], "note": "À lire en cellule"},
    )
    item = StudyPlanItem.objects.get()
    client = signed_in(outsider_staff)
    plan = client.get(f"/courses/{classroom.pk}/plan/").content.decode()
    assert "À lire en cellule" not in plan and learner.last_name not in plan
    assert client.post(f"/courses/{classroom.pk}/plan/{item.pk}/remove/").status_code == 404
    assert StudyPlanItem.objects.filter(pk=item.pk).exists()


def test_it_removes_an_item_and_audits_it(teacher, learner, classroom) -> None:
    page = classroom.activities.filter(kind="page").first()
    item = StudyPlanItem.objects.create(
        course=classroom, activity=page, learner=learner, created_by=teacher
    )
    signed_in(teacher).post(f"/courses/{classroom.pk}/plan/{item.pk}/remove/")
    assert not StudyPlanItem.objects.exists()
    assert AuditEvent.objects.filter(action="plan.item_removed").exists()


def test_it_drops_items_of_an_unpublished_course_from_the_home_page(
    teacher, learner, classroom
) -> None:
    page = classroom.activities.filter(kind="page").first()
    StudyPlanItem.objects.create(
        course=classroom, activity=page, learner=learner, created_by=teacher
    )
    classroom.status = "pending_review"
    classroom.save()
    assert signed_in(learner).get("/").context["plan_todo"] == []


def test_it_drops_items_whose_content_was_since_rejected_or_hidden(
    teacher, learner, classroom
) -> None:
    page, other = classroom.activities.filter(kind="page")[:2]
    resource = classroom.activities.get(kind="resource")
    held = CourseFile.objects.create(
        course=classroom, activity=resource, blob=resource.blob, filename="fiche.pdf"
    )
    client = signed_in(teacher)
    for data in (
        {"activity": page.pk},
        {"activity": other.pk},
        {"file": held.blob_id, "name": "fiche.pdf"},
    ):
        client.post(f"/courses/{classroom.pk}/plan/", {**data, "learners": [learner.pk]})
    learner_client = signed_in(learner)

    def planned() -> set[str]:
        home = learner_client.get("/")
        shown = {item.title for item in home.context["plan_todo"]}
        # The ORM rule (ticking) and the home's SQL agree.
        assert shown == {item.title for item in plans.items_for(learner)}
        return shown

    assert planned() == {page.title, other.title, "fiche.pdf"}
    page.review_status = Activity.Review.REJECTED
    page.save()
    other.visible = False
    other.save()
    resource.review_status = Activity.Review.REJECTED
    resource.save()
    assert planned() == set()


@pytest.mark.parametrize("status", [Activity.Review.REJECTED, Activity.Review.PENDING])
def test_it_shows_teachers_nothing_of_an_activity_staff_have_not_approved(
    teacher, learner, classroom, status: str
) -> None:
    """Finding: a teacher read a rejected activity's title on the hand-out form."""
    page = classroom.activities.filter(kind="page").first()
    page.title = "Sujet refusé par le personnel"
    page.review_status = status
    page.save()
    client = signed_in(teacher)
    form = client.get(f"/courses/{classroom.pk}/plan/?activity={page.pk}")
    assert form.status_code == 404
    assert "Sujet refusé" not in form.content.decode()
    response = client.post(
        f"/courses/{classroom.pk}/plan/", {"activity": page.pk, "learners": [learner.pk]}
    )
    assert response.status_code == 404
    assert "Sujet refusé" not in response.content.decode()
    assert not StudyPlanItem.objects.exists()
    assert not AuditEvent.objects.filter(action="plan.item_added").exists()


def test_it_answers_an_odd_activity_number_on_the_hand_out_form_with_not_found(
    teacher, classroom
) -> None:
    for odd in ("²", "٣", "-1", "99999999999999999999999"):
        response = signed_in(teacher).get(f"/courses/{classroom.pk}/plan/", {"activity": odd})
        assert response.status_code == 404, odd
