"""Periodic tasks: work the box does every few minutes while it serves, such as closing the quiz
attempts whose time is up that nobody comes back to.

Apps register a task with ``every`` (in their ``AppConfig.ready``). ``cartable serve`` starts a
small thread in each of its web workers (``start_thread``) and a long-running ``cartable
worker`` looks at them between jobs; each look calls ``run_due``, which takes a file lock in the
data folder without waiting (so only one process runs the tasks at a time, the others skip) and
runs each task whose last run, kept as a time stamp file, is older than its period. A task that
fails is logged and tried again at its next period; it never stops the thread.
"""

from __future__ import annotations

import fcntl
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connections
from django.utils import timezone

logger = logging.getLogger(__name__)

LOOK_EVERY = 20.0  # seconds between two looks of a serving process


@dataclass(frozen=True, slots=True)
class Task:
    name: str
    seconds: float
    run: Callable[[datetime], object]


TASKS: dict[str, Task] = {}


def every(name: str, seconds: float, run: Callable[[datetime], object]) -> None:
    """Run ``run(now)`` about every ``seconds`` while the box serves."""
    TASKS[name] = Task(name, seconds, run)


def _folder() -> Path:
    folder = Path(settings.HOME) / ".periodic"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _last(stamp: Path) -> float | None:
    try:
        return float(stamp.read_text())
    except (OSError, ValueError):
        return None


def run_due(now: datetime | None = None) -> list[str]:
    """Run the tasks whose period has passed since their last run; the names of those run.
    Nothing when another process is running them right now."""
    now = now or timezone.now()
    folder = _folder()
    with (folder / "lock").open("w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return []
        ran = []
        for task in list(TASKS.values()):
            stamp = folder / task.name
            last = _last(stamp)
            if last is not None and 0 <= now.timestamp() - last < task.seconds:
                continue
            stamp.write_text(str(now.timestamp()))
            try:
                task.run(now)
            except Exception:
                logger.exception("periodic task %s failed", task.name)
            ran.append(task.name)
        return ran


def _loop(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        try:
            close_old_connections()
            run_due()
        except Exception:
            logger.exception("periodic tasks failed")
        finally:
            connections.close_all()  # this thread's connections only: none kept between looks


def start_thread(interval: float = LOOK_EVERY) -> threading.Event:
    """Look at the tasks every ``interval`` seconds in a daemon thread of this process (a web
    worker of ``cartable serve``, after it forked); set the returned event to stop it."""
    stop = threading.Event()
    threading.Thread(
        target=_loop, args=(stop, interval), name="cartable-periodic", daemon=True
    ).start()
    return stop
