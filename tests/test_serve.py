"""`cartable serve` runs the production server: pages, compressed static files, headers."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.datafolders import migrated

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(url: str, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while True:
        try:
            urllib.request.urlopen(url, timeout=1).close()
            return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@contextlib.contextmanager
def served(home: Path) -> Iterator[str]:
    """`cartable serve` (one worker) on a free loopback port over ``home``; yields its address
    and checks on the way out that it logged no traceback."""
    port = free_port()
    env = {**os.environ, "CARTABLE_HOME": str(home)}
    env.pop("DATABASE_URL", None)
    command = ["serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"]
    server = subprocess.Popen(
        [sys.executable, "-m", "cartable", *command],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/accounts/login/")
        yield base
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
    assert b"Traceback" not in errors, errors.decode()


def test_it_serves_pages_and_static_files(tmp_path: Path) -> None:
    with served(migrated(tmp_path / "box")) as base:
        with urllib.request.urlopen(base + "/accounts/login/") as response:
            page = response.read().decode()
            assert response.headers["Server"] == "gunicorn"
            assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
        assert stylesheet.startswith("/static/dist/app.") and stylesheet.endswith(".css")
        request = urllib.request.Request(base + stylesheet, headers={"Accept-Encoding": "gzip"})
        with urllib.request.urlopen(request) as response:
            assert response.headers["Content-Encoding"] == "gzip"
            assert "immutable" in response.headers["Cache-Control"]
        # A large body refused unread: the client, still sending, reads the whole answer (the
        # connection lingers in a thread of its own: cartable.lib.linger).
        host, port = urllib.parse.urlsplit(base).netloc.split(":")
        with socket.create_connection((host, int(port)), timeout=10) as client:
            client.sendall(
                b"POST /no/such/page/ HTTP/1.1\r\nHost: box\r\nContent-Length: 5000000\r\n"
                b"Content-Type: application/octet-stream\r\n\r\n" + b"x" * 50_000
            )
            with contextlib.suppress(OSError):  # the server may have stopped reading
                client.sendall(b"x" * 20_000)
            answer = b""
            while chunk := client.recv(65536):
                answer += chunk
        head, _, body = answer.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 404"), head
        length = next(
            int(line.split(b":")[1])
            for line in head.split(b"\r\n")
            if line.lower().startswith(b"content-length")
        )
        assert len(body) == length


def test_it_imports_an_uploaded_course_with_a_worker_it_starts(tmp_path: Path) -> None:
    """End to end on the real server: staff upload a Moodle backup; the box starts a worker
    for it, which imports the course while the page shows progress."""
    import http.cookiejar
    import re
    import uuid

    home = tmp_path / "box"
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    command = ["user", "add", "chef", "--role", "staff", "--password", "tournesol-bleu-7"]
    migrated(home)
    subprocess.run(
        [sys.executable, "-m", "cartable", *command], env=env, check=True, capture_output=True
    )
    with served(home) as base:
        jar = http.cookiejar.CookieJar()
        opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))

        def token(url: str) -> str:
            page = opener.open(base + url).read().decode()
            return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

        login = urllib.parse.urlencode(
            {
                "username": "chef",
                "password": "tournesol-bleu-7",
                "csrfmiddlewaretoken": token("/accounts/login/"),
            }
        ).encode()
        opener.open(urllib.request.Request(base + "/accounts/login/", data=login))
        backup = Path(__file__).parent / "fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="csrfmiddlewaretoken"\r\n\r\n'
                f"{token('/catalog/import/')}\r\n"
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{backup.name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + backup.read_bytes()
            + f"\r\n--{boundary}--\r\n".encode()
        )
        response = opener.open(
            urllib.request.Request(
                base + "/catalog/import/",
                data=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
        )
        job_url = response.geturl()
        assert re.search(r"/catalog/imports/\d+/$", job_url)
        deadline = time.monotonic() + 60
        while True:
            page = opener.open(job_url).read().decode()
            if "refresh" not in page or time.monotonic() > deadline:
                break
            time.sleep(0.3)
        assert "Le cours a été importé." in page
        assert "Drip Release Test" in page


@pytest.mark.django_db(transaction=True)
def test_it_forks_workers_with_no_database_connection_open() -> None:
    from django.db import connection

    from cartable.web.management.commands.serve import close_connections

    if connection.vendor == "sqlite" and connection.is_in_memory_db():
        pytest.skip("an in-memory test database is never closed; PostgreSQL runs this test")
    connection.ensure_connection()
    assert connection.connection is not None
    close_connections(object(), object())  # gunicorn's pre_fork(server, worker)
    assert connection.connection is None


def test_a_stopped_server_leaves_the_audit_head_at_its_last_entry(tmp_path: Path) -> None:
    # The workers move the head file behind the requests; a worker that stops moves it past
    # every commit it made first (gunicorn's worker_exit).
    import http.cookiejar
    import re
    import sqlite3

    from cartable.audit import chain

    home = migrated(tmp_path / "box")
    opener = urllib.request.build_opener(
        urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
    )
    with served(home) as base:
        for attempt in range(3):  # failed sign-ins: the first is audited at once
            with opener.open(base + "/accounts/login/") as response:
                page = response.read().decode()
            token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
            assert token is not None
            form = urllib.parse.urlencode(
                {
                    "csrfmiddlewaretoken": token.group(1),
                    "username": f"nobody{attempt}",
                    "password": "wrong",
                }
            ).encode()
            with opener.open(base + "/accounts/login/", data=form) as response:
                assert response.status == 200
    with contextlib.closing(sqlite3.connect(home / "cartable.sqlite3")) as database:
        last = database.execute("SELECT MAX(seq) FROM audit_auditevent").fetchone()[0]
    assert last is not None and last >= 1
    assert chain.read_head(home).seq == last
