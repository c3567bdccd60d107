"""A running job's lease over time, without sleeping: the lease clock and the heartbeat's and
the server's waits are driven by the test. A long job's lease is renewed before it runs out for
as long as its worker lives; a dead worker's job is taken up by another worker once its lease
has ended, not before; the server's watch starts a worker when work is left and none holds the
worker lock, not when one does, and not for an empty queue (a worker is a whole process)."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.db import DatabaseError
from django.utils import timezone

from cartable.jobs import runner
from cartable.jobs.models import FollowUp, Job

pytestmark = pytest.mark.django_db


class Clock:
    def __init__(self) -> None:
        self.now = timezone.now()

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


@pytest.fixture
def clock(monkeypatch) -> Clock:
    made = Clock()
    monkeypatch.setattr(runner, "clock", made)
    return made


@pytest.fixture
def job() -> Job:
    return Job.objects.create(kind="test_long", payload={"language": "en"})


def _as(monkeypatch, worker: str) -> None:
    monkeypatch.setattr(runner, "me", lambda: worker)


def test_a_long_jobs_lease_is_renewed_before_it_ends_while_its_worker_lives(
    settings, clock: Clock, job: Job, monkeypatch
) -> None:
    settings.JOB_LEASE_SECONDS = 90
    _as(monkeypatch, "box:101")
    claimed = runner.claim()
    assert claimed is not None and claimed.lease_until == clock.now + timedelta(seconds=90)
    beats: list[datetime] = []

    def wait(seconds: float) -> bool:
        assert seconds == 30  # a third of the lease
        clock.advance(seconds)
        lease = Job.objects.get(pk=job.pk).lease_until
        assert lease is not None and lease > clock.now  # never out at any moment
        _as(monkeypatch, "box:202")  # another worker looks meanwhile
        assert runner.recover_interrupted() == 0
        assert runner.claim() is None
        beats.append(clock.now)
        return len(beats) == 12  # the job ends after four leases' time

    runner.heartbeat(claimed, wait)

    job.refresh_from_db()
    assert (job.status, job.worker, job.attempts) == (Job.Status.RUNNING, "box:101", 1)
    assert clock.now - beats[0] == timedelta(seconds=330)  # far longer than one lease
    # Renewed at the last beat but one, a whole lease ahead.
    assert job.lease_until == beats[-2] + timedelta(seconds=90)


def test_a_dead_workers_job_is_taken_up_by_another_worker_once_its_lease_ended(
    settings, clock: Clock, job: Job, monkeypatch
) -> None:
    settings.JOB_LEASE_SECONDS = 90
    monkeypatch.setitem(runner.HANDLERS, "test_long", lambda job, progress: {"done": True})
    _as(monkeypatch, "box:101")
    dead = runner.claim()
    assert dead is not None  # and its worker dies: nothing renews the lease

    clock.advance(89)
    _as(monkeypatch, "box:202")
    assert runner.recover_interrupted() == 0  # not before the lease ends
    assert runner.claim() is None

    clock.advance(2)
    assert runner.recover_interrupted() == 1
    taken = runner.claim()
    assert taken is not None and taken.pk == job.pk
    assert (taken.worker, taken.attempts) == ("box:202", 2)
    assert taken.lease_until == clock.now + timedelta(seconds=90)
    assert not runner.renew_lease(dead)  # a late beat of the old worker takes nothing back
    runner.run(taken)
    job.refresh_from_db()
    assert (job.status, job.result, job.worker) == (Job.Status.SUCCEEDED, {"done": True}, "box:202")


@pytest.fixture
def started(settings, monkeypatch) -> list[list[str]]:
    """The workers the server starts (their command lines), instead of starting them."""
    settings.WORKER_ON_DEMAND = True
    calls: list[list[str]] = []
    monkeypatch.setattr(runner.subprocess, "Popen", lambda args, **kwargs: calls.append(args))
    return calls


@pytest.fixture
def queued() -> Job:
    return Job.objects.create(kind="test_long", payload={})


def test_the_servers_watch_starts_a_worker_when_none_holds_the_lock(started, queued) -> None:
    assert runner.watch_once()
    assert len(started) == 1 and started[0][-2:] == ["worker", "--once"]


def test_the_servers_watch_starts_none_when_no_work_is_left(started) -> None:
    Job.objects.create(kind="test_long", payload={}, status=Job.Status.SUCCEEDED)
    assert not runner.watch_once()
    assert started == []


def test_the_servers_watch_starts_a_worker_for_a_job_left_running_or_a_follow_up(
    started,
) -> None:
    job = Job.objects.create(kind="test_long", payload={}, status=Job.Status.RUNNING)
    assert runner.watch_once()  # no worker holds the lock: the job's worker is gone
    job.delete()
    FollowUp.objects.create(kind="index", payload={})  # a crash came between commit and run
    assert runner.watch_once()
    assert len(started) == 2


def test_the_servers_watch_starts_none_while_a_worker_holds_the_lock(started, queued) -> None:
    lock = runner.worker_lock()
    assert lock is not None
    try:
        assert not runner.watch_once()
    finally:
        lock.close()
    assert started == []


@pytest.fixture
def connections_kept(monkeypatch) -> None:
    """The watch closes its thread's connections after each look: here that thread is the
    test's, whose connection holds the test's transaction."""
    monkeypatch.setattr(runner, "close_old_connections", lambda: None)
    monkeypatch.setattr(runner.connections, "close_all", lambda: None)


def test_the_servers_watch_looks_every_poll_until_stopped(
    settings, started, queued, connections_kept
) -> None:
    settings.WORKER_POLL_SECONDS = 30
    lock = runner.worker_lock()  # a worker runs for the first two looks, then stops
    ticks: list[float] = []

    def wait(seconds: float) -> bool:
        ticks.append(seconds)
        if len(ticks) == 3 and lock is not None:
            lock.close()
        return len(ticks) == 5

    runner.watch(wait)

    assert ticks == [30] * 5
    assert len(started) == 2  # at the third and fourth looks (on demand, each exits when done)


def test_a_failed_look_does_not_stop_the_servers_watch(
    settings, started, queued, connections_kept, monkeypatch
) -> None:
    settings.WORKER_POLL_SECONDS = 30
    looks = iter([DatabaseError("database is locked"), True])

    def work_left() -> bool:
        answer = next(looks)
        if isinstance(answer, Exception):
            raise answer
        return answer

    monkeypatch.setattr(runner, "work_left", work_left)
    ticks: list[float] = []
    runner.watch(lambda seconds: ticks.append(seconds) or len(ticks) == 3)
    assert len(started) == 1  # at the second look
