"""The test database, migrated once and copied into each test process's.

Each pytest-xdist worker makes its own test database, and Django migrates each from nothing:
4.4 seconds of CPU on SQLite, 7 on PostgreSQL, at the start of every worker of every pass of
``make test`` (six), most of them at the same time. Here the first process to need it migrates
a database as Django would (``create_test_db``, the same migrations), keeps it, and the others
copy it, under a file lock:

- SQLite (in memory): the migrated database is kept in a file of ``.pytest_cache``, named by
  a digest of the code (every ``cartable`` module, migrations included), of the versions of
  Python, SQLite and Django and of the ``CARTABLE_`` settings: the SQLite pass and the browser pass that follows use the same.
  A process copies it into its in-memory database with SQLite's backup.
- PostgreSQL: the migrated database is a template database of the run (``test_``, the name
  of the run's database, the digest); each process's is ``CREATE DATABASE … TEMPLATE`` of it, and
  the first process to end drops it (another still to start would make it again).

A migrated empty database holds nothing of the process that made it: the migrations' data
steps only write the empty audit chain head (tests/datafolders.py does the same for the data
folders of `cartable` processes)."""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import sqlite3
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import django
from django.conf import settings
from django.core.management import call_command
from django.db.backends.base.creation import BaseDatabaseCreation

ROOT = Path(__file__).resolve().parent.parent
KEPT = ROOT / ".pytest_cache" / "cartable-migrated"


@contextmanager
def locked(name: str) -> Iterator[None]:
    KEPT.mkdir(parents=True, exist_ok=True)
    with (KEPT / f"{name}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


# Variables that change nothing in a migrated database.
IGNORED = frozenset({"CARTABLE_HOME", "CARTABLE_TEST_PASS"})


@functools.cache
def digest() -> str:
    """What the migrated database depends on: the code, and the versions that run it."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "cartable").rglob("*.py")):
        digest.update(str(path.relative_to(ROOT)).encode() + b"\0" + path.read_bytes() + b"\0")
    digest.update(f"{sys.version} {sqlite3.sqlite_version} {django.__version__}".encode())
    for key, value in sorted(os.environ.items()):
        # Not the data folder, each run's own (conftest.py): the migrations write nothing there;
        # nor the pass (make test's PostgreSQL pass would otherwise migrate its own copy of the
        # data folders' database, the SQLite pass's, again: 8 s of one test process, the other
        # waiting on it).
        if key.startswith(("CARTABLE_", "DJANGO_")) and key not in IGNORED:
            digest.update(f"{key}={value}\0".encode())
    return digest.hexdigest()[:16]


def forget_others(prefix: str, stem: str) -> None:
    """Remove the files kept for other code (``prefix``, not ``stem``)."""
    for old in KEPT.glob(f"{prefix}*"):
        if old.stem != stem:
            old.unlink(missing_ok=True)


def _use(creation: BaseDatabaseCreation, name: str) -> None:
    """Point the connection at the test database ``name``, as ``create_test_db`` does."""
    creation.connection.close()
    settings.DATABASES[creation.connection.alias]["NAME"] = name
    creation.connection.settings_dict["NAME"] = name


def _finish(creation: BaseDatabaseCreation, name: str, serialize: bool) -> str:
    """What ``create_test_db`` does after migrating."""
    if serialize:
        creation.connection._test_serialized_contents = creation.serialize_db_to_string()  # type: ignore[attr-defined]
    call_command("createcachetable", database=creation.connection.alias)
    creation.connection.ensure_connection()
    return name


def _sqlite(creation: BaseDatabaseCreation, migrate: Any, verbosity: int, serialize: bool) -> str:
    kept = KEPT / f"sqlite-{digest()}.sqlite3"
    with locked(kept.stem):
        if not kept.exists():
            name = migrate(creation, verbosity, True, False, False)
            partial = kept.with_suffix(".partial")
            target = sqlite3.connect(partial)
            creation.connection.connection.backup(target)  # type: ignore[attr-defined]
            target.close()
            partial.rename(kept)
            forget_others("sqlite-", kept.stem)
            return _finish(creation, name, serialize)
        name = creation._get_test_db_name()  # type: ignore[attr-defined]
        _use(creation, name)
        creation.connection.ensure_connection()
        source = sqlite3.connect(kept)
        source.backup(creation.connection.connection)  # type: ignore[attr-defined]
        source.close()
    return _finish(creation, name, serialize)


def template_name(base_name: str) -> str:
    """The run's migrated template (named by the code too: a run that stopped short may have
    left one behind)."""
    return f"test_{base_name}_{digest()[:12]}"


def _exists(creation: BaseDatabaseCreation, name: str) -> bool:
    with creation._nodb_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        return cursor.fetchone() is not None


def _postgresql(
    creation: BaseDatabaseCreation, migrate: Any, verbosity: int, serialize: bool
) -> str:
    template = template_name(creation.connection.settings_dict["NAME"])
    name = creation._get_test_db_name()  # type: ignore[attr-defined]
    quote = creation.connection.ops.quote_name
    with locked(template):
        if not _exists(creation, template):
            test_settings = creation.connection.settings_dict["TEST"]
            run_name, test_settings["NAME"] = test_settings["NAME"], template
            base_name = creation.connection.settings_dict["NAME"]
            try:
                migrate(creation, verbosity, True, False, False)
            finally:
                test_settings["NAME"] = run_name
                _use(creation, base_name)
        with creation._nodb_cursor() as cursor:  # type: ignore[attr-defined]
            cursor.execute(f"DROP DATABASE IF EXISTS {quote(name)}")
            cursor.execute(f"CREATE DATABASE {quote(name)} TEMPLATE {quote(template)}")
    _use(creation, name)
    return _finish(creation, name, serialize)


def drop_template(creation: BaseDatabaseCreation, base_name: str) -> None:
    """PostgreSQL: drop the run's migrated template (the first process to end does)."""
    template = template_name(base_name)
    with locked(template), creation._nodb_cursor() as cursor:  # type: ignore[attr-defined]
        cursor.execute(f"DROP DATABASE IF EXISTS {creation.connection.ops.quote_name(template)}")


def patched(migrate: Any) -> Any:
    """``BaseDatabaseCreation.create_test_db``, migrating once for every test process."""

    def create_test_db(
        self: BaseDatabaseCreation,
        verbosity: int = 1,
        autoclobber: bool = False,
        serialize: bool = True,
        keepdb: bool = False,
    ) -> str:
        vendor = self.connection.vendor
        if keepdb or not (
            vendor == "postgresql"
            or (vendor == "sqlite" and self.is_in_memory_db(self._get_test_db_name()))  # type: ignore[attr-defined]
        ):
            return migrate(self, verbosity, autoclobber, serialize, keepdb)
        if self.connection.settings_dict["TEST"].get("MIGRATE") is False:
            return migrate(self, verbosity, autoclobber, serialize, keepdb)
        if vendor == "sqlite":
            return _sqlite(self, migrate, verbosity, serialize)
        return _postgresql(self, migrate, verbosity, serialize)

    return create_test_db
