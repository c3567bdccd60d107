"""A test hook for crash tests: ``CARTABLE_CRASH_AT=<point>`` makes the process kill itself
(SIGKILL, as a power cut would stop it) when it reaches the named point. Unset, it does nothing.

Points: ``start``, ``unpacked``, ``storing`` (while writing a file to the content store),
``stored``, ``before_commit``, ``after_commit``, ``indexing``.
"""

from __future__ import annotations

import os
import signal

WHERE = os.environ.get("CARTABLE_CRASH_AT", "")


def point(name: str) -> None:
    if name == WHERE:
        os.kill(os.getpid(), signal.SIGKILL)
