"""cartable worker: run background jobs (imports). `cartable serve` starts one."""

from __future__ import annotations

import fcntl
import signal
import time
from argparse import ArgumentParser
from pathlib import Path
from types import FrameType
from typing import Any

from django.conf import settings
from django.db import close_old_connections

from cartable.jobs import runner
from cartable.web.commands import CartableCommand


class Command(CartableCommand):
    help = "Run background jobs (course imports) as they arrive."

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
        # One worker per box: a second one would take the first one's running jobs for
        # interrupted ones.
        lock = (Path(settings.HOME) / ".worker.lock").open("w")
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            self.stderr.write("Another worker is already running on this data folder.")
            return
        runner.recover_interrupted()
        if options["once"]:
            runner.run_pending()
            return
        while not stopping:
            close_old_connections()
            if not runner.run_pending(limit=1):
                time.sleep(options["interval"])
