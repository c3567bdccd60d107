"""Claiming and running jobs. Handlers register by kind in a plain dict (imports register
theirs from the catalog app); a handler gets the job and a progress callback and returns a
JSON result, or raises ``JobFailed`` with a message for the people who asked for the job."""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.db import DatabaseError, close_old_connections, connection, connections, transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from cartable.jobs import sweep
from cartable.jobs.models import FollowUp, Job

logger = logging.getLogger(__name__)

Progress = Callable[[float, str], None]
Handler = Callable[[Job, Progress], dict[str, Any]]

HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 3
PROGRESS_EVERY = 0.5  # seconds between progress writes


class JobFailed(Exception):
    """The job cannot succeed: ``code`` is stable, ``message`` is for people (translated)."""

    def __init__(self, code: str, message: str, result: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.result = result or {}


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def enqueue(kind: str, *, payload: dict[str, Any], created_by: Any | None = None) -> Job:
    if kind not in HANDLERS:
        raise ValueError(f"no handler for jobs of kind {kind!r}")
    return Job.objects.create(kind=kind, payload=payload, created_by=created_by)


def worker_lock() -> IO[str] | None:
    """The data folder's worker lock (one worker runs at a time), or None when another
    process holds it. Held for as long as the handle stays open."""
    handle = (Path(settings.HOME) / ".worker.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


def worker_running() -> bool:
    lock = worker_lock()
    if lock is None:
        return True
    lock.close()
    return False


def work_left() -> bool:
    """Whether a worker would find anything to do: jobs waiting, jobs left running (asked
    when no worker holds the lock: their worker is gone) or follow-ups a crash left."""
    return (
        Job.objects.filter(status__in=(Job.Status.QUEUED, Job.Status.RUNNING)).exists()
        or FollowUp.objects.exists()
    )


def watch_once() -> bool:
    """Start a worker if none holds the data folder's worker lock and work is left for one;
    whether one was started. A worker is a whole Python process with Django loaded (50 MB
    for a second or two): starting one to find an empty queue, every poll, made the box's
    memory peak (measured: 186 MB against 137 MB between the starts)."""
    if worker_running() or not work_left():
        return False
    start_worker()
    return True


def watch(wait: Callable[[float], bool]) -> None:
    """Look for work left without a worker every ``WORKER_POLL_SECONDS`` (``wait`` returns
    True to stop); a failed look (a busy database) is logged and the next one comes."""
    while not wait(settings.WORKER_POLL_SECONDS):
        try:
            close_old_connections()
            watch_once()
        except DatabaseError:
            logger.exception("looking for jobs left without a worker failed")
        finally:
            connections.close_all()  # this thread's connections only: none kept between looks


def watch_workers(stop: threading.Event) -> threading.Thread:
    """A thread of a web worker of the server that starts a worker when work is left and none
    runs, so that the job of a worker that died is taken up again while the server runs.
    Started after the fork (its database connections are the web worker's own)."""
    thread = threading.Thread(target=watch, args=(stop.wait,), name="worker-watch", daemon=True)
    thread.start()
    return thread


def start_worker() -> None:
    """Start `cartable worker --once` in the background (it exits when the queue is empty, or
    at once if a worker already runs). Called after a job is queued and committed."""
    if not settings.WORKER_ON_DEMAND:
        return
    subprocess.Popen(
        [sys.executable, "-m", "cartable", "worker", "--once"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        start_new_session=True,  # outlives the web worker that started it
        close_fds=True,
    )


def me() -> str:
    """This worker, as a job row names it."""
    return f"{socket.gethostname()}:{os.getpid()}"[:128]


def clock() -> datetime:
    """Now, as leases are measured (a test drives a clock of its own instead of sleeping)."""
    return timezone.now()


def _lease_end() -> datetime:
    return clock() + timedelta(seconds=settings.JOB_LEASE_SECONDS)


def recover_interrupted(*, everything: bool = False) -> int:
    """Jobs whose worker is gone (their lease ran out; ``everything``: all running jobs, for a
    worker that holds the data folder's worker lock and so knows no other runs) go back to the
    queue: their work is atomic and idempotent, so running them again is safe. A job
    interrupted ``MAX_ATTEMPTS`` times stops as failed, with a message for staff."""
    stuck = Job.objects.filter(status=Job.Status.RUNNING)
    if not everything:
        stuck = stuck.filter(Q(lease_until__lt=clock()) | Q(lease_until__isnull=True))
    count = 0
    for job in stuck.order_by("id"):
        with translation.override(job.payload.get("language") or None):
            message = _(
                "The work was interrupted %(count)d times (the box or its worker stopped "
                "before it ended) and will not be tried again. Send the file again; if it "
                "stops again, the box's log says why."
            ) % {"count": job.attempts}
        given_up = job.attempts >= MAX_ATTEMPTS
        count += (
            Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker)
            .filter(Q(lease_until__isnull=True) | Q(lease_until=job.lease_until))
            .update(
                status=Job.Status.FAILED if given_up else Job.Status.QUEUED,
                progress=job.progress if given_up else 0,
                worker="",
                lease_until=None,
                error_code="interrupted" if given_up else "",
                error_message=message if given_up else "",
                finished_at=timezone.now() if given_up else None,
            )
        )
        logger.warning(
            "job %s lost its worker %s (attempt %d): %s",
            job.pk,
            job.worker or "?",
            job.attempts,
            "given up" if given_up else "queued again",
        )
    return count


def claim(pk: int | None = None) -> Job | None:
    """Take the oldest waiting job (or job ``pk`` if it waits), so that two workers never run
    the same one; this worker holds its lease from now on."""
    with transaction.atomic():
        waiting = Job.objects.select_for_update(skip_locked=True).filter(status=Job.Status.QUEUED)
        if pk is not None:
            waiting = waiting.filter(pk=pk)
        job = waiting.order_by("id").first()
        if job is None:
            return None
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.worker = me()
        job.lease_until = _lease_end()
        job.save(update_fields=["status", "started_at", "attempts", "worker", "lease_until"])
        return job


def renew_lease(job: Job) -> bool:
    """Push the job's lease a whole lease ahead, if its worker still holds it (a worker
    presumed dead whose job was taken up again does not take it back)."""
    return bool(
        Job.objects.filter(pk=job.pk, status=Job.Status.RUNNING, worker=job.worker).update(
            lease_until=_lease_end()
        )
    )


def heartbeat(job: Job, wait: Callable[[float], bool]) -> None:
    """Renew the job's lease every third of a lease until ``wait`` returns True: two beats
    may fail (a busy database) before the lease runs out."""
    while not wait(settings.JOB_LEASE_SECONDS / 3):
        try:
            renew_lease(job)
        except Exception:  # a busy database: the next beat tries again
            logger.warning("job %s: could not renew its lease", job.pk, exc_info=True)


@contextlib.contextmanager
def _heartbeat(job: Job) -> Iterator[None]:
    """Renew the job's lease now and then while the block runs (from a thread of its own, so
    that a long step without progress reports, a PDF or a large commit, keeps it)."""
    stop = threading.Event()

    def beat() -> None:
        try:
            heartbeat(job, stop.wait)
        finally:
            connection.close()  # this thread's own

    thread = threading.Thread(target=beat, name=f"job-{job.pk}-heartbeat", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def run(job: Job) -> Job:
    handler = HANDLERS.get(job.kind)
    last = 0.0

    def progress(fraction: float, stage: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY or fraction >= 1:
            last = now
            Job.objects.filter(pk=job.pk).update(
                progress=min(max(fraction, 0.0), 1.0), stage=stage, lease_until=_lease_end()
            )

    try:
        if handler is None:
            raise JobFailed("unknown_kind", f"No handler for jobs of kind {job.kind!r}.")
        with _heartbeat(job):
            result = handler(job, progress)
    except JobFailed as failure:
        job.status = Job.Status.FAILED
        job.error_code = failure.code
        job.error_message = failure.message
        job.result = failure.result
    except Exception:
        logger.exception("job %s failed", job.pk)
        job.status = Job.Status.FAILED
        job.error_code = "internal_error"
        job.error_message = "The box met an unexpected error; its log has the details."
    else:
        job.status = Job.Status.SUCCEEDED
        job.result = result
        job.progress = 1.0
    job.finished_at = timezone.now()
    job.lease_until = None
    job.save(
        update_fields=[
            "lease_until",
            "status",
            "error_code",
            "error_message",
            "result",
            "progress",
            "finished_at",
        ]
    )
    return job


def run_pending(limit: int | None = None) -> int:
    """Run waiting jobs one after the other; return how many ran."""
    count = 0
    while limit is None or count < limit:
        job = claim()
        if job is None:
            break
        sweep.sweep()  # what a stopped job left (never a running one's: they are locked)
        run(job)
        count += 1
    return count
