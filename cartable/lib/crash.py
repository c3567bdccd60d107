"""A test hook for crash tests: ``CARTABLE_CRASH_AT=<point>`` makes the process kill itself
(SIGKILL, as a power cut would stop it) when it reaches the named point. Unset, it does nothing.

Points of a course import: ``start``, ``unpacked``, ``storing`` (while writing a file to the
content store), ``stored``, ``before_commit``, ``after_commit``, ``indexing``. Of an exchange
bundle's apply: ``apply_start``, ``apply_checked`` (the whole bundle read and checked),
``storing``, ``apply_stored`` (its files in the content store), ``apply_before_commit``,
``apply_after_commit``; of a bundle's writing: ``export_written`` (the file written aside),
``export_before_commit``, ``export_renamed`` (in place, not yet recorded),
``export_after_commit``.
"""

from __future__ import annotations

import os
import signal

WHERE = os.environ.get("CARTABLE_CRASH_AT", "")


def point(name: str) -> None:
    if name == WHERE:
        os.kill(os.getpid(), signal.SIGKILL)
