"""cartable worker: run background jobs (course imports).

By default the box starts a worker only when there is work: the page that queues a job starts
`cartable worker --once`, which runs every waiting job and exits, so an idle box spends no
memory on it. A deployment may instead keep one running (`cartable worker`, without --once,
with CARTABLE_WORKER=off for the web side). Only one worker runs at a time on a data folder.
"""

from __future__ import annotations

import signal
import time
from argparse import ArgumentParser
from types import FrameType
from typing import Any

from django.db import close_old_connections

from cartable.commands import CartableCommand
from cartable.jobs import followups, periodic, runner
from cartable.jobs.models import Job
from cartable.jobs.sweep import sweep


class Command(CartableCommand):
    help = "Run background jobs (course imports)."
    # No system checks (CartableCommand): `cartable serve`, which starts this worker, has run
    # them. A one-shot worker spawned at each server start then ends sooner and costs less.

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
        sweep()
        if options["once"]:
            self._once()
            return
        lock = runner.worker_lock()
        if lock is None:
            self.stderr.write("Another worker is already running on this data folder.")
            return
        runner.recover_interrupted(everything=True)  # we hold the lock: no other worker runs
        while not stopping:
            close_old_connections()
            runner.recover_interrupted()
            followups.run_rows()  # what a crash left undone after a commit
            periodic.run_due()
            if not runner.run_pending(limit=1):
                time.sleep(options["interval"])

    def _once(self) -> None:
        while True:
            lock = runner.worker_lock()
            if lock is None:
                return  # the running worker will see our jobs
            try:
                runner.recover_interrupted(everything=True)
                followups.run_rows()
                runner.run_pending()
            finally:
                lock.close()
            # A job queued while we were letting go of the lock would find it held and
            # count on us: look once more.
            if not Job.objects.filter(status=Job.Status.QUEUED).exists():
                return
