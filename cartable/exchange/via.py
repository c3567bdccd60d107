"""How the bundles of the current exchange travel: by ``file`` (the default: a stick, a
folder) or ``online`` (``cartable exchange sync`` and the hub's API). The history rows written
meanwhile take it as their ``via`` (its field's default), so that the file path's actions
record it without a parameter threaded through each of them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

FILE = "file"
ONLINE = "online"

_current: ContextVar[str] = ContextVar("exchange_via", default=FILE)


def current() -> str:
    return _current.get()


@contextmanager
def online() -> Iterator[None]:
    token = _current.set(ONLINE)
    try:
        yield
    finally:
        _current.reset(token)
