"""`cartable audit verify|export|reset-head`: the operator's view of the chain."""

from __future__ import annotations

import csv
import io
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cartable.audit import chain
from cartable.audit.actions import record
from cartable.audit.models import AuditEvent
from tests import forked
from tests.datafolders import migrated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("audit", *args, stdout=out, stderr=io.StringIO())
    return out.getvalue()


def fill(count: int, capture) -> None:
    for number in range(count):
        with capture(execute=True):
            record("group.created", actor=None, details={"n": number})


def sql(statement: str, params: list[object] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def test_it_says_how_many_entries_it_checked(django_capture_on_commit_callbacks) -> None:
    fill(3, django_capture_on_commit_callbacks)
    assert run("verify") == "The audit log is intact: 3 entries checked.\n"


def test_it_exits_1_naming_the_first_bad_entry(django_capture_on_commit_callbacks) -> None:
    fill(5, django_capture_on_commit_callbacks)
    sql("UPDATE audit_auditevent SET actor_name = 'x' WHERE seq IN (2, 4)")
    with pytest.raises(CommandError) as error:
        run("verify")
    assert error.value.returncode == 1
    assert str(error.value) == "Entry #2 was changed: its content no longer matches its seal."


def test_it_exits_2_when_the_key_is_missing(home, django_capture_on_commit_callbacks) -> None:
    fill(1, django_capture_on_commit_callbacks)
    chain.key_path(home).unlink()
    with pytest.raises(CommandError, match="is missing: no entry can be checked") as error:
        run("verify")
    assert error.value.returncode == 2


def test_it_speaks_the_operators_language(monkeypatch, django_capture_on_commit_callbacks) -> None:
    fill(1, django_capture_on_commit_callbacks)
    monkeypatch.setenv("LANGUAGE", "fr")
    assert "1" in run("verify")  # French, once the catalogue has it; never an error


def test_it_exports_csv_with_filters(learner, django_capture_on_commit_callbacks) -> None:
    fill(2, django_capture_on_commit_callbacks)
    record("auth.sign_in", actor=learner, target=learner)
    record("auth.sign_in_failed", actor=None, actor_name="anonymous", details={"username": "-1"})
    table = list(csv.reader(io.StringIO(run("export", "--action", "auth.*"))))
    assert [line[3] for line in table[1:]] == ["auth.sign_in", "auth.sign_in_failed"]
    assert table[2][10] == '{"username":"-1"}'
    table = list(csv.reader(io.StringIO(run("export", "--actor", "lea", "--since", "2000-01-01"))))
    assert [line[3] for line in table[1:]] == ["auth.sign_in"]
    table = list(csv.reader(io.StringIO(run("export", "--device", "no such device"))))
    assert table[1:] == []
    exported = AuditEvent.objects.filter(action="audit.exported").order_by("seq")
    assert [event.details for event in exported] == [
        {"action": "auth.*"},
        {"who": "lea", "since": "2000-01-01"},
        {"device": "no such device"},
    ]


def test_it_refuses_a_bad_date(capsys) -> None:
    with pytest.raises(CommandError, match="not a date"):
        run("export", "--since", "yesterday")


def test_it_resets_the_head_after_a_restore_and_logs_it(
    home, django_capture_on_commit_callbacks
) -> None:
    fill(6, django_capture_on_commit_callbacks)
    # The database is restored from a backup taken after entry #4.
    fourth = AuditEvent.objects.get(seq=4)
    sql("DELETE FROM audit_auditevent WHERE seq > 4")
    sql("UPDATE audit_chainhead SET seq = 4, seal = %s", [fourth.seal])
    with pytest.raises(CommandError, match="Entries after #4 are missing"):
        run("verify")
    with django_capture_on_commit_callbacks(execute=True):
        out = run("reset-head")
    assert out == "The end of the audit log is now entry #5.\n"
    reset = AuditEvent.objects.get(seq=5)
    assert reset.action == "audit.head_reset"
    assert reset.details == {"database_end": 4, "head_row_end": 4, "head_file_end": 6}
    assert run("verify") == "The audit log is intact: 5 entries checked.\n"


def test_it_resets_nothing_on_an_intact_log(django_capture_on_commit_callbacks) -> None:
    fill(2, django_capture_on_commit_callbacks)
    assert run("reset-head") == "The audit log is intact: there is nothing to reset.\n"


def test_it_never_resets_over_a_bad_entry(django_capture_on_commit_callbacks) -> None:
    fill(6, django_capture_on_commit_callbacks)
    sql("DELETE FROM audit_auditevent WHERE seq = 2")
    with pytest.raises(CommandError, match="Entry #2 is missing") as error:
        run("reset-head")
    assert error.value.returncode == 1
    assert not AuditEvent.objects.filter(action="audit.head_reset").exists()


@pytest.mark.slow
@pytest.mark.sqlite_processes
def test_it_finds_tampering_on_a_real_box(tmp_path: Path) -> None:
    """End to end: a fresh box, real commits, then the database edited with sqlite3."""
    box = tmp_path / "box"
    env = {**os.environ, "CARTABLE_HOME": str(box), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)

    def cartable(*args: str) -> subprocess.CompletedProcess[str]:
        return forked.run(["-m", "cartable", *args], env=env, cwd=Path.cwd())

    migrated(box)
    for name in ("ana", "bob", "cleo"):
        assert cartable("user", "add", name, "--password", "tournesol-bleu-7").returncode == 0
    result = cartable("audit", "verify")
    assert (result.returncode, result.stdout) == (
        0,
        "The audit log is intact: 3 entries checked.\n",
    )
    assert (box / "audit_key").stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(box / "cartable.sqlite3") as database:
        database.execute("UPDATE audit_auditevent SET actor_name = 'ghost' WHERE seq = 2")
    result = cartable("audit", "verify")
    assert result.returncode == 1
    assert "Entry #2 was changed" in result.stderr
    with sqlite3.connect(box / "cartable.sqlite3") as database:
        database.execute("DELETE FROM audit_auditevent WHERE seq >= 2")
        database.execute(
            "UPDATE audit_chainhead SET seq = 1, seal = (SELECT seal FROM audit_auditevent WHERE seq = 1)"
        )
    result = cartable("audit", "verify")
    assert result.returncode == 1
    assert "Entries after #1 are missing: the box had written up to #3." in result.stderr
