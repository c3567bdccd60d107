"""Staff create accounts one at a time and hand over a printed credentials sheet."""

from __future__ import annotations

import pytest

from cartable.accounts.models import Role, User
from cartable.audit.models import AuditEvent
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_it_creates_a_learner_and_shows_the_password_once(staff, establishment, cohort) -> None:
    response = signed_in(staff).post(
        "/accounts/new/",
        {
            "username": "MDurand",
            "first_name": "Marie",
            "last_name": "Durand",
            "role": "learner",
            "groups": [cohort.pk],
        },
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    user = User.objects.get(username="mdurand")
    assert user.role == Role.LEARNER
    assert user.establishment == establishment
    assert list(user.cohorts.all()) == [cohort]
    password = response.context["credentials"][0].password
    assert password in response.content.decode()
    assert user.check_password(password)
    event = AuditEvent.objects.get(action="account.created", target_id=str(user.pk))
    assert event.actor == staff
    assert event.details["role"] == "learner"


def test_it_uses_the_password_staff_chose(staff) -> None:
    signed_in(staff).post(
        "/accounts/new/", {"username": "kbenali", "role": "teacher", "password": "soleil-levant-42"}
    )
    user = User.objects.get(username="kbenali")
    assert user.role == Role.TEACHER
    assert user.check_password("soleil-levant-42")


def test_it_refuses_a_weak_password_and_creates_nothing(staff) -> None:
    response = signed_in(staff).post(
        "/accounts/new/", {"username": "kbenali", "role": "learner", "password": "12345678"}
    )
    assert response.status_code == 400
    assert "Ce mot de passe est entièrement numérique." in response.content.decode()
    assert not User.objects.filter(username="kbenali").exists()


def test_it_refuses_a_username_already_taken_whatever_its_case(staff, learner) -> None:
    response = signed_in(staff).post("/accounts/new/", {"username": "LEA", "role": "learner"})
    assert response.status_code == 400
    assert "L’identifiant « lea » est déjà pris." in response.content.decode()
    assert User.objects.filter(username="lea").count() == 1


def test_it_does_not_let_staff_create_a_staff_or_admin_account(staff) -> None:
    for role in ("staff", "admin"):
        response = signed_in(staff).post("/accounts/new/", {"username": "boss", "role": role})
        assert response.status_code == 400
    assert not User.objects.filter(username="boss").exists()


def test_it_lets_the_administrator_create_staff_in_any_establishment(
    admin, other_establishment
) -> None:
    response = signed_in(admin).post(
        "/accounts/new/",
        {"username": "nouveau", "role": "staff", "establishment": other_establishment.pk},
    )
    assert response.status_code == 200
    user = User.objects.get(username="nouveau")
    assert user.role == Role.STAFF
    assert user.establishment == other_establishment


def test_it_generates_readable_passwords() -> None:
    from cartable.accounts import passwords

    generated = {passwords.generate() for _ in range(200)}
    assert len(generated) == 200
    for password in generated:
        assert len(password) == 12
        assert not set(password) & set("lo01")
