"""Sessions end after idle time and after a maximum length, whatever the activity."""

from __future__ import annotations

import time

import pytest

from cartable.web.middleware import SEEN_KEY, SIGNED_IN_KEY
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def age_session(client, **seconds_ago: int) -> None:
    session = client.session
    now = int(time.time())
    session[SEEN_KEY] = now - seconds_ago.get("seen", 0)
    session[SIGNED_IN_KEY] = now - seconds_ago.get("signed_in", 0)
    session.save()


def test_it_keeps_an_active_session(learner) -> None:
    client = signed_in(learner)
    assert client.get("/").status_code == 200
    age_session(client, seen=60 * 29, signed_in=3600)
    assert client.get("/").status_code == 200


def test_it_ends_a_session_idle_for_too_long(learner) -> None:
    client = signed_in(learner)
    client.get("/")
    age_session(client, seen=60 * 31, signed_in=60 * 31)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_ends_a_session_open_for_longer_than_the_maximum(learner) -> None:
    client = signed_in(learner)
    client.get("/")
    age_session(client, seen=0, signed_in=11 * 3600)
    assert client.get("/").status_code == 302


def test_it_ends_the_sessions_of_a_deactivated_account(learner) -> None:
    client = signed_in(learner)
    assert client.get("/").status_code == 200
    learner.is_active = False
    learner.save()
    assert client.get("/").status_code == 302


def same_session(client) -> object:
    """Another device holding the same session cookie (what a stolen cookie would be)."""
    from django.test import Client

    copy = Client()
    copy.cookies = client.cookies
    return copy


def test_it_ends_a_session_at_once_on_sign_out(learner) -> None:
    client = signed_in(learner)
    other = same_session(client)
    assert other.get("/").status_code == 200
    assert client.post("/accounts/logout/").status_code == 302
    assert other.get("/").status_code == 302


def test_it_ends_the_other_sessions_of_someone_who_changes_their_password(teacher) -> None:
    # A teacher: a learner holds one session at a time (tests/test_access_sessions.py).
    from tests.conftest import PASSWORD

    here, elsewhere = signed_in(teacher), signed_in(teacher)
    assert elsewhere.get("/").status_code == 200
    answer = here.post(
        "/accounts/password/",
        {
            "old_password": PASSWORD,
            "new_password1": "un-autre-cheval-42",
            "new_password2": "un-autre-cheval-42",
        },
    )
    assert answer.status_code == 302
    assert here.get("/").status_code == 200
    assert elsewhere.get("/").status_code == 302


def test_it_treats_a_session_naming_no_account_as_anonymous(learner) -> None:
    from django.contrib.auth import SESSION_KEY

    client = signed_in(learner)
    session = client.session
    session[SESSION_KEY] = "999999"
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
