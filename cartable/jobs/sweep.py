"""Removing what dead processes left in the data folder: unpacked work folders under the
temporary root, files the content store was writing (``content/.incoming-…``), uploads a
request was receiving (``tmp/upload-….upload``) and uploads kept for a job that a request died
before recording (``imports/….upload``). Each is locked by the process that made it while it
lives (``cartable.lib.scratch``), so a sweep never touches a live job's files; a kept upload is
also kept while a waiting or running job names it. Run when the server starts, when a worker
starts and before each job (and each command-line import or exchange)."""

from __future__ import annotations

import logging
import os
from contextlib import AbstractContextManager
from pathlib import Path

from django.conf import settings

from cartable.audit.actions import record
from cartable.jobs import uploads
from cartable.jobs.models import Job
from cartable.lib import scratch

logger = logging.getLogger(__name__)

AUDIT_FROM_ENTRIES = 3  # a sweep that removes this many things or more is audited


def sweep() -> scratch.Swept:
    """Remove the dead processes' leftovers; log (and audit, if many) the space freed."""
    work = scratch.sweep_workdirs(Path(settings.TMP_ROOT))
    incoming = scratch.sweep_incoming(Path(settings.CONTENT_ROOT))
    sent = scratch.sweep_incoming(
        Path(settings.FILE_UPLOAD_TEMP_DIR), uploads.PREFIX, uploads.SUFFIX
    ) + _sweep_kept_uploads(kept_uploads_folder())
    swept = work + incoming + sent
    if swept.entries:
        logger.warning(
            "removed %d temporary folder(s), %d incoming file(s) and %d upload(s) left by "
            "stopped processes: %d files, %d bytes freed",
            work.entries,
            incoming.entries,
            sent.entries,
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
                "uploads": sent.entries,
                "files": swept.files,
                "bytes": swept.bytes,
            },
        )
    return swept


def workdir(prefix: str) -> AbstractContextManager[Path]:
    """A locked work folder under the temporary root (removed after the block)."""
    return scratch.workdir(Path(settings.TMP_ROOT), prefix)


def kept_uploads_folder() -> Path:
    """Where an upload waits for its job (``imports/``)."""
    return Path(settings.HOME) / "imports"


def _named_by_live_jobs() -> set[str]:
    payloads = Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING]).values_list(
        "payload", flat=True
    )
    return {Path(str(p["path"])).name for p in payloads if isinstance(p, dict) and p.get("path")}


def _sweep_kept_uploads(folder: Path) -> scratch.Swept:
    """Remove the kept uploads that no live process holds (the request that kept one holds it
    until its job is recorded) and that no waiting or running job names. Each is locked
    before the jobs are read, so a job recorded by a request that has just let go is seen."""
    swept = scratch.Swept()
    if not folder.is_dir():
        return swept
    held: list[tuple[int, Path]] = []
    try:
        for path in sorted(folder.glob("*" + uploads.SUFFIX)):
            try:
                fd = os.open(path, os.O_RDONLY)
            except (FileNotFoundError, IsADirectoryError):
                continue
            if scratch.try_lock(fd) and scratch.holds(fd, path):
                held.append((fd, path))
            else:
                os.close(fd)
        if held:
            named = _named_by_live_jobs()
            for _fd, path in held:
                if path.name not in named:
                    swept += scratch.remove(path)
    finally:
        for fd, _path in held:
            os.close(fd)
    return swept
