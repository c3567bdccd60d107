"""Appends from many threads or processes at once: the chain never forks, numbers never repeat
or skip, and the head file ends on the last entry."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection, connections

from cartable.audit import chain, verify
from cartable.audit.actions import record
from cartable.audit.models import AuditEvent
from tests.datafolders import migrated


@pytest.mark.django_db(transaction=True)
def test_it_serialises_appends_from_threads(settings, tmp_path: Path) -> None:
    if connection.vendor == "sqlite":
        pytest.skip("the in-memory test database is shared between threads without locking")
    settings.HOME = tmp_path
    errors: list[BaseException] = []

    def append(thread: int) -> None:
        try:
            for number in range(25):
                record("group.created", actor=None, details={"thread": thread, "n": number})
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append, args=(number,)) for number in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    numbers = list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True))
    assert numbers == list(range(1, 201))
    report = verify.verify(tmp_path)
    assert report.intact, report.problem
    assert chain.read_head(tmp_path).seq == 200


APPEND = """
import os, sys
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
import django
django.setup()
from cartable.audit.actions import record
for number in range(int(sys.argv[1])):
    record("group.created", actor=None, details={"pid": os.getpid(), "n": number})
"""


@pytest.mark.slow
def test_it_serialises_appends_from_processes_on_sqlite(tmp_path: Path) -> None:
    box = tmp_path / "box"
    env = {**os.environ, "CARTABLE_HOME": str(box), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    migrated(box)
    workers = [
        subprocess.Popen([sys.executable, "-c", APPEND, "40"], env=env) for _number in range(4)
    ]
    assert [worker.wait(timeout=120) for worker in workers] == [0, 0, 0, 0]
    result = subprocess.run(
        [sys.executable, "-m", "cartable", "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (result.returncode, result.stdout) == (
        0,
        "The audit log is intact: 160 entries checked.\n",
    )
    assert chain.read_head(box).seq == 160
