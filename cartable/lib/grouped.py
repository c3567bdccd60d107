"""Group commit for the threads of one process: slow work (an fsync, a file rewritten) that
one call can do for every request made before it began.

``Grouped(work)`` is called with one item per request. One thread at a time runs ``work`` with
every item waiting; the threads that arrived while it ran find their item done when their turn
comes, and return at once. A request returns only once a call of ``work`` that began after
the request was made has ended without raising, so what the request needs done (e.g. its
commit flushed to disk) is done. When ``work`` raises, its items go back to wait for the next
turn and the exception goes to the thread that ran it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Grouped(Generic[T]):
    def __init__(self, work: Callable[[list[T]], None]) -> None:
        self._work = work
        self._state = threading.Lock()  # guards the fields below
        self._turn = threading.Lock()  # one call of work at a time
        self._waiting: list[T] = []
        self._asked = 0  # requests made so far (each its ticket)
        self._done = 0  # every request up to this ticket is done

    def __call__(self, item: T) -> None:
        with self._state:
            self._asked += 1
            mine = self._asked
            self._waiting.append(item)
        with self._turn:
            if self._done >= mine:
                return  # another thread's call, begun after this request, did it
            with self._state:
                items, self._waiting = self._waiting, []
                upto = self._asked
            try:
                self._work(items)
            except BaseException:
                with self._state:
                    self._waiting[:0] = items
                raise
            self._done = upto
