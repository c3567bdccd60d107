"""Access hours applied: a learner cannot sign in outside them and is told when access opens
(in their language); an open session ends at the first request after them; teachers and
staff are never limited; every refusal is in the audit log; a learner's page costs no more."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cartable.access.gate import UNTIL_KEY
from cartable.audit.models import AuditEvent
from tests.access_world import dated, move_clock, weekly
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def sign_in(username: str, **headers: str):
    client = Client()
    response = client.post(
        "/accounts/login/", {"username": username, "password": PASSWORD}, **headers
    )
    return client, response


def test_it_refuses_a_learner_outside_hours_saying_in_french_when_access_opens(
    learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-09 13:00")  # a Friday
    client, response = sign_in("lea", REMOTE_ADDR="10.0.0.7")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Vous ne pouvez pas vous connecter à cette heure-ci." in page
    assert f"L’accès ouvre lundi à 9{NBSP}h{NBSP}00." in page
    assert client.get("/").status_code == 302  # not signed in
    refused = AuditEvent.objects.get(action="hours.sign_in_refused")
    assert refused.actor_name == "lea"
    assert refused.establishment_id == establishment.pk
    assert refused.details == {"opens": "2026-01-12T08:00:00+00:00"}
    assert refused.ip_address == "10.0.0.7"
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()
    assert not AuditEvent.objects.filter(action="auth.sign_in_failed").exists()


def test_it_tells_a_learner_who_reads_english_in_english(
    learner, establishment, monkeypatch
) -> None:
    learner.language = "en"
    learner.save(update_fields=["language"])
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 13:00")  # a Monday
    _client, response = sign_in("lea")
    page = response.content.decode()
    assert "You cannot sign in at this time. Access opens tomorrow at 9:00." in page


def test_it_says_the_date_when_access_opens_more_than_a_week_later(
    learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    dated(establishment, "closed", "2026-01-05", "2026-01-16")
    move_clock(monkeypatch, "2026-01-05 10:00")
    _client, response = sign_in("lea")
    assert f"L’accès ouvre le lundi 19 janvier à 9{NBSP}h{NBSP}00." in response.content.decode()


def test_it_says_when_a_learner_is_blocked_until_staff_lift_it(
    learner, establishment, monkeypatch
) -> None:
    dated(establishment, "closed", "2026-01-01", None, learner=learner)
    move_clock(monkeypatch, "2026-01-05 10:00")
    _client, response = sign_in("lea")
    assert "L’accès est fermé jusqu’à ce que le personnel le rouvre." in response.content.decode()


def test_it_lets_a_learner_sign_in_during_hours(learner, establishment, monkeypatch) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 10:00")
    client, response = sign_in("lea")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    assert not AuditEvent.objects.filter(action__startswith="hours.").exists()


def test_it_lets_a_learner_of_a_group_with_evening_hours_sign_in_in_the_evening(
    learner, establishment, cohort, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    weekly(establishment, "18:00", "22:00", days=0b1111111, cohort=cohort)
    move_clock(monkeypatch, "2026-01-05 19:00")
    assert sign_in("lea")[1].status_code == 200  # not in the group yet
    cohort.members.add(learner)
    assert sign_in("lea")[1].status_code == 302


@pytest.mark.parametrize("persona", ["teacher", "staff", "admin"])
def test_it_never_limits_teachers_and_staff(persona, request, establishment, monkeypatch) -> None:
    user = request.getfixturevalue(persona)
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 23:00")
    client, response = sign_in(user.username)
    assert response.status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert client.get("/accounts/password/").status_code == 200


def test_it_refuses_a_wrong_password_as_before_outside_hours(
    learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 23:00")
    _client, response = sign_in_with(learner.username, "wrong")
    page = response.content.decode()
    assert "Identifiant ou mot de passe incorrect" in page
    assert "L’accès ouvre" not in page  # hours are told only to who knows the password
    assert not AuditEvent.objects.filter(action="hours.sign_in_refused").exists()


def sign_in_with(username: str, password: str):
    client = Client()
    return client, client.post("/accounts/login/", {"username": username, "password": password})


def test_it_ends_a_session_at_the_end_of_hours_with_the_same_message(
    learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 11:58")
    client, response = sign_in("lea")
    assert response.status_code == 302
    assert client.get("/").status_code == 200
    move_clock(monkeypatch, "2026-01-05 11:59")
    assert client.get("/").status_code == 200
    move_clock(monkeypatch, "2026-01-05 12:00")
    response = client.get("/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/accounts/login/")
    page = response.content.decode()
    assert "Les horaires d’accès sont terminés" in page
    assert f"L’accès ouvre demain à 9{NBSP}h{NBSP}00." in page
    assert client.get("/").status_code == 302  # signed out for good
    closed = AuditEvent.objects.get(action="hours.session_closed")
    assert closed.actor == learner
    assert closed.details == {"opens": "2026-01-06T08:00:00+00:00"}
    assert AuditEvent.objects.filter(action="auth.sign_out", actor=learner).exists()


def test_it_applies_a_new_block_within_a_minute(learner, establishment, monkeypatch) -> None:
    move_clock(monkeypatch, "2026-01-05 10:00")
    client = signed_in(learner)
    assert client.get("/").status_code == 200
    dated(establishment, "closed", "2026-01-05", learner=learner)
    assert client.get("/").status_code == 200  # the rule is read again once a minute
    move_clock(monkeypatch, "2026-01-05 10:01")
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="hours.session_closed", actor=learner).exists()


def test_it_keeps_the_learner_home_to_its_queries_and_reads_the_hours_once_a_minute(
    learner, establishment, course, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 10:00")
    client = signed_in(learner)
    assert client.get("/").status_code == 200
    with CaptureQueriesContext(connection) as warm:
        assert client.get("/").status_code == 200
    assert not any("access_rule" in q["sql"] for q in warm.captured_queries)
    move_clock(monkeypatch, "2026-01-05 10:01")
    with CaptureQueriesContext(connection) as checked:
        assert client.get("/").status_code == 200
    reads = [q["sql"] for q in checked.captured_queries if "access_rule" in q["sql"]]
    assert len(reads) == 1
    # one read of the rules, and the session written with when to read them again (with the
    # idle clock, written once a minute too)
    statements = [q["sql"] for q in checked.captured_queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) == len(warm) + 2, statements
    assert [q for q in statements if q.startswith("UPDATE")] == [statements[-1]]
    assert client.session[UNTIL_KEY] == int(move_clock(monkeypatch, "2026-01-05 10:02").timestamp())


def test_it_reads_the_hours_again_when_they_end_sooner_than_a_minute(
    learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 11:59:30")
    client = signed_in(learner)
    assert client.get("/").status_code == 200
    assert client.session[UNTIL_KEY] == int(move_clock(monkeypatch, "2026-01-05 12:00").timestamp())


def test_it_reads_a_learners_hours_in_one_query_from_their_groups_only(
    learner, establishment, other_establishment, monkeypatch, django_assert_num_queries
) -> None:
    from cartable.access.gate import decision_for
    from cartable.accounts.models import Cohort

    morning = Cohort.objects.create(establishment=establishment, name="Matin")
    evening = Cohort.objects.create(establishment=establishment, name="Soir")
    others = Cohort.objects.create(establishment=establishment, name="Autres")
    morning.members.add(learner)
    evening.members.add(learner)
    weekly(establishment, "08:00", "09:00", cohort=morning)
    weekly(establishment, "18:00", "19:00", cohort=evening)
    weekly(establishment, "12:00", "13:00", cohort=others)  # not theirs
    weekly(other_establishment, "12:00", "13:00")  # not theirs
    dated(establishment, "open", "2026-01-05", learner=None, cohort=others)  # not theirs
    moment = move_clock(monkeypatch, "2026-01-05 12:30")
    with django_assert_num_queries(1):
        decision = decision_for(learner, moment)
    assert not decision.open
    assert decision.opens == move_clock(monkeypatch, "2026-01-05 18:00")
    assert decision_for(learner, move_clock(monkeypatch, "2026-01-05 08:30")).open
