"""`cartable serve` runs the production server: pages, compressed static files, headers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

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


def test_it_serves_pages_and_static_files(tmp_path: Path) -> None:
    port = free_port()
    env = {**os.environ, "CARTABLE_HOME": str(tmp_path / "box")}
    env.pop("DATABASE_URL", None)
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "cartable",
            "serve",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        wait_for(base + "/accounts/login/")
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
    finally:
        server.terminate()
        _, errors = server.communicate(timeout=20)
    assert b"Traceback" not in errors, errors.decode()
