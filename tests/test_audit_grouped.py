"""What follows an audited commit (the write-ahead log flushed, the head file moved) is shared
by the threads that commit together: one fsync and one head file written for all of them, the
head as if each had moved it in turn, and nothing acknowledged before its own flush."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from cartable.audit import actions, chain
from cartable.lib.grouped import Grouped


def _wait_until(condition) -> None:
    while not condition():
        os.sched_yield()


def test_one_call_does_the_work_of_every_thread_that_came_meanwhile() -> None:
    calls: list[list[str]] = []
    first_runs, let_go = threading.Event(), threading.Event()

    def work(items: list[str]) -> None:
        calls.append(list(items))
        if len(calls) == 1:
            first_runs.set()
            let_go.wait()

    grouped: Grouped[str] = Grouped(work)
    threads = [threading.Thread(target=grouped, args=("a",))]
    threads[0].start()
    first_runs.wait()
    for name in ("b", "c", "d"):  # come while "a" is being done: they wait for the next call
        threads.append(threading.Thread(target=grouped, args=(name,)))
        threads[-1].start()
    _wait_until(lambda: grouped._asked == 4)
    let_go.set()
    for thread in threads:
        thread.join()
    assert calls[0] == ["a"]
    assert sorted(calls[1]) == ["b", "c", "d"]
    assert len(calls) == 2  # the three later requests were done by one call
    grouped("e")  # alone: its own call
    assert calls[2] == ["e"]


def test_a_failed_call_leaves_its_requests_to_the_next() -> None:
    calls: list[list[int]] = []

    def work(items: list[int]) -> None:
        calls.append(list(items))
        if len(calls) == 1:
            raise OSError("disk")

    grouped: Grouped[int] = Grouped(work)
    with pytest.raises(OSError):
        grouped(1)
    grouped(2)
    assert calls == [[1], [1, 2]]


def test_the_head_moves_as_if_each_entry_moved_it_and_is_written_once(
    tmp_path: Path, monkeypatch
) -> None:
    written: list[chain.Head] = []
    real = chain.write_head
    monkeypatch.setattr(
        chain, "write_head", lambda home, head: (written.append(head), real(home, head))
    )
    seals = {n: f"{n:064x}" for n in range(1, 8)}
    assert chain.advance_head_many(tmp_path, [(3, seals[3]), (1, seals[1])], seals.get) == []
    assert chain.advance_head_many(tmp_path, [(2, seals[2]), (5, seals[5])], seals.get) == []
    assert chain.advance_head_many(tmp_path, [(4, seals[4])], seals.get) == []  # behind: kept
    assert written == [chain.Head(3, seals[3]), chain.Head(5, seals[5])]
    assert chain.read_head(tmp_path) == chain.Head(5, seals[5])


def test_a_batch_still_raises_the_alarm_of_a_cut_end(tmp_path: Path) -> None:
    seals = {n: f"{n:064x}" for n in range(1, 8)}
    chain.advance_head_many(tmp_path, [(5, seals[5])], seals.get)
    gone = {n: s for n, s in seals.items() if n < 4}  # entries 4 and 5 deleted
    alarms = chain.advance_head_many(tmp_path, [(4, "f" * 64), (5, "e" * 64)], gone.get)
    assert [(a.seq, a.writing_seq) for a in alarms] == [(5, 4)]
    head = chain.read_head(tmp_path)
    assert (head.seq, head.alarm.seq, head.alarm.writing_seq) == (5, 5, 4)
    # The alarm stays while the log grows past it again.
    chain.advance_head_many(tmp_path, [(6, "d" * 64)], gone.get)
    head = chain.read_head(tmp_path)
    assert (head.seq, head.alarm.seq) == (6, 5)


def _committed_with_a_log(
    tmp_path: Path, monkeypatch, seqs: tuple[int, ...]
) -> tuple[list[actions._Committed], list[str]]:
    """Entries committed to a database with a write-ahead log, and the list where its fsyncs
    (and the heads written, once ``chain.write_head`` is replaced) are told in order."""
    database = tmp_path / "box.sqlite3"
    Path(f"{database}-wal").write_bytes(b"frames")
    events: list[str] = []
    real_fsync = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd)))
    monkeypatch.setattr(chain, "read_head", lambda home: None)
    entries = [actions._Committed(str(database), tmp_path, seq, f"{seq:064x}") for seq in seqs]
    return entries, events


def test_the_log_is_flushed_before_the_head_moves_once_for_the_batch(
    tmp_path: Path, monkeypatch
) -> None:
    entries, events = _committed_with_a_log(tmp_path, monkeypatch, (7, 6, 8))
    monkeypatch.setattr(chain, "write_head", lambda home, head: events.append(f"head {head.seq}"))
    actions._make_durable(entries)
    assert events == ["fsync", "head 8"]


def test_behind_the_requests_the_log_is_flushed_at_once_and_the_head_moved_after(
    tmp_path: Path, monkeypatch
) -> None:
    # The web server's workers: a request waits for the write-ahead log's fsync only; the head
    # file is moved by the thread behind, and flush_heads waits for it.
    entries, events = _committed_with_a_log(tmp_path, monkeypatch, (4, 5))
    let_go = threading.Event()
    monkeypatch.setattr(actions._HEADS, "behind", None)
    actions.move_heads_behind()

    def write_head(home: Path, head: chain.Head) -> None:
        let_go.wait(30)
        events.append(f"head {head.seq}")

    monkeypatch.setattr(chain, "write_head", write_head)
    actions._make_durable(entries)
    assert events == ["fsync"]  # returned with its commit on disk, the head not yet moved
    assert actions.flush_heads(timeout=0.01) is False
    let_go.set()
    assert actions.flush_heads(timeout=30) is True
    assert events == ["fsync", "head 5"]


def test_flush_heads_without_a_thread_behind_has_nothing_to_wait_for(monkeypatch) -> None:
    monkeypatch.setattr(actions._HEADS, "behind", None)
    assert actions.flush_heads(timeout=0) is True
