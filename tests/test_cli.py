"""The `cartable` command: accounts and enrolments from a shell, on a fresh data folder too."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cartable.accounts.models import Role, User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Enrolment

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out, stderr=StringIO())
    return out.getvalue()


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def test_it_adds_a_user_with_a_generated_password(establishment) -> None:
    out = run(
        "user", "add", "Marie.D", "--role", "learner", "--group", "DAEU A", "--first-name", "Marie"
    )
    user = User.objects.get(username="marie.d")
    password = out.strip().rsplit(" ", 1)[-1]
    assert user.check_password(password)
    assert user.role == Role.LEARNER
    assert user.establishment == establishment
    assert [c.name for c in user.cohorts.all()] == ["DAEU A"]
    event = AuditEvent.objects.get(action="account.created")
    assert event.actor is None
    assert event.actor_name == "system"


def test_it_adds_staff_with_a_chosen_password(db) -> None:
    run("user", "add", "chef", "--role", "staff", "--password", "tournesol-bleu-7")
    assert User.objects.get(username="chef").check_password("tournesol-bleu-7")


def test_it_refuses_a_duplicate_user_with_a_clear_error(learner) -> None:
    with pytest.raises(CommandError, match=re.escape("The username “lea” is taken.")):
        run("user", "add", "Lea")


def test_it_imports_a_csv_file_and_prints_the_passwords(tmp_path: Path, establishment) -> None:
    source = tmp_path / "comptes.csv"
    source.write_text("username,first_name,role\nana,Ana,learner\nbob,Bob,teacher\n")
    out = run("user", "import-csv", str(source))
    lines = out.strip().splitlines()
    assert lines[0] == "username,first_name,last_name,role,password"
    ana = User.objects.get(username="ana")
    assert ana.check_password(lines[1].split(",")[-1])
    assert User.objects.get(username="bob").role == Role.TEACHER


def test_it_refuses_a_bad_csv_file_naming_each_line(tmp_path: Path, establishment) -> None:
    source = tmp_path / "comptes.csv"
    source.write_text("username,role\nana,learner\nbob,chef\n,learner\n")
    with pytest.raises(CommandError) as error:
        run("user", "import-csv", str(source))
    assert "Line 3: unknown role “chef”." in str(error.value)
    assert "Line 4: the username is missing." in str(error.value)
    assert not User.objects.filter(username="ana").exists()


def test_it_resets_a_password_and_deactivates(learner) -> None:
    out = run("user", "reset-password", "lea")
    learner.refresh_from_db()
    assert learner.check_password(out.strip().rsplit(" ", 1)[-1])
    run("user", "deactivate", "LEA")
    learner.refresh_from_db()
    assert not learner.is_active
    run("user", "activate", "lea")
    learner.refresh_from_db()
    assert learner.is_active


def test_it_enrols_a_learner_and_a_teacher(learner, teacher, institution) -> None:
    course = Course.objects.create(institution=institution, shortname="MATH1", title="Maths")
    assert "enrolled in MATH1 as Learner" in run("enrol", "lea", "MATH1")
    assert "already enrolled" in run("enrol", "lea", "MATH1")
    run("enrol", "tess", "MATH1", "--role", "teacher")
    assert Enrolment.objects.get(user=learner, course=course).role == "learner"
    assert Enrolment.objects.get(user=teacher, course=course).role == "teacher"
    assert AuditEvent.objects.filter(action="enrolment.created").count() == 2


def test_it_refuses_to_make_a_learner_teach(learner, institution) -> None:
    Course.objects.create(institution=institution, shortname="MATH1", title="Maths")
    with pytest.raises(CommandError, match=re.escape("Only a teacher account can teach a course.")):
        run("enrol", "lea", "MATH1", "--role", "teacher")


def test_it_asks_which_course_when_a_short_name_is_ambiguous(learner, institution) -> None:
    from cartable.accounts.models import Institution

    other = Institution.objects.create(slug="univ-rennes", name="Rennes")
    Course.objects.create(institution=institution, shortname="MATH1", title="Maths Lille")
    Course.objects.create(institution=other, shortname="MATH1", title="Maths Rennes")
    with pytest.raises(CommandError, match="univ-lille/MATH1, univ-rennes/MATH1"):
        run("enrol", "lea", "MATH1")
    run("enrol", "lea", "univ-rennes/MATH1")
    assert Enrolment.objects.get(user=learner).course.institution == other


def test_it_names_an_unknown_course(learner) -> None:
    with pytest.raises(CommandError, match=re.escape("No course has the short name “NOPE”.")):
        run("enrol", "lea", "NOPE")


def test_it_loads_the_demo_twice_without_change(db) -> None:
    run("demo")
    counts = (User.objects.count(), Course.objects.count(), Enrolment.objects.count())
    run("demo")
    assert (User.objects.count(), Course.objects.count(), Enrolment.objects.count()) == counts
    learner = User.objects.get(username="apprenant")
    assert learner.check_password("cartable-apprenant")
    course = Course.objects.get(shortname="LETTRE-MOTIV")
    assert course.is_published
    assert Enrolment.objects.filter(user=learner, course=course).exists()


@pytest.mark.slow
@pytest.mark.sqlite_processes
def test_it_creates_and_migrates_an_empty_data_folder(tmp_path: Path) -> None:
    home = tmp_path / "box"
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cartable", "user", "add", "premier", "--role", "admin"],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "Created premier" in result.stdout
    assert (home / "cartable.sqlite3").is_file()
    assert (home / "secret_key").stat().st_mode & 0o077 == 0
    again = subprocess.run(
        [sys.executable, "-m", "cartable", "user", "list"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    assert "premier\tadmin" in again.stdout
    with sqlite3.connect(home / "cartable.sqlite3") as database:
        assert database.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_it_creates_and_lists_establishments_and_institutions(db) -> None:
    assert "Created mc-nord (Maison centrale nord)." in run(
        "establishment", "add", "mc-nord", "Maison centrale nord", "--kind", "prison"
    )
    run("institution", "add", "univ-lille", "Université de Lille")
    assert "mc-nord\tprison\tMaison centrale nord" in run("establishment", "list")
    assert "univ-lille\tuniversity\tUniversité de Lille" in run("institution", "list")
    assert AuditEvent.objects.filter(action="establishment.created").count() == 1
    with pytest.raises(CommandError, match="taken"):
        run("institution", "add", "univ-lille", "Autre")
    with pytest.raises(CommandError, match="lowercase letters"):
        run("establishment", "add", "Mauvais Nom", "X")
    out = run("user", "add", "gardien", "--role", "staff", "--establishment", "mc-nord")
    assert "Created gardien" in out
    assert User.objects.get(username="gardien").establishment.slug == "mc-nord"


def test_it_leaves_the_migrations_alone_only_when_every_one_on_disk_is_recorded(db) -> None:
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    from cartable.__main__ import _all_applied

    assert _all_applied()
    recorded = MigrationRecorder(connection).migration_qs
    recorded.filter(pk=recorded.filter(app="catalog").latest("id").pk).delete()
    assert not _all_applied()
