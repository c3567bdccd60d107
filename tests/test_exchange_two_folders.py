"""End to end through the `cartable` command, with two data folders (a box and a hub, each its
own SQLite database and keys): identities exchanged and checked, work out on a stick, applied on
the hub (twice: once), acknowledged back, and no longer sent."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

MAKE_WORK = """
from django.db import transaction
from cartable.accounts.models import Institution
from cartable.catalog.models import Course
from cartable.outbox.actions import add
course = Course.objects.create(
    institution=Institution.objects.get(slug="univ-lille"), shortname="HIST", title="Histoire",
    source="moodle", source_id="42",
)
with transaction.atomic():
    add("grade", course=course, payload={"score": "14.5"})
"""


def cartable(home: Path, *args: str) -> str:
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cartable", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def identity_of(home: Path) -> tuple[str, str]:
    out = cartable(home, "exchange", "identity")
    fingerprint = re.search(r"Fingerprint: (\S+)", out).group(1)
    key = re.search(r"Public key: (\S+)", out).group(1)
    return fingerprint, key


def test_work_goes_to_the_hub_and_the_acknowledgement_comes_back(tmp_path: Path) -> None:
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
    cartable(box, "institution", "add", "univ-lille", "Université de Lille")
    box_fp, box_key = identity_of(box)
    hub_fp, hub_key = identity_of(hub)
    cartable(
        box, "exchange", "peer", "add", "hub-lille", "--key", hub_key,
        "--fingerprint", hub_fp, "--institution", "univ-lille",
    )  # fmt: skip
    cartable(
        hub, "exchange", "peer", "add", "box-caen", "--key", box_key,
        "--fingerprint", box_fp, "--role", "box",
    )  # fmt: skip
    cartable(box, "shell", "-c", MAKE_WORK)

    out = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "work-1"))
    assert "Wrote bundle 1 for hub-lille: 1 entries" in out
    assert "Applied bundle 1 from box-caen: 1 entries" in cartable(
        hub, "exchange", "import", str(stick / "work-1")
    )
    assert "applied before: nothing changed" in cartable(
        hub, "exchange", "import", str(stick / "work-1")
    )
    cartable(hub, "exchange", "export", "--to", "box-caen", str(stick / "ack-1"))
    assert "Applied bundle 1 from hub-lille: 1 entries" in cartable(
        box, "exchange", "import", str(stick / "ack-1")
    )
    again = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "work-2"))
    assert "Wrote bundle 2 for hub-lille: 0 entries" in again

    with sqlite3.connect(hub / "cartable.sqlite3") as database:
        rows = database.execute("SELECT kind, payload FROM exchange_receivedentry").fetchall()
    assert len(rows) == 1 and rows[0][0] == "grade" and '"14.5"' in rows[0][1]
    with sqlite3.connect(box / "cartable.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM exchange_sententry").fetchone() == (1,)
        assert database.execute("SELECT count(*) FROM outbox_entry").fetchone() == (1,)
    for home in (box, hub):
        path = home / "exchange_identity"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secret = path.read_text().split(":", 1)[1].strip()
        for database_file in home.glob("cartable.sqlite3*"):  # the WAL too
            assert secret.encode() not in database_file.read_bytes()
