"""The box's SQLite backend queues writers on a file lock beside the database: a transaction
holds it from its start to its commit or rollback, a second writer waits for it (asleep in the
kernel, woken when it is let go) and then sees the first one's work; an in-memory database
takes no lock."""

from __future__ import annotations

import fcntl
import os
import threading
from pathlib import Path

import pytest
from django.db.utils import ConnectionHandler


@pytest.fixture
def unblocked(django_db_blocker):
    """Connections of the test's own, to its own files (not the test database)."""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def handler(unblocked, tmp_path: Path):
    made = ConnectionHandler(
        {"default": {"ENGINE": "cartable.sqlite", "NAME": str(tmp_path / "box.sqlite3"),
                     "OPTIONS": {"transaction_mode": "IMMEDIATE", "timeout": 20}}}
    )  # fmt: skip
    with made["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE t (n INTEGER)")
    yield made
    made.close_all()


def _free(path: Path) -> bool:
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(fd)
    return True


def test_a_transaction_holds_the_writers_lock_until_its_commit_or_rollback(
    handler, tmp_path: Path
) -> None:
    lock = tmp_path / "box.sqlite3.writers"
    connection = handler["default"]
    # As transaction.atomic drives the default connection, by hand on this handler's.
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    connection.cursor().execute("INSERT INTO t VALUES (1)")
    assert lock.exists() and not _free(lock)
    connection.commit()
    connection.set_autocommit(True)
    assert _free(lock)
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    connection.cursor().execute("INSERT INTO t VALUES (2)")
    assert not _free(lock)
    connection.rollback()
    connection.set_autocommit(True)
    assert _free(lock)
    connection.cursor().execute("INSERT INTO t VALUES (3)")  # autocommit: no lock taken
    assert _free(lock)
    rows = connection.cursor().execute("SELECT n FROM t ORDER BY n").fetchall()
    assert rows == [(1,), (3,)]


def test_a_second_writer_waits_for_the_first_then_sees_its_work(handler) -> None:
    first = handler["default"]
    first.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    first.cursor().execute("INSERT INTO t VALUES (1)")
    seen: list[object] = []

    def second() -> None:
        other = handler["default"]  # this thread's own connection
        try:
            other.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
            seen.append(other.cursor().execute("SELECT count(*) FROM t").fetchone())
            other.cursor().execute("INSERT INTO t VALUES (2)")
            other.commit()
            other.set_autocommit(True)
        finally:
            other.close()

    thread = threading.Thread(target=second)
    thread.start()
    thread.join(0.5)
    assert thread.is_alive() and seen == []  # waiting for the lock, not in SQLite's handler
    first.commit()
    first.set_autocommit(True)
    thread.join(10)
    assert seen == [(1,)]
    assert first.cursor().execute("SELECT count(*) FROM t").fetchone() == (2,)


def test_an_in_memory_database_takes_no_lock(unblocked) -> None:
    memory = ConnectionHandler({"default": {"ENGINE": "cartable.sqlite", "NAME": ":memory:"}})
    connection = memory["default"]
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)
    connection.cursor().execute("CREATE TABLE t (n INTEGER)")
    connection.commit()
    assert connection._writers is None


# --- Statements rewritten once ------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        "SELECT n FROM t WHERE n = %s",
        "SELECT n FROM t WHERE n IN (%s, %s, %s) AND 'a%%' LIKE 'a%%'",
        "SELECT n FROM t",
    ],
)
def test_a_statement_is_rewritten_as_djangos_cursor_does_and_kept(query: str) -> None:
    from django.db.backends.sqlite3 import base as django_sqlite

    from cartable.sqlite import base

    expected = django_sqlite.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")
    base._qmark.cache_clear()
    cursor = base.SQLiteCursorWrapper.__new__(base.SQLiteCursorWrapper)
    assert cursor.convert_query(query) == expected
    assert cursor.convert_query(query) == expected
    assert base._qmark.cache_info().hits == 1 and base._qmark.cache_info().currsize == 1


def test_a_long_statement_or_named_parameters_are_rewritten_each_time() -> None:
    from cartable.sqlite import base

    base._qmark.cache_clear()
    cursor = base.SQLiteCursorWrapper.__new__(base.SQLiteCursorWrapper)
    long = "INSERT INTO t (n) VALUES " + ", ".join(["(%s)"] * 2000)  # noqa: S608 (no value in it)
    assert cursor.convert_query(long) == long.replace("%s", "?")
    assert cursor.convert_query("SELECT n FROM t WHERE n = %(n)s", param_names=["n"]) == (
        "SELECT n FROM t WHERE n = :n"
    )
    assert base._qmark.cache_info().currsize == 0


def test_the_boxs_connections_use_the_kept_rewriting(handler) -> None:
    from cartable.sqlite import base

    with handler["default"].cursor() as cursor:
        cursor.execute("INSERT INTO t (n) VALUES (%s), (%s)", [1, 2])
        cursor.execute("SELECT COUNT(*) FROM t WHERE n >= %s AND 'x%%' = 'x%%'", [1])
        assert cursor.fetchone() == (2,)
        assert isinstance(cursor.cursor, base.SQLiteCursorWrapper)
