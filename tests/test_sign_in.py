"""Signing in and out: case-free usernames, lockout after repeated failures, audit rows."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import Argon2PasswordHasher, identify_hasher
from django.test import Client

from cartable.accounts.hashers import BoxArgon2PasswordHasher
from cartable.audit.models import AuditEvent
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db


def sign_in(client: Client, username: str, password: str):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR="10.0.0.7",
        HTTP_USER_AGENT="Tablette-12",
    )


def test_it_signs_in_with_the_right_password_and_audits_it(learner) -> None:
    client = Client()
    response = sign_in(client, "lea", PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/"
    assert client.get("/").status_code == 200
    event = AuditEvent.objects.get(action="auth.sign_in")
    assert event.actor == learner
    assert event.ip_address == "10.0.0.7"
    assert event.device == "Tablette-12"


def test_it_ignores_case_and_spaces_in_the_username(learner) -> None:
    assert sign_in(Client(), "  LEA ", PASSWORD).status_code == 302


def test_it_refuses_a_wrong_password_with_a_plain_message_and_audits_it(learner) -> None:
    response = sign_in(Client(), "lea", "wrong-password")
    assert response.status_code == 200
    assert "Identifiant ou mot de passe incorrect" in response.content.decode()
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.details == {"username": "lea"}
    assert event.ip_address == "10.0.0.7"


def test_it_locks_the_account_after_five_failures_even_with_the_right_password(
    learner,
) -> None:
    client = Client()
    for _ in range(5):
        sign_in(client, "lea", "wrong-password")
    response = sign_in(client, "lea", PASSWORD)
    assert response.status_code == 429
    assert "Compte bloqué" in response.content.decode()
    assert AuditEvent.objects.filter(action="auth.sign_in").count() == 0
    # The lock is on the account, from any device.
    assert sign_in(Client(), "LEA", PASSWORD).status_code == 429


def test_it_does_not_lock_another_account(learner, other_learner) -> None:
    for _ in range(5):
        sign_in(Client(), "lea", "wrong-password")
    assert sign_in(Client(), "omar", PASSWORD).status_code == 302


def test_it_unlocks_the_account_when_staff_give_a_new_password(learner, staff) -> None:
    for _ in range(5):
        sign_in(Client(), "lea", "wrong-password")
    staff_client = Client()
    staff_client.force_login(staff)
    sheet = staff_client.post(f"/accounts/{learner.pk}/password/")
    assert sheet.status_code == 200
    new_password = sheet.context["credentials"][0].password
    assert sign_in(Client(), "lea", new_password).status_code == 302


def test_it_refuses_a_deactivated_account(learner) -> None:
    learner.is_active = False
    learner.save()
    response = sign_in(Client(), "lea", PASSWORD)
    assert response.status_code == 200
    assert AuditEvent.objects.filter(action="auth.sign_in").count() == 0


def test_it_signs_out_with_a_post_and_audits_it(learner) -> None:
    client = Client()
    client.force_login(learner)
    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=learner).exists()


def test_it_hashes_passwords_with_argon2id_tuned_for_the_box(settings, learner) -> None:
    from cartable import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    learner.set_password("a-new-password")
    assert learner.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
    assert learner.check_password("a-new-password")
    # Verification goes through the box's hasher too (one hasher per thread, bounded memory).
    assert type(identify_hasher(learner.password)) is BoxArgon2PasswordHasher


def test_it_upgrades_a_hash_made_with_other_argon2_parameters_at_sign_in(settings, learner) -> None:
    from cartable import settings as production

    settings.PASSWORD_HASHERS = production.PASSWORD_HASHERS
    learner.password = Argon2PasswordHasher().encode("old-password", "saltsaltsalt")
    learner.save()
    assert "m=102400" in learner.password
    assert (
        Client()
        .post("/accounts/login/", {"username": "lea", "password": "old-password"})
        .status_code
        == 302
    )
    learner.refresh_from_db()
    assert learner.password.startswith("argon2$argon2id$v=19$m=19456,t=2,p=1$")
