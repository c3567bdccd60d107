"""Nobody reaches a page or an account that is not theirs."""

from __future__ import annotations

import pytest
from django.test import Client

from cartable.accounts.models import User
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

STAFF_PAGES = ["/accounts/", "/accounts/new/", "/accounts/import/", "/accounts/groups/"]


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_it_forbids_staff_pages_to_a_learner(learner, path: str) -> None:
    response = signed_in(learner).get(path)
    assert response.status_code == 403
    assert "Cette page n’est pas pour vous" in response.content.decode()


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_it_forbids_staff_pages_to_a_teacher(teacher, path: str) -> None:
    assert signed_in(teacher).get(path).status_code == 403


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_it_sends_an_anonymous_visitor_to_sign_in(db, path: str) -> None:
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_forbids_a_learner_to_act_on_another_account(learner, other_learner) -> None:
    client = signed_in(learner)
    assert client.get(f"/accounts/{other_learner.pk}/").status_code == 403
    assert client.post(f"/accounts/{other_learner.pk}/password/").status_code == 403
    assert client.post(f"/accounts/{other_learner.pk}/active/", {"active": "0"}).status_code == 403
    other_learner.refresh_from_db()
    assert other_learner.is_active


def test_it_hides_accounts_of_another_establishment_from_staff(staff, outsider_learner) -> None:
    client = signed_in(staff)
    assert client.get(f"/accounts/{outsider_learner.pk}/").status_code == 404
    assert client.post(f"/accounts/{outsider_learner.pk}/password/").status_code == 404
    assert (
        client.post(f"/accounts/{outsider_learner.pk}/active/", {"active": "0"}).status_code == 404
    )
    outsider_learner.refresh_from_db()
    assert outsider_learner.is_active


def test_it_does_not_let_staff_manage_other_staff_or_admins(staff, outsider_staff, admin) -> None:
    colleague = User.objects.create(
        username="colleague", role="staff", establishment=staff.establishment
    )
    client = signed_in(staff)
    page = client.get(f"/accounts/{colleague.pk}/")
    assert page.status_code == 200
    assert "Donner un nouveau mot de passe" not in page.content.decode()
    assert client.post(f"/accounts/{colleague.pk}/password/").status_code == 404
    assert client.get(f"/accounts/{admin.pk}/").status_code == 404


def test_it_hides_courses_a_learner_is_not_enrolled_in(learner, course, other_course) -> None:
    client = signed_in(learner)
    assert client.get(f"/courses/{course.pk}/").status_code == 200
    assert client.get(f"/courses/{other_course.pk}/").status_code == 404
    activity = other_course.activities.first()
    assert client.get(f"/courses/{other_course.pk}/activities/{activity.pk}/").status_code == 404
    # An activity of another course cannot be reached through a course one may see.
    assert client.get(f"/courses/{course.pk}/activities/{activity.pk}/").status_code == 404


def test_it_hides_an_unpublished_course_even_when_enrolled(learner, course) -> None:
    course.status = "pending_review"
    course.save()
    assert signed_in(learner).get(f"/courses/{course.pk}/").status_code == 404
