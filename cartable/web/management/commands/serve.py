"""cartable serve: the production server for the box (gunicorn, see docs/decisions.md)."""

from __future__ import annotations

import gc
import logging
import os
import threading
from argparse import ArgumentParser
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connections
from gunicorn import util as gunicorn_util
from gunicorn.app.base import BaseApplication

from cartable.audit import actions as audit_actions
from cartable.commands import CartableCommand
from cartable.jobs import periodic
from cartable.jobs.runner import start_worker, watch_workers, work_left
from cartable.jobs.sweep import sweep
from cartable.lib import disk, heap, linger
from cartable.web.staticfiles import ensure_collected

log = logging.getLogger(__name__)

SLOW_SYNC_SECONDS = 0.002  # a durable small write slower than this: a slow disk (SD card)
HEAD_FLUSH_SECONDS = 10  # a stopping worker waits this long at most for its head file

SHM = Path("/dev/shm")  # noqa: S108  (a RAM disk, for gunicorn's heartbeat files only)

# The requests a web worker is answering: its memory pools are trimmed once it has gone quiet
# (``cartable.lib.heap``), so that a box is back near its idle memory after a class.
QUIET = heap.Quiet()


class BoxServer(BaseApplication):  # type: ignore[misc]
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        from cartable.wsgi import application

        return application


def close_without_waiting() -> None:
    """Connections the server does not keep alive are closed at once, lingering (in a thread
    of their own) only while the client may still be sending (``cartable.lib.linger``):
    gunicorn waited for every client's round trip in the thread that dispatches requests."""
    graceful = getattr(gunicorn_util, "close_graceful", None)
    if graceful is not None and not isinstance(
        getattr(graceful, "__self__", None), linger.Lingering
    ):
        gunicorn_util.close_graceful = linger.Lingering(graceful).close


def close_connections(server: object = None, worker: object = None) -> None:
    """Run by the master before it forks a worker (gunicorn's ``pre_fork``), also later, when
    it replaces one: a database connection open at a fork would be shared by two processes
    (SQLite's file locks, PostgreSQL's socket) and closing it in one would break the other.
    Each worker's threads open their own connections when they first need one and keep
    them (``CARTABLE_DB_CONN_MAX_AGE``)."""
    connections.close_all()


def before_fork(server: object = None, worker: object = None) -> None:
    """Gunicorn's ``pre_fork``: no connection shared (``close_connections``), and every object
    the master holds so far (Django, the apps, their modules) frozen: left out of the garbage
    collector's passes, which write into every object they visit and so made each worker copy
    the master's pages it shared (measured, a class of 300 on one core: 119 MB after it, of
    which 13 MB the master's own pages copied, against 103 MB frozen; CPython's advice for
    servers that fork)."""
    close_connections()
    gc.freeze()


def _resume_jobs(server: object) -> None:
    """Jobs left waiting or interrupted when the box stopped are resumed (gunicorn's
    ``when_ready``, set only when there are: a worker started to find nothing costs 50 MB)."""
    start_worker()


def start_periodic(worker: object = None) -> None:
    """Run by each web worker once it is ready (gunicorn's ``post_worker_init``): after the
    fork, so the threads' database connections are the worker's own. The periodic tasks, and
    the watch: a worker that dies mid-job is replaced within CARTABLE_WORKER_POLL_SECONDS."""
    _choose_head_writing()
    periodic.start_thread()
    threading.Thread(
        target=QUIET.watch, args=(threading.Event(),), name="cartable-quiet", daemon=True
    ).start()
    if settings.WORKER_ON_DEMAND:
        watch_workers(threading.Event())


@dataclass(slots=True)
class _Disk:
    slow: bool = False  # the data folder's disk, timed once by the server before its forks


DISK = _Disk()


