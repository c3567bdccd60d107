"""Work left to a thread behind the requests (cartable.lib.behind): the caller returns at
once, the thread takes everything submitted meanwhile in one call, ``flush`` waits for it,
and a failure is logged without stopping the thread."""

from __future__ import annotations

import threading

from cartable.lib.behind import Behind


def test_a_submit_returns_before_the_work_and_flush_waits_for_it() -> None:
    let_go = threading.Event()
    done: list[list[int]] = []

    def work(items: list[int]) -> None:
        let_go.wait()
        done.append(items)

    behind: Behind[int] = Behind(work, name="test-behind")
    behind.submit([1])  # returns while the work waits
    assert done == []
    assert behind.flush(timeout=0.01) is False  # not done yet
    let_go.set()
    assert behind.flush(timeout=30) is True
    assert done == [[1]]


def test_what_is_submitted_during_a_call_is_worked_on_in_one_call() -> None:
    first_runs, let_go = threading.Event(), threading.Event()
    calls: list[list[str]] = []

    def work(items: list[str]) -> None:
        calls.append(items)
        if len(calls) == 1:
            first_runs.set()
            let_go.wait()

    behind: Behind[str] = Behind(work, name="test-behind")
    behind.submit(["a"])
    first_runs.wait(30)
    for name in ("b", "c", "d"):
        behind.submit([name])
    let_go.set()
    assert behind.flush(timeout=30)
    assert calls == [["a"], ["b", "c", "d"]]


def test_a_failed_call_is_logged_and_the_next_items_are_still_worked_on(caplog) -> None:
    calls: list[list[int]] = []

    def work(items: list[int]) -> None:
        calls.append(items)
        if items == [1]:
            raise OSError("disk full")

    behind: Behind[int] = Behind(work, name="test-behind")
    behind.submit([1])
    assert behind.flush(timeout=30)
    behind.submit([2])
    assert behind.flush(timeout=30)
    assert calls == [[1], [2]]
    assert "test-behind: the work behind the requests failed" in caplog.text
    assert "disk full" in caplog.text


def test_flush_with_nothing_submitted_returns_at_once() -> None:
    behind: Behind[int] = Behind(lambda items: None, name="test-behind")
    assert behind.flush(timeout=0) is True
