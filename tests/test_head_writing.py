"""Where the audit's head file is written: in the request on a fast disk, by a thread behind
the requests where the disk is slow to make a write durable (an SD card); a stopping worker
moves it past its last commits first."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from cartable.audit import actions
from cartable.lib import disk
from cartable.web.management.commands import serve


@pytest.fixture
def no_thread_behind(monkeypatch) -> None:
    monkeypatch.setattr(actions._HEADS, "behind", None)
    monkeypatch.setattr(serve.DISK, "slow", False)


def test_a_small_durable_write_is_timed_and_leaves_nothing_behind(tmp_path: Path) -> None:
    seconds = disk.sync_seconds(tmp_path, samples=3)
    assert 0 < seconds < 5
    assert list(tmp_path.iterdir()) == []


def test_timing_a_folder_that_cannot_be_written_raises(tmp_path: Path) -> None:
    with pytest.raises(OSError):
        disk.sync_seconds(tmp_path / "missing")


def test_a_worker_on_a_fast_disk_writes_the_head_in_its_requests(
    no_thread_behind, monkeypatch
) -> None:
    monkeypatch.setattr(disk, "sync_seconds", lambda folder: 0.0001)
    serve.time_disk()  # in the server, before the fork
    serve._choose_head_writing()  # in the worker
    assert actions._HEADS.behind is None


def test_a_worker_on_a_slow_disk_leaves_the_head_to_a_thread(no_thread_behind, monkeypatch) -> None:
    monkeypatch.setattr(disk, "sync_seconds", lambda folder: 0.012)  # an SD card
    serve.time_disk()
    serve._choose_head_writing()
    assert actions._HEADS.behind is not None


def test_a_disk_that_cannot_be_timed_is_logged_and_the_head_written_in_requests(
    no_thread_behind, monkeypatch, caplog
) -> None:
    def refuse(folder: Path) -> float:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(disk, "sync_seconds", refuse)
    monkeypatch.setattr(serve.DISK, "slow", True)  # what a previous timing found
    with caplog.at_level(logging.WARNING):
        serve.time_disk()
    serve._choose_head_writing()
    assert actions._HEADS.behind is None
    assert "Could not time the disk" in caplog.text


def test_a_stopping_worker_says_when_its_head_could_not_be_moved(monkeypatch, caplog) -> None:
    monkeypatch.setattr(actions, "flush_heads", lambda timeout=None: False)
    with caplog.at_level(logging.WARNING):
        serve.worker_stops()
    assert "not moved past this worker's last commits" in caplog.text
    caplog.clear()
    monkeypatch.setattr(actions, "flush_heads", lambda timeout=None: True)
    serve.worker_stops()
    assert caplog.text == ""


def test_what_a_killed_timing_left_is_reused_then_removed(tmp_path: Path) -> None:
    (tmp_path / disk.PROBE).write_bytes(b"left by a worker killed while timing")
    disk.sync_seconds(tmp_path, samples=1)
    assert list(tmp_path.iterdir()) == []
