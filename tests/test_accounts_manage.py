"""Staff reset passwords, deactivate and reactivate accounts, set groups and enrolments."""

from __future__ import annotations

import pytest
from django.test import Client

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Enrolment
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_it_resets_a_password_and_signs_the_account_out_everywhere(staff, learner) -> None:
    learner_client = signed_in(learner)
    assert learner_client.get("/").status_code == 200
    response = signed_in(staff).post(f"/accounts/{learner.pk}/password/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    new_password = response.context["credentials"][0].password
    learner.refresh_from_db()
    assert learner.check_password(new_password)
    assert not learner.check_password(PASSWORD)
    assert learner_client.get("/").status_code == 302
    assert AuditEvent.objects.filter(
        action="account.password_reset", actor=staff, target_id=str(learner.pk)
    ).exists()


def test_it_needs_a_post_to_reset_a_password(staff, learner) -> None:
    assert signed_in(staff).get(f"/accounts/{learner.pk}/password/").status_code == 405


def test_it_deactivates_and_reactivates_an_account(staff, learner) -> None:
    client = signed_in(staff)
    response = client.post(f"/accounts/{learner.pk}/active/", {"active": "0"})
    assert response.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_active
    assert (
        Client().post("/accounts/login/", {"username": "lea", "password": PASSWORD}).status_code
        == 200
    )
    client.post(f"/accounts/{learner.pk}/active/", {"active": "1"})
    learner.refresh_from_db()
    assert learner.is_active
    actions = list(
        AuditEvent.objects.filter(target_id=str(learner.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["account.deactivated", "account.reactivated"]


def test_it_does_not_let_staff_deactivate_themselves(admin) -> None:
    client = signed_in(admin)
    response = client.post(f"/accounts/{admin.pk}/active/", {"active": "0"}, follow=True)
    admin.refresh_from_db()
    assert admin.is_active
    assert "Vous ne pouvez pas désactiver votre propre compte." in response.content.decode()


def test_it_sets_the_groups_of_an_account(staff, learner, cohort) -> None:
    signed_in(staff).post(f"/accounts/{learner.pk}/groups/", {"groups": [cohort.pk]})
    assert list(learner.cohorts.all()) == [cohort]
    event = AuditEvent.objects.get(action="account.groups_changed")
    assert event.details == {"added": ["DAEU A"], "removed": []}


def test_it_creates_groups(staff, establishment) -> None:
    client = signed_in(staff)
    assert client.post("/accounts/groups/", {"name": "Atelier lecture"}).status_code == 302
    assert establishment.cohorts.filter(name="Atelier lecture").exists()
    again = client.post("/accounts/groups/", {"name": "Atelier lecture"})
    assert again.status_code == 400
    assert "Le groupe « Atelier lecture » existe déjà." in again.content.decode()


def test_it_enrols_and_unenrols_a_learner(staff, other_learner, course) -> None:
    client = signed_in(staff)
    client.post(f"/accounts/{other_learner.pk}/enrol/", {"course": course.pk})
    assert Enrolment.objects.filter(user=other_learner, course=course, role="learner").exists()
    client.post(f"/accounts/{other_learner.pk}/enrolments/{course.pk}/remove/")
    assert not Enrolment.objects.filter(user=other_learner, course=course).exists()
    assert list(
        AuditEvent.objects.filter(action__startswith="enrolment.").values_list("action", flat=True)
    ) == ["enrolment.removed", "enrolment.created"]


def test_it_filters_the_account_list(staff, learner, other_learner, teacher, cohort) -> None:
    other_learner.cohorts.add(cohort)
    client = signed_in(staff)
    assert [a.username for a in client.get("/accounts/?q=moreau").context["page"]] == ["lea"]
    assert [a.username for a in client.get("/accounts/?role=teacher").context["page"]] == ["tess"]
    assert [a.username for a in client.get(f"/accounts/?group={cohort.pk}").context["page"]] == [
        "omar"
    ]
    learner.is_active = False
    learner.save()
    assert [a.username for a in client.get("/accounts/?status=inactive").context["page"]] == ["lea"]


def test_it_pages_a_long_account_list(staff, establishment) -> None:
    from cartable.accounts.models import Role, User

    User.objects.bulk_create(
        User(username=f"user{number:03d}", role=Role.LEARNER, establishment=establishment)
        for number in range(120)
    )
    client = signed_in(staff)
    first = client.get("/accounts/")
    assert len(first.context["page"].object_list) == 50
    third = client.get("/accounts/?page=3")
    assert len(third.context["page"].object_list) == 21


def test_it_gives_a_whole_group_new_passwords_on_one_sheet(
    staff, learner, other_learner, teacher, cohort
) -> None:
    cohort.members.add(learner, other_learner, teacher)
    other_learner.is_active = False
    other_learner.save()
    client = signed_in(staff)
    learner_client = signed_in(learner)
    confirm = client.get(f"/accounts/groups/{cohort.pk}/passwords/").content.decode()
    assert learner.username in confirm and teacher.username in confirm
    assert other_learner.username not in confirm  # deactivated: left as it is
    response = client.post(f"/accounts/groups/{cohort.pk}/passwords/")
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sheet = {item.user.username: item.password for item in response.context["credentials"]}
    assert set(sheet) == {learner.username, teacher.username}
    for person in (learner, teacher):
        person.refresh_from_db()
        assert person.check_password(sheet[person.username])
    other_learner.refresh_from_db()
    assert other_learner.check_password(PASSWORD)
    assert learner_client.get("/").status_code == 302  # signed out everywhere
    events = AuditEvent.objects.filter(action="account.password_reset", actor=staff)
    assert sorted(event.target_id for event in events) == sorted([str(learner.pk), str(teacher.pk)])
    assert {event.details["group"] for event in events} == {"DAEU A"}


def test_it_resets_none_of_a_group_too_large_for_one_sheet(
    staff, learner, teacher, cohort, settings
) -> None:
    settings.CSV_MAX_ROWS = 1
    cohort.members.add(learner, teacher)
    response = signed_in(staff).post(f"/accounts/groups/{cohort.pk}/passwords/")
    assert response.status_code == 400
    assert "plus de 1 comptes" in response.content.decode()
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
    assert not AuditEvent.objects.filter(action="account.password_reset").exists()


def test_it_keeps_another_establishments_group_out_of_reach(outsider_staff, learner, cohort):
    cohort.members.add(learner)
    client = signed_in(outsider_staff)
    assert client.get(f"/accounts/groups/{cohort.pk}/passwords/").status_code == 404
    assert client.post(f"/accounts/groups/{cohort.pk}/passwords/").status_code == 404
    learner.refresh_from_db()
    assert learner.check_password(PASSWORD)
