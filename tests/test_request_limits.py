"""Request bodies are capped before anything reads them: anyone's at CARTABLE_REQUEST_MAX_BYTES,
staff's uploads at their own limits, decided from the session, never from the body."""

from __future__ import annotations

import http.cookiejar
import os
import re
import socket
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import FakePayload

from cartable.jobs.models import Job
from tests import forked
from tests.conftest import signed_in
from tests.datafolders import migrated
from tests.test_serve import served

pytestmark = pytest.mark.django_db

BIG = 200_000_000  # announced, never sent
BOUNDARY = "----cartable-test"


def multipart_start() -> bytes:
    return (
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="big.mbz"\r\n'
        "Content-Type: application/octet-stream\r\n\r\n"
    ).encode() + b"x" * 4096


def announce(client: Client, url: str, length: int, **extra: str):
    """POST ``url`` announcing a ``length``-byte multipart body; returns the response and the
    body stream, which tells whether anything read it."""
    payload = FakePayload(multipart_start())
    response = client.generic(
        "POST",
        url,
        data=b"",
        CONTENT_TYPE=f"multipart/form-data; boundary={BOUNDARY}",
        CONTENT_LENGTH=str(length),
        **{"wsgi.input": payload},
        **extra,
    )
    return response, payload


def anonymous_with_csrf_cookie() -> Client:
    """A visitor who opened the sign-in page: with the CSRF cookie, so that only the token in
    the body is missing (without the cookie, Django refuses before reading the body)."""
    client = Client(enforce_csrf_checks=True)
    client.get("/accounts/login/")
    assert client.cookies["cartable_csrf"].value
    return client


def test_it_refuses_an_anonymous_oversized_body_before_reading_it() -> None:
    response, body = announce(anonymous_with_csrf_cookie(), "/accounts/login/", BIG)
    assert response.status_code == 413
    assert body.read_started is False
    page = response.content.decode()
    assert "plus volumineux que ce que la box accepte ici" in page
    assert "1,0\xa0Mio" in page


