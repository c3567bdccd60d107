"""Argon2id tuned for a small box.

Django's default Argon2 parameters use 100 MiB of memory per hash: on a 1-2 GB box, a class of
learners signing in at once could exhaust memory. We follow OWASP's first Argon2id profile
(19 MiB, 2 passes, 1 lane), which costs about 20 ms here. Hashes made with other parameters
are still accepted and upgraded at the next sign-in.

Each server process computes its hashes on one thread of its own, one after the other. A hash
keeps a core busy, so running several at once in a process buys nothing; and the C library
keeps a freed 19 MiB buffer in the memory pool of the thread that used it, so hashing on every
request thread would leave one buffer per thread (measured: +150 MB with 2 x 8 threads).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from django.contrib.auth.hashers import Argon2PasswordHasher

T = TypeVar("T")

_guard = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_owner = 0  # the process that made the executor (threads do not survive a fork)


def _on_hashing_thread(function: Callable[..., T], *args: str) -> T:
    global _executor, _owner
    with _guard:
        if _executor is None or _owner != os.getpid():
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="argon2")
            _owner = os.getpid()
        executor = _executor
    return executor.submit(function, *args).result()


class BoxArgon2PasswordHasher(Argon2PasswordHasher):
    algorithm = "argon2"
    time_cost = 2
    memory_cost = 19 * 1024
    parallelism = 1

    def encode(self, password: str, salt: str) -> str:
        return _on_hashing_thread(super().encode, password, salt)

    def verify(self, password: str, encoded: str) -> bool:
        return _on_hashing_thread(super().verify, password, encoded)
