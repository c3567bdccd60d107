"""Claiming and running jobs. Handlers register by kind in a plain dict (imports register
theirs from the catalog app); a handler gets the job and a progress callback and returns a
JSON result, or raises ``JobFailed`` with a message for the people who asked for the job."""

from __future__ import annotations

import logging
import subprocess
import sys
import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cartable.jobs import sweep
from cartable.jobs.models import Job

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


def recover_interrupted() -> int:
    """Jobs left running by a worker that died go back to the queue (their work is atomic and
    idempotent, so running them again is safe), unless they already failed too often."""
    stuck = Job.objects.filter(status=Job.Status.RUNNING)
    again = stuck.filter(attempts__lt=MAX_ATTEMPTS).update(status=Job.Status.QUEUED, progress=0)
    given_up = stuck.update(
        status=Job.Status.FAILED,
        error_code="interrupted",
        error_message="The job was interrupted too many times.",
        finished_at=timezone.now(),
    )
    return again + given_up


def claim() -> Job | None:
    """Take the oldest waiting job, so that two workers never run the same one."""
    with transaction.atomic():
        job = (
            Job.objects.select_for_update(skip_locked=True)
            .filter(status=Job.Status.QUEUED)
            .order_by("id")
            .first()
        )
        if job is None:
            return None
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["status", "started_at", "attempts"])
        return job


def run(job: Job) -> Job:
    handler = HANDLERS.get(job.kind)
    last = 0.0

    def progress(fraction: float, stage: str) -> None:
        nonlocal last
        now = time.monotonic()
        if now - last >= PROGRESS_EVERY or fraction >= 1:
            last = now
            Job.objects.filter(pk=job.pk).update(progress=min(max(fraction, 0.0), 1.0), stage=stage)

    try:
        if handler is None:
            raise JobFailed("unknown_kind", f"No handler for jobs of kind {job.kind!r}.")
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
    job.save(
        update_fields=[
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