def test_it_says_it_in_the_readers_language() -> None:
    response, _body = announce(
        anonymous_with_csrf_cookie(), "/accounts/login/", BIG, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 413
    assert "larger than the box accepts here (1.0\xa0MB at most)" in response.content.decode()


@pytest.mark.parametrize("url", ["/catalog/import/", "/accounts/import/", "/language/", "/"])
def test_it_refuses_a_learners_oversized_body_anywhere_before_reading_it(learner, url) -> None:
    response, body = announce(signed_in(learner), url, BIG)
    assert response.status_code == 413
    assert body.read_started is False


def test_it_refuses_a_teachers_oversized_upload_before_reading_it(teacher) -> None:
    response, body = announce(signed_in(teacher), "/catalog/import/", BIG)
    assert response.status_code == 413
    assert body.read_started is False


def test_it_refuses_staff_an_upload_over_its_own_limit_before_reading_it(staff, settings) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 10 * 1024**2
    response, body = announce(signed_in(staff), "/catalog/import/", 10 * 1024**2 + 1)
    assert response.status_code == 413
    assert body.read_started is False
    assert "10,0\xa0Mio" in response.content.decode()
    assert Job.objects.count() == 0


def test_it_refuses_a_body_without_a_length_before_reading_it() -> None:
    payload = FakePayload(b"username=a&password=b")
    response = anonymous_with_csrf_cookie().generic(
        "POST",
        "/accounts/login/",
        data=b"",
        CONTENT_TYPE="application/x-www-form-urlencoded",
        HTTP_TRANSFER_ENCODING="chunked",
        **{"wsgi.input": payload},
    )
    assert response.status_code == 411
    assert payload.read_started is False


def test_an_address_of_nothing_answers_404_without_reading_the_body(learner) -> None:
    response, body = announce(signed_in(learner), "/no-such-page/", BIG)
    assert response.status_code == 404
    assert body.read_started is False


def test_the_cap_comes_first_among_the_middlewares_that_may_read_the_body() -> None:
    """The cap is a process_view: every middleware with one of its own (CSRF's reads the
    body) comes after it, since Django calls them in MIDDLEWARE order."""
    from django.conf import settings
    from django.utils.module_loading import import_string

    paths = list(settings.MIDDLEWARE)
    first = paths.index("cartable.web.bodies.BodyLimit")
    with_views = [p for p in paths if hasattr(import_string(p), "process_view")]
    assert with_views[0] == "cartable.web.bodies.BodyLimit"
    assert paths.index("django.middleware.csrf.CsrfViewMiddleware") > first


def test_it_lets_staff_upload_more_than_anyones_limit_and_nobody_else(
    staff, learner, settings
) -> None:
    settings.REQUEST_MAX_BYTES = 64 * 1024
    upload = {"file": SimpleUploadedFile("cours.mbz", b"PK\x03\x04" + b"x" * 100_000)}
    response = signed_in(learner).post("/catalog/import/", upload)
    assert response.status_code == 413
    upload["file"].seek(0)
    response = signed_in(staff).post("/catalog/import/", upload)
    assert response.status_code == 302
    assert Job.objects.get().payload["size"] == 100_004


# --- On the real server ---------------------------------------------------------------------


def status_before_any_body(base: str, head: str) -> int:
    """Send a request's head alone and read the status the server answers: a server that
    waits for the body it was promised never answers (the read times out)."""
    address = urllib.parse.urlsplit(base)
    with socket.create_connection((address.hostname, address.port), timeout=20) as connection:
        connection.sendall(head.encode("latin-1"))
        answer = b""
        while b"\r\n" not in answer:
            chunk = connection.recv(4096)
            if not chunk:
                break
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def files_in(folder: Path) -> list[Path]:
    return [path for path in folder.rglob("*") if path.is_file()] if folder.exists() else []


@pytest.mark.slow
@pytest.mark.sqlite_processes
def test_it_answers_oversized_posts_at_once_and_keeps_nothing(tmp_path: Path) -> None:
    """Anonymous (the sign-in page) or a learner (the course upload): the server answers
    413 from the request's head alone, and its upload folder stays empty."""
    home = tmp_path / "box"
    env = {**os.environ, "CARTABLE_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    command = ["user", "add", "lea", "--role", "learner", "--password", "tournesol-bleu-7"]
    migrated(home)
    forked.run(["-m", "cartable", *command], env=env, cwd=Path.cwd(), check=True)
    multipart = f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
    with served(home) as base:
        # With the CSRF cookie the sign-in page sets: only the token (in the body) is missing.
        with urllib.request.urlopen(base + "/accounts/login/") as page:
            csrf = page.headers["Set-Cookie"].split(";", 1)[0]
        assert csrf.startswith("cartable_csrf=")
        status = status_before_any_body(
            base,
            "POST /accounts/login/ HTTP/1.1\r\nHost: box\r\n"
            f"Cookie: {csrf}\r\n{multipart}Content-Length: {BIG}\r\n\r\n",
        )
        assert status == 413
        assert files_in(home / "tmp") == []
        chunked = status_before_any_body(
            base,
            "POST /accounts/login/ HTTP/1.1\r\nHost: box\r\n"
            f"Cookie: {csrf}\r\n{multipart}Transfer-Encoding: chunked\r\n\r\n",
        )
        assert chunked == 411

        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
        page = opener.open(base + "/accounts/login/").read().decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
        login = {"username": "lea", "password": "tournesol-bleu-7", "csrfmiddlewaretoken": token}
        opener.open(base + "/accounts/login/", data=urllib.parse.urlencode(login).encode())
        cookies = "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)
        assert "cartable_session=" in cookies
        status = status_before_any_body(
            base,
            "POST /catalog/import/ HTTP/1.1\r\nHost: box\r\n"
            f"Cookie: {cookies}\r\n{multipart}Content-Length: {BIG}\r\n\r\n",
        )
        assert status == 413
        assert files_in(home / "tmp") == []
