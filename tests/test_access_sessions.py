"""Sessions: a learner holds one (a new sign-in ends the old one); staff see the open sessions
of their establishment and end any of them, audited; never another establishment's."""

from __future__ import annotations

import pytest
from django.contrib.sessions.models import Session
from django.test import Client

from cartable.access import open_sessions
from cartable.access.models import OpenSession
from cartable.audit.models import AuditEvent
from cartable.web import middleware
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def sign_in(username: str, device: str = "Tablette-3") -> Client:
    client = Client()
    response = client.post(
        "/accounts/login/",
        {"username": username, "password": PASSWORD},
        REMOTE_ADDR="10.0.0.9",
        HTTP_USER_AGENT=device,
    )
    assert response.status_code == 302
    return client


def test_it_ends_a_learners_first_session_when_they_sign_in_again(learner) -> None:
    first = sign_in("lea", "PC de la salle 2")
    assert first.get("/").status_code == 200
    second = sign_in("lea", "Tablette-3")
    assert second.get("/").status_code == 200
    response = first.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert second.get("/").status_code == 200
    row = OpenSession.objects.get(user=learner)
    assert row.device == "Tablette-3"
    assert row.ip_address == "10.0.0.9"
    replaced = AuditEvent.objects.get(action="session.replaced")
    assert replaced.actor == learner
    assert replaced.details == {"ended": 1}


def test_it_lets_a_teacher_keep_two_sessions(teacher) -> None:
    first, second = sign_in("tess"), sign_in("tess")
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 200
    assert OpenSession.objects.filter(user=teacher).count() == 2
    assert not AuditEvent.objects.filter(action="session.replaced").exists()


def test_it_forgets_a_session_at_sign_out(learner) -> None:
    client = sign_in("lea")
    assert OpenSession.objects.filter(user=learner).exists()
    client.post("/accounts/logout/")
    assert not OpenSession.objects.filter(user=learner).exists()


def test_it_shows_staff_who_is_signed_in_in_their_establishment(
    learner, teacher, staff, outsider_learner
) -> None:
    sign_in("lea", "Mozilla/5.0 (Tablette-salle-2; Android 9) AppleWebKit/537.36 Chrome/120").get(
        "/"
    )
    sign_in("olga")
    page = signed_in(staff).get("/access/sessions/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Léa Moreau" in text
    assert "Tablette-salle-2; Android 9" in text
    assert "AppleWebKit" not in text
    assert "10.0.0.9" in text
    assert "Olga" not in text  # another establishment's
    shown = {item.row.user_id: item for item in page.context["sessions"]}
    assert shown[learner.pk].last_seen is not None
    assert shown[learner.pk].may_end
    assert shown[staff.pk].current


def test_it_lets_staff_end_a_learners_session(learner, staff) -> None:
    client = sign_in("lea", "Tablette-3")
    row = OpenSession.objects.get(user=learner)
    response = signed_in(staff).post(f"/access/sessions/{row.pk}/end/")
    assert response.status_code == 302
    assert client.get("/").status_code == 302
    assert not OpenSession.objects.filter(pk=row.pk).exists()
    assert not Session.objects.filter(session_key=row.session_key).exists()
    ended = AuditEvent.objects.get(action="session.ended")
    assert ended.actor == staff
    assert ended.target_id == str(learner.pk)
    assert ended.details["device"] == "Tablette-3"


def test_it_refuses_another_establishments_staff(learner, outsider_staff) -> None:
    client = sign_in("lea")
    row = OpenSession.objects.get(user=learner)
    assert signed_in(outsider_staff).post(f"/access/sessions/{row.pk}/end/").status_code == 404
    assert client.get("/").status_code == 200
    assert not AuditEvent.objects.filter(action="session.ended").exists()


def test_it_refuses_staff_ending_another_staff_members_session(staff, admin) -> None:
    sign_in("ada")
    row = OpenSession.objects.get(user=admin)
    # admins' accounts are not even listed to staff
    assert signed_in(staff).post(f"/access/sessions/{row.pk}/end/").status_code == 404
    colleague = OpenSession.objects.get(user=staff)  # signed_in(staff) above
    assert signed_in(admin).post(f"/access/sessions/{colleague.pk}/end/").status_code == 302
    assert not OpenSession.objects.filter(user=staff).exists()


@pytest.mark.parametrize("persona", ["learner", "teacher"])
def test_it_refuses_the_sessions_page_to_learners_and_teachers(persona, request) -> None:
    user = request.getfixturevalue(persona)
    assert signed_in(user).get("/access/sessions/").status_code == 403


def test_it_leaves_out_sessions_that_ended_otherwise(learner, staff) -> None:
    sign_in("lea")
    row = OpenSession.objects.get(user=learner)
    Session.objects.filter(session_key=row.session_key).delete()  # e.g. expired and swept
    assert open_sessions.visible_sessions(staff).count() == 0


def test_its_idle_clock_key_is_the_web_middlewares() -> None:
    assert open_sessions.SEEN_KEY == middleware.SEEN_KEY


def test_it_leaves_out_the_sessions_of_a_new_password_or_a_deactivated_account(
    learner, other_learner, staff
) -> None:
    sign_in("lea").get("/")
    sign_in("omar").get("/")
    client = signed_in(staff)
    assert {item.row.user_id for item in client.get("/access/sessions/").context["sessions"]} >= {
        learner.pk,
        other_learner.pk,
    }
    client.post(f"/accounts/{learner.pk}/password/")
    client.post(f"/accounts/{other_learner.pk}/active/", {"active": "0"})
    shown = {item.row.user_id for item in client.get("/access/sessions/").context["sessions"]}
    assert learner.pk not in shown
    assert other_learner.pk not in shown
