"""Memory a server process freed, given back to the system once the process has gone quiet.

glibc's allocator keeps what a process frees in its pools for the next allocation, and gives
back only what passes a threshold that it raises as large blocks come and go. A box serving a
class needs those pools while the class works: every sign-in's Argon2 hash takes a 19 MiB
block, and giving it back after each hash to map it again at the next took a class's page p99
on one core from ~30 ms to 360–730 ms (bench/README.md). It does not need them after the class:
so the pools are kept while requests come and trimmed once, when the process has answered
nothing for a few seconds (``Quiet``).

A trim gives back every free page of the process's main pool, but only the free pages *inside*
the pools that glibc makes for other threads (each a thread's own "arena"): the free space at
their end, where a hash's 19 MiB is, stays. ``one_pool`` makes every thread of the process use
the main pool, so that a trim reaches all of it; the web workers' threads mostly hold Python's
lock anyway, so they hardly ever wait for one another's allocations.

Both are glibc's own functions (``mallopt``, ``malloc_trim``); on another C library they do
nothing.
"""

from __future__ import annotations

import ctypes
import threading
import time
from collections.abc import Callable

M_ARENA_MAX = -8  # mallopt's parameter number (malloc.h)


def _libc_function(name: str) -> Callable[..., int] | None:
    try:
        function: Callable[..., int] = getattr(ctypes.CDLL(None), name)
    except (OSError, AttributeError):  # not glibc (musl, macOS): nothing to do
        return None
    return function


def one_pool() -> bool:
    """Every thread of this process, and of the processes it forks, allocates from the main
    pool. Call it before any other thread starts; False when the C library has no such
    setting."""
    mallopt = _libc_function("mallopt")
    return bool(mallopt and mallopt(M_ARENA_MAX, 1))


def trim() -> bool:
    """Give every free page of the pools back to the system; False when nothing was given
    back or the C library cannot."""
    malloc_trim = _libc_function("malloc_trim")
    return bool(malloc_trim and malloc_trim(0))


class Quiet:
    """Counts the requests a process is answering, and trims its memory once after each busy
    spell, when nothing was answered for ``after`` seconds.

    ``begin`` and ``end`` are called around every request (from any thread); ``watch`` runs in
    a thread of its own and looks every ``every`` seconds."""

    def __init__(
        self,
        after: float = 2.0,
        release: Callable[[], object] = trim,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.after = after
        self._release = release
        self._clock = clock
        self._lock = threading.Lock()
        self._busy = 0  # requests being answered
        self._last = clock()  # when the last one ended
        self._used = False  # a request came since the last trim
        self.trims = 0

    def begin(self) -> None:
        with self._lock:
            self._busy += 1
            self._used = True

    def end(self) -> None:
        with self._lock:
            self._busy -= 1
            self._last = self._clock()

    def look(self) -> bool:
        """Trim now if the process has been quiet long enough since its last request and
        served one since the last trim; whether it did."""
        with self._lock:
            due = self._used and self._busy == 0 and self._clock() - self._last >= self.after
            if due:
                self._used = False
        if due:
            self._release()
            self.trims += 1
        return due

    def watch(self, stop: threading.Event, every: float = 1.0) -> None:
        while not stop.wait(every):
            self.look()
