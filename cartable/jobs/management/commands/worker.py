"""cartable worker: run background jobs (course imports).

By default the box starts a worker only when there is work: the page that queues a job starts
`cartable worker --once`, which runs every waiting job and exits, so an idle box spends no
memory on it. A deployment may instead keep one running (`cartable worker`, without --once,
with CARTABLE_WORKER=off for the web side). Only one worker runs at a time on a data folder.
"""

from __future__ import annotations

import fcntl
import signal
import time
from argparse import ArgumentParser
from pathlib import Path
from types import FrameType
from typing import IO, Any

from django.conf import settings
from django.db import close_old_connections

from cartable.commands import CartableCommand
from cartable.jobs import periodic, runner
from cartable.jobs.models import Job


def _lock() -> IO[str] | None:
    """The worker lock, or None when another worker holds it."""
    handle = (Path(settings.HOME) / ".worker.lock").open("w")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        return None
    return handle


class Command(CartableCommand):
    help = "Run background jobs (course imports)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--once", action="store_true", help="Run the waiting jobs, then stop.")
        parser.add_argument(
            "--interval", type=float, default=1.0, help="Seconds between looks at the queue."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        stopping = False

        def stop(signum: int, frame: FrameType | None) -> None:
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        if options["once"]:
            self._once()
            return
        lock = _lock()
        if lock is None:
            self.stderr.write("Another worker is already running on this data folder.")
            return
        runner.recover_interrupted()
        while not stopping:
            close_old_connections()
            periodic.run_due()
            if not runner.run_pending(limit=1):
                time.sleep(options["interval"])

    def _once(self) -> None:
        while True:
            lock = _lock()
            if lock is None:
                return  # the running worker will see our jobs
            try:
                runner.recover_interrupted()
                runner.run_pending()
            finally:
                lock.close()
            # A job queued while we were letting go of the lock would find it held and
            # count on us: look once more.
            if not Job.objects.filter(status=Job.Status.QUEUED).exists():
                return
