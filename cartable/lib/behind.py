"""Work done behind the requests, by a thread of its own: what a request may leave to be done
shortly after it returns (the audit's head file, which may lag the database but never lead it).

``Behind(work)`` takes items (``submit``) and returns at once; its thread calls ``work`` with
every item submitted since its last call, so a slow call (an fsync on an SD card) is paid once
for all the requests that came meanwhile. ``flush`` waits until every item submitted before it
was worked on (a process that stops, a test). When ``work`` raises, the exception is logged and
its items are dropped: ``work`` must be such that a later call makes up for them (the head file
moves to the highest entry any call saw).

The thread starts when the ``Behind`` is made: make it in the process that uses it (a web
worker makes its own after the fork; a forked process would have no such thread).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")

log = logging.getLogger(__name__)


class Behind(Generic[T]):
    def __init__(self, work: Callable[[list[T]], None], name: str) -> None:
        self._work = work
        self._name = name
        self._changed = threading.Condition()  # guards the fields below
        self._waiting: list[T] = []
        self._submitted = 0  # items submitted so far
        self._done = 0  # items worked on (or dropped) so far
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def submit(self, items: list[T]) -> None:
        with self._changed:
            self._waiting.extend(items)
            self._submitted += len(items)
            self._changed.notify_all()

    def flush(self, timeout: float | None = None) -> bool:
        """Wait until every item submitted so far was worked on; False when ``timeout``
        (seconds) passed first."""
        with self._changed:
            upto = self._submitted
            return self._changed.wait_for(lambda: self._done >= upto, timeout)

    def _run(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._waiting))
                items, self._waiting = self._waiting, []
            try:
                self._work(items)
            except Exception:
                log.exception("%s: the work behind the requests failed", self._name)
            with self._changed:
                self._done += len(items)
                self._changed.notify_all()
