"""Every response forbids loading anything from outside the box, framing and sniffing."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_it_sends_a_strict_content_security_policy(db) -> None:
    response = Client().get("/accounts/login/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert "unsafe-inline" not in policy
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert "camera=()" in response["Permissions-Policy"]


def test_it_keeps_signed_in_pages_out_of_the_browser_cache(learner) -> None:
    response = signed_in(learner).get("/")
    assert response["Cache-Control"] == "private, no-store"


def test_it_sets_http_only_session_cookies(learner) -> None:
    from tests.conftest import PASSWORD

    client = Client()
    response = client.post("/accounts/login/", {"username": "lea", "password": PASSWORD})
    cookie = response.cookies["cartable_session"]
    assert cookie["httponly"]
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == ""  # ends when the browser closes


def test_the_csrf_cookie_ends_with_the_browser_as_the_session_does(learner) -> None:
    response = signed_in(learner).get("/")  # a page with forms sends its CSRF cookie again
    cookie = response.cookies["cartable_csrf"]
    assert cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert cookie["samesite"] == "Lax"


def test_it_refuses_a_post_without_csrf_token(learner) -> None:
    client = Client(enforce_csrf_checks=True)
    from tests.conftest import PASSWORD

    response = client.post("/accounts/login/", {"username": "lea", "password": PASSWORD})
    assert response.status_code == 403


def test_it_links_no_asset_from_outside_the_box(learner, course) -> None:
    import re

    client = signed_in(learner)
    for path in ("/", f"/courses/{course.pk}/", "/accounts/password/"):
        page = client.get(path).content.decode()
        for url in re.findall(r'(?:src|href|action)="([^"]*)"', page):
            assert not re.match(r"^(https?:)?//", url), (path, url)
