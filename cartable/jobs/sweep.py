"""Removing what dead processes left in the data folder: unpacked work folders under the
temporary root, and files the content store was writing (``content/.incoming-…``). Each is
locked by the process that made it while it lives (``cartable.lib.scratch``), so a sweep never
touches a live job's files. Run when the server starts, when a worker starts and before each
job (and each command-line import)."""

from __future__ import annotations

import logging
from contextlib import AbstractContextManager
from pathlib import Path

from django.conf import settings

from cartable.audit.actions import record
from cartable.lib import scratch

logger = logging.getLogger(__name__)

AUDIT_FROM_ENTRIES = 3  # a sweep that removes this many things or more is audited


def sweep() -> scratch.Swept:
    """Remove the dead processes' leftovers; log (and audit, if many) the space freed."""
    work = scratch.sweep_workdirs(Path(settings.TMP_ROOT))
    incoming = scratch.sweep_incoming(Path(settings.CONTENT_ROOT))
    swept = work + incoming
    if swept.entries:
        logger.warning(
            "removed %d temporary folder(s) and %d incoming file(s) left by stopped processes: "
            "%d files, %d bytes freed",
            work.entries,
            incoming.entries,
            swept.files,
            swept.bytes,
        )
    if swept.entries >= AUDIT_FROM_ENTRIES:
        record(
            "box.temporary_files_removed",
            actor=None,
            details={
                "folders": work.entries,
                "incoming": incoming.entries,
                "files": swept.files,
                "bytes": swept.bytes,
            },
        )
    return swept


def workdir(prefix: str) -> AbstractContextManager[Path]:
    """A locked work folder under the temporary root (removed after the block)."""
    return scratch.workdir(Path(settings.TMP_ROOT), prefix)
