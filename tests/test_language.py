"""The interface is in French by default, fully in English on request, and remembers."""

from __future__ import annotations

import pytest
from django.test import Client

from cartable.accounts.models import User
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def test_it_speaks_french_by_default(db) -> None:
    page = Client().get("/accounts/login/").content.decode()
    assert '<html lang="fr">' in page
    assert "Se connecter" in page


def test_it_switches_to_english_with_a_plain_form(db) -> None:
    client = Client()
    response = client.post("/language/", {"language": "en", "next": "/accounts/login/"})
    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/"
    page = client.get("/accounts/login/").content.decode()
    assert '<html lang="en">' in page
    assert "Sign in" in page
    assert "Se connecter" not in page


def test_it_refuses_to_redirect_outside_the_box(db) -> None:
    response = Client().post("/language/", {"language": "en", "next": "http://evil.example/"})
    assert response["Location"] == "/"


def test_it_ignores_an_unknown_language(db) -> None:
    client = Client()
    client.post("/language/", {"language": "xx"})
    assert '<html lang="fr">' in client.get("/accounts/login/").content.decode()


def test_it_remembers_a_signed_in_users_choice_at_the_next_sign_in(learner) -> None:
    signed_in(learner).post("/language/", {"language": "en", "next": "/"})
    assert User.objects.get(pk=learner.pk).language == "en"
    fresh = Client()
    fresh.post("/accounts/login/", {"username": "lea", "password": PASSWORD})
    page = fresh.get("/").content.decode()
    assert "My courses" in page
