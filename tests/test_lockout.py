"""Wrong passwords lock what a guesser attacks, never the people who manage the box; staff
unlock the accounts they manage, from the web or the command line, and it is audited."""

from __future__ import annotations

import io

import pytest
from axes.models import AccessAttempt
from django.core.management import CommandError, call_command
from django.test import Client

from cartable.accounts.models import Role
from cartable.audit.models import AuditEvent, Tally
from tests.conftest import PASSWORD, make_user, signed_in

pytestmark = pytest.mark.django_db

CLASSROOM_PC = "10.0.0.66"
OFFICE_PC = "10.0.0.2"


def sign_in(username: str, password: str, device: str = CLASSROOM_PC):
    return Client(REMOTE_ADDR=device, HTTP_USER_AGENT="Poste-12").post(
        "/accounts/login/", {"username": username, "password": password}
    )


@pytest.mark.parametrize("role", [Role.ADMIN, Role.STAFF])
def test_it_does_not_let_a_flood_from_one_device_lock_out_staff_or_administrators(
    establishment, role
) -> None:
    make_user("chef", role, establishment)
    for _ in range(100):
        sign_in("chef", "wrong-password")
    # The guessing device is stopped, as for any account…
    assert sign_in("chef", PASSWORD).status_code == 429
    # …but the account still signs in from any other device.
    assert sign_in("CHEF", PASSWORD, OFFICE_PC).status_code == 302


def test_it_locks_a_learners_account_on_every_device_whichever_devices_guessed(learner) -> None:
    for number in range(5):
        sign_in("lea", "wrong-password", f"10.0.1.{number}")
    assert sign_in("lea", PASSWORD, OFFICE_PC).status_code == 429


def test_it_never_keeps_what_was_typed_for_a_name_that_is_no_account(learner) -> None:
    typed = "Tournesol-Secret-9"  # a password typed in the username box
    response = sign_in(typed, "lea")
    assert response.status_code == 200
    event = AuditEvent.objects.get(action="auth.sign_in_failed")
    assert event.details == {"username": "?"}
    assert event.establishment_id is None
    for _ in range(3):
        sign_in(typed.lower(), "x")
    kept = [
        repr(list(AuditEvent.objects.values_list())),
        repr(list(Tally.objects.values_list())),
        repr(list(AccessAttempt.objects.values_list())),
    ]
    assert not any(typed.lower() in text.lower() for text in kept)
    assert list(AccessAttempt.objects.values_list("username", "failures_since_start")) == [("?", 4)]


def test_it_stops_one_device_guessing_names_that_are_no_accounts(learner) -> None:
    for number in range(5):
        sign_in(f"personne{number}", "x")
    assert sign_in("quelquun", "x").status_code == 429
    assert sign_in("lea", PASSWORD).status_code == 302  # a real account is not held by it
    assert sign_in("quelquun", "x", OFFICE_PC).status_code == 200


def lock(username: str, device: str = CLASSROOM_PC) -> None:
    for _ in range(5):
        sign_in(username, "wrong-password", device)
    assert sign_in(username, PASSWORD, device).status_code == 429


def test_it_lets_staff_unlock_a_learner_with_the_same_password_and_audits_it(
    learner, staff
) -> None:
    lock("lea")
    client = signed_in(staff)
    page = client.get(f"/accounts/{learner.pk}/").content.decode()
    assert "Bloqué après trop de mots de passe erronés" in page
    response = client.post(f"/accounts/{learner.pk}/unlock/", REMOTE_ADDR=OFFICE_PC)
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="account.unlocked")
    assert (event.actor, event.target_id, event.details) == (
        staff,
        str(learner.pk),
        {"failed_sign_ins": 6},
    )
    assert event.ip_address == OFFICE_PC
    assert sign_in("lea", PASSWORD).status_code == 302
    assert "Bloqué" not in client.get(f"/accounts/{learner.pk}/").content.decode()


def test_it_says_when_an_account_has_nothing_to_unlock(learner, staff) -> None:
    client = signed_in(staff)
    response = client.post(f"/accounts/{learner.pk}/unlock/", follow=True)
    assert "Léa Moreau n’a aucune connexion échouée à oublier." in response.content.decode()
    assert not AuditEvent.objects.filter(action="account.unlocked").exists()


def test_it_shows_on_which_devices_an_administrator_is_locked(establishment, admin) -> None:
    other = make_user("root", Role.ADMIN, establishment)
    lock("root")
    page = signed_in(admin).get(f"/accounts/{other.pk}/").content.decode()
    assert f"sur ces appareils : {CLASSROOM_PC}" in page


def test_it_lets_an_administrator_unlock_an_administrator_and_not_staff(
    establishment, admin, staff
) -> None:
    other = make_user("root", Role.ADMIN, establishment)
    lock("root")
    assert signed_in(staff).post(f"/accounts/{other.pk}/unlock/").status_code == 404
    assert sign_in("root", PASSWORD).status_code == 429
    assert signed_in(admin).post(f"/accounts/{other.pk}/unlock/").status_code == 302
    assert sign_in("root", PASSWORD).status_code == 302
    assert AuditEvent.objects.filter(action="account.unlocked", actor=admin).count() == 1


def test_it_does_not_let_staff_unlock_another_establishments_learner(
    outsider_learner, staff
) -> None:
    lock("olga")
    assert signed_in(staff).post(f"/accounts/{outsider_learner.pk}/unlock/").status_code == 404
    assert sign_in("olga", PASSWORD).status_code == 429


def test_it_unlocks_from_the_command_line(admin) -> None:
    lock("ada")
    out = io.StringIO()
    call_command("user", "unlock", "ADA", stdout=out)
    assert "ada" in out.getvalue()
    assert sign_in("ada", PASSWORD).status_code == 302
    event = AuditEvent.objects.get(action="account.unlocked")
    assert (event.actor, event.actor_name) == (None, "system")
    with pytest.raises(CommandError):
        call_command("user", "unlock", "ada", stdout=io.StringIO())