def time_disk() -> None:
    """Where the disk is slow to make a write durable (an SD card), the workers' requests
    leave the audit's head file to a thread behind them, and wait for their own commit's flush
    only (``audit.actions.move_heads_behind``): with fsyncs of 10 ms, a class's answer saves at
    50 concurrent requests 164 -> 265 per second. On a fast disk, writing it in the request
    costs less than waking that thread (418-428 against 380-395 saves per second). Timed once,
    in the server, for every worker it forks (a disk does not change speed)."""
    try:
        DISK.slow = disk.sync_seconds(settings.HOME) >= SLOW_SYNC_SECONDS
    except OSError as error:
        log.warning("Could not time the disk of %s: %s", settings.HOME, error)
        DISK.slow = False


def _choose_head_writing() -> None:
    """In each worker, after the fork: its own thread behind the requests, on a slow disk."""
    if DISK.slow:
        audit_actions.move_heads_behind()


def worker_stops(server: object = None, worker: object = None) -> None:
    """Gunicorn's ``worker_exit``, in a worker that stops (recycled, or the box stopped): the
    audit's head file moved past every commit it made."""
    if not audit_actions.flush_heads(timeout=HEAD_FLUSH_SECONDS):
        log.warning("The audit head file was not moved past this worker's last commits.")


def request_begins(worker: object, request: object) -> None:
    """Gunicorn's ``pre_request``, in the thread that answers."""
    QUIET.begin()


def request_ends(worker: object, request: object, environ: object, response: object) -> None:
    """Gunicorn's ``post_request``, run whatever happened to the request."""
    QUIET.end()


class Command(CartableCommand):
    help = "Serve the box on the local network (a production server, not runserver)."
    requires_system_checks = "__all__"  # the configuration every other command runs on

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--bind", default=settings.SERVE_BIND, help="ADDRESS:PORT")
        parser.add_argument("--workers", type=int, default=settings.SERVE_WORKERS)
        parser.add_argument("--threads", type=int, default=settings.SERVE_THREADS)
        parser.add_argument(
            "--access-log", action="store_true", help="Log every request to standard error."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if ensure_collected():
            self.stderr.write("Static files collected.")
        sweep()  # what processes stopped by a crash or a power cut left
        resume = settings.WORKER_ON_DEMAND and work_left()
        # Workers are forked from this process: none may inherit its database connection.
        close_connections()
        # One memory pool for all the threads of each worker, so that a trim reaches all of it
        # (set before the fork, inherited by the workers).
        heap.one_pool()
        close_without_waiting()
        time_disk()
        # One worker per core this process may run on (a box's cores, or fewer under
        # taskset or a container's CPU set), not per core of the machine.
        workers = options["workers"] or len(os.sched_getaffinity(0))
        threads = options["threads"]
        self.stderr.write(
            f"Cartable serving on http://{options['bind']} "
            f"({workers} workers × {threads} threads, data in {settings.HOME})"
        )
        BoxServer(
            {
                **({"when_ready": _resume_jobs} if resume else {}),
                "bind": options["bind"],
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                # Load Django once, then fork: workers share its memory and start at once.
                "preload_app": True,
                # Recycle workers now and then so that memory stays flat over months of uptime.
                "max_requests": 5000,
                "max_requests_jitter": 500,
                "timeout": 120,
                "graceful_timeout": 20,
                "keepalive": settings.SERVE_KEEPALIVE,
                # A threaded worker accepts connections only while it has a free thread, so the
                # other worker takes the rest: otherwise one greedy worker queues most of a
                # class's requests on a single core (measured: p99 doubled at 50 users).
                "worker_connections": threads,
                "accesslog": "-" if options["access_log"] else None,
                "errorlog": "-",
                "loglevel": "warning",
                "proc_name": "cartable",
                # Heartbeat files in memory, not on the SD card of a Raspberry Pi.
                "worker_tmp_dir": str(SHM) if SHM.is_dir() else None,
                "pre_fork": before_fork,
                # Each web worker looks every few seconds for periodic tasks (closing quiz
                # attempts whose time is up); a file lock lets only one of them run each.
                "post_worker_init": start_periodic,
                "worker_exit": worker_stops,
                "pre_request": request_begins,
                "post_request": request_ends,
            }
        ).run()
