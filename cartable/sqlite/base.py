"""Django's SQLite backend with writers queued by the kernel instead of polling.

Every transaction of the box begins IMMEDIATE (settings: ``transaction_mode``), so it takes
SQLite's write lock at its start; a second writer used to wait in SQLite's busy handler, which
sleeps in growing steps of up to 100 ms between tries and so wakes late, long after the lock was
let go (answer saves of a class at 50 concurrent requests waited seconds on a server a third
idle). Here a transaction first takes an exclusive ``flock`` on a file beside the database
(``<database>.writers``), shared by every process and thread of the box (each connection opens
it itself), and lets go at its commit or rollback: waiting writers sleep in the kernel and the
next is woken as soon as the lock is free. Statements outside a transaction (autocommit) do not
take it; they wait in SQLite's busy handler as before. An in-memory database (tests) is not
locked. The lock is let go before the commit's follow-ups run (the audit's fsync).

Django's SQLite cursor rewrites every statement's ``%s`` into SQLite's ``?`` with a regular
expression, on every execution: on a learner page that was 5 % of the server's CPU under load.
The box runs the same few hundred statements again and again, so the rewritten text is kept
per statement text (bounded; long statements, such as bulk inserts, are not kept)."""

from __future__ import annotations

import fcntl
import functools
import os
from typing import Any

from django.db.backends.sqlite3 import base

KEPT_STATEMENTS = 512  # rewritten statement texts kept per process
LONGEST_KEPT = 4096  # characters: longer statements are rewritten each time


@functools.lru_cache(maxsize=KEPT_STATEMENTS)
def _qmark(query: str) -> str:
    return base.FORMAT_QMARK_REGEX.sub("?", query).replace("%%", "%")


class SQLiteCursorWrapper(base.SQLiteCursorWrapper):
    """Django's cursor, with the ``%s`` to ``?`` rewriting of each statement text kept."""

    def convert_query(self, query: str, *, param_names: list[str] | None = None) -> str:
        if param_names is None and len(query) <= LONGEST_KEPT:
            return _qmark(query)
        return super().convert_query(query, param_names=param_names)


class DatabaseWrapper(base.DatabaseWrapper):
    _writers: int | None = None  # the lock file, open for this connection
    _held = False

    def create_cursor(self, name: str | None = None) -> Any:
        return self.connection.cursor(factory=SQLiteCursorWrapper)

    def _writers_path(self) -> str | None:
        if self.is_in_memory_db():
            return None
        return f"{self.settings_dict['NAME']}.writers"

    def _take_writers_lock(self) -> None:
        path = self._writers_path()
        if path is None:
            return
        if self._writers is None:
            self._writers = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        fcntl.flock(self._writers, fcntl.LOCK_EX)  # sleeps until the writer before lets go
        self._held = True

    def _let_go(self) -> None:
        if self._held and self._writers is not None:
            self._held = False
            fcntl.flock(self._writers, fcntl.LOCK_UN)

    def _start_transaction_under_autocommit(self) -> None:
        self._take_writers_lock()
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # not in the stubs
        except BaseException:
            self._let_go()
            raise

    def _commit(self) -> Any:
        try:
            return super()._commit()  # type: ignore[misc]
        finally:
            self._let_go()

    def _rollback(self) -> Any:
        try:
            return super()._rollback()  # type: ignore[misc]
        finally:
            self._let_go()

    def close(self) -> None:
        try:
            super().close()
        finally:
            if not self.is_in_memory_db():
                self._let_go()
                if self._writers is not None:
                    os.close(self._writers)
                    self._writers = None
