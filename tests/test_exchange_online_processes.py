"""Online, end to end with two data folders (each its own SQLite database and keys): the hub is
the `cartable` application served over HTTPS by another process (a certificate from a test CA),
the box runs `cartable exchange sync`. The learner's letter reaches the hub, the hub's teacher
grades it, and the next sync brings the grade and the corrected copy back to the learner; a
sync with nothing left changes nothing."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.exchangesides import (
    COURSE,
    GRADE_ON_HUB,
    HAND_IN,
    REPOSITORY,
    cartable,
    introduce,
    lea_sees,
)

pytestmark = pytest.mark.slow

SERVE = """
import os, ssl, sys
import django
django.setup()
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from cartable.wsgi import application

class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass

server = WSGIServer(("127.0.0.1", 0), Quiet)
context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
context.load_cert_chain(sys.argv[1])
server.socket = context.wrap_socket(server.socket, server_side=True)
server.set_app(application)
print(server.server_address[1], flush=True)
server.serve_forever()
"""


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Path, str, Path]]:
    """The hub's data folder, its https:// address and the CA file that certifies it."""
    hub = tmp_path / "hub"
    cartable(hub, "institution", "add", "univ-lille", "Université de Lille")  # made, migrated
    ca = trustme.CA()
    ca_file, chain = tmp_path / "ca.pem", tmp_path / "hub.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    certificate = ca.issue_cert("localhost")
    with chain.open("wb") as out:
        out.write(certificate.private_key_pem.bytes())
        for blob in certificate.cert_chain_pems:
            out.write(blob.bytes())
    env = {
        **os.environ,
        "CARTABLE_HOME": str(hub),
        "CARTABLE_EXCHANGE_API_ENABLED": "on",
        "DJANGO_SETTINGS_MODULE": "cartable.settings",
        "LANGUAGE": "en",
    }
    env.pop("DATABASE_URL", None)
    process = subprocess.Popen(
        [sys.executable, "-c", SERVE, str(chain)],
        env=env,
        cwd=REPOSITORY,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(process.stdout.readline())
        yield hub, f"https://localhost:{port}", ca_file
    finally:
        process.terminate()
        process.wait(timeout=30)


def sync(box: Path) -> str:
    return cartable(box, "exchange", "sync", "--to", "hub-lille")


def count(home: Path, query: str) -> int:
    with sqlite3.connect(home / "cartable.sqlite3") as database:
        return database.execute(query).fetchone()[0]


def test_work_goes_online_and_the_feedback_comes_back(served, tmp_path: Path, monkeypatch) -> None:
    hub, url, ca_file = served
    monkeypatch.setenv("CARTABLE_EXCHANGE_CA_FILE", str(ca_file))  # the box trusts the test CA
    box = tmp_path / "box"
    introduce(box, hub)
    cartable(box, "exchange", "peer", "url", "hub-lille", url)
    cartable(box, "shell", "-c", 'LEARNER = "lea"\n' + COURSE)
    cartable(hub, "shell", "-c", 'LEARNER = "lea.moreau"\n' + COURSE)
    accounts = tmp_path / "comptes.csv"
    accounts.write_text("box_username,username,idnumber,email\nlea,lea.moreau,21904512,\n")
    cartable(hub, "exchange", "learners", "--box", "box-caen", str(accounts))

    # The letter goes to the hub; the acknowledgement comes back.
    cartable(box, "shell", "-c", HAND_IN)
    assert "1 bundles sent, 1 applied" in sync(box)
    handed_in = "SELECT count(*) FROM {} WHERE kind='submission'"
    assert (
        count(hub, handed_in.format("exchange_receivedentry"))
        == count(box, handed_in.format("outbox_entry"))
        > 0
    )
    assert count(box, "SELECT count(*) FROM exchange_sententry") == count(
        box, "SELECT count(*) FROM outbox_entry"
    )
    assert count(hub, "SELECT count(*) FROM exchange_exchange WHERE via != 'online'") == 0

    # The hub's teacher grades it; the next sync brings it to the learner.
    cartable(hub, "shell", "-c", GRADE_ON_HUB)
    sync(box)
    seen = lea_sees(box)
    assert (seen["status"], seen["grade"], seen["released"]) == (200, 15, True)
    assert seen["files"] == ["corrige.pdf"] and "Très bien argumenté." in seen["page"]
    # The hub's feedback is acknowledged: it owes the box nothing more.
    assert count(hub, "SELECT count(*) FROM exchange_sententry") == 2

    # Until all is said (the box's own record of the grade goes to the hub), then nothing.
    sync(box)
    before = [count(home, "SELECT count(*) FROM exchange_exchange") for home in (box, hub)]
    assert "0 bundles sent, 0 applied" in sync(box)
    assert [count(home, "SELECT count(*) FROM exchange_exchange") for home in (box, hub)] == before
