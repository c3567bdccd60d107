"""A server process gives its freed memory back once it has gone quiet (cartable.lib.heap):
never while it answers, once after each busy spell, and not again until it has answered more."""

from __future__ import annotations

import ctypes
import subprocess
import sys
import threading

import pytest

from cartable.lib import heap
from cartable.web.management.commands import serve


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def quiet(clock: Clock) -> tuple[heap.Quiet, list[float]]:
    trims: list[float] = []
    return heap.Quiet(after=2.0, release=lambda: trims.append(clock()), clock=clock), trims


def test_a_process_that_answered_nothing_is_never_trimmed(quiet, clock) -> None:
    watcher, trims = quiet
    clock.now += 60
    assert watcher.look() is False
    assert trims == []


def test_it_trims_once_when_quiet_long_enough_after_a_request(quiet, clock) -> None:
    watcher, trims = quiet
    watcher.begin()
    clock.now += 5
    watcher.end()
    clock.now += 1.9
    assert watcher.look() is False  # not quiet long enough yet
    clock.now += 0.2
    assert watcher.look() is True
    clock.now += 30
    assert watcher.look() is False  # nothing answered since: nothing more to give back
    assert trims == [pytest.approx(107.1)] and watcher.trims == 1


def test_it_never_trims_while_a_request_is_being_answered(quiet, clock) -> None:
    watcher, trims = quiet
    watcher.begin()
    watcher.begin()
    watcher.end()
    clock.now += 10
    assert watcher.look() is False  # one still in flight (an upload, a long export)
    watcher.end()
    clock.now += 2
    assert watcher.look() is True
    assert len(trims) == 1


def test_each_busy_spell_gets_its_own_trim(quiet, clock) -> None:
    watcher, trims = quiet
    for _ in range(3):
        watcher.begin()
        watcher.end()
        clock.now += 3
        assert watcher.look() is True
    assert len(trims) == 3


def test_requests_from_many_threads_are_counted_exactly(quiet, clock) -> None:
    watcher, _trims = quiet

    def answer() -> None:
        for _ in range(2000):
            watcher.begin()
            watcher.end()

    threads = [threading.Thread(target=answer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    clock.now += 3
    assert watcher.look() is True  # all ended: the count is back to zero, not off by a lost update


def test_the_watch_stops_when_asked(quiet) -> None:
    watcher, _trims = quiet
    stop = threading.Event()
    stop.set()
    watcher.watch(stop, every=0.0)  # returns at once


def test_on_glibc_the_trim_and_the_single_pool_are_the_c_library_s_own() -> None:
    try:
        ctypes.CDLL(None).malloc_trim  # noqa: B018
    except AttributeError:
        pytest.skip("not glibc: both do nothing")
    assert isinstance(heap.trim(), bool)
    # In a process of its own: the setting would stay for the rest of this test process.
    code = "from cartable.lib import heap; print(heap.one_pool())"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "True"


def test_serve_counts_every_request_of_its_workers() -> None:
    before = serve.QUIET._busy
    serve.request_begins(object(), object())
    assert serve.QUIET._busy == before + 1
    serve.request_ends(object(), object(), {}, None)
    assert serve.QUIET._busy == before
