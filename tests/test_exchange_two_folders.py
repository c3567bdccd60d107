"""End to end through the `cartable` command, with two data folders (a box and a hub, each its
own SQLite database and keys): identities exchanged and checked, work out on a stick, applied on
the hub (twice: once), acknowledged back, and no longer sent. A learner's assignment out, graded
by the hub's teacher, the feedback back and the files for the university's Moodle: in
tests/test_exchange_course_two_folders.py, the course going in by a course bundle."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import pytest

from tests.datafolders import migrated
from tests.exchangesides import cartable, introduce

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


def test_work_goes_to_the_hub_and_the_acknowledgement_comes_back(tmp_path: Path) -> None:
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
    migrated(box), migrated(hub)
    introduce(box, hub)
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
