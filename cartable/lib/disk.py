"""Small durable writes in place (``write_at``, ``flush_data``), and how long the disk of a
folder takes to make one (``sync_seconds``): ~0.1 ms on a PC's SSD or a server's disk, several
milliseconds on the SD card of a Raspberry Pi. Timed once, off any request, by what must
choose between waiting for such writes and leaving them to a thread (``cartable serve``'s
workers and the audit's head file)."""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path

BLOCK = b"\0" * 512
PROBE = ".sync-probe"  # one name: what a process killed while timing left is reused, then removed


def write_at(fd: int, content: bytes, offset: int) -> None:
    """All of ``content`` written at ``offset`` of the open file ``fd``."""
    view = memoryview(content)
    while view:
        written = os.pwrite(fd, view, offset)
        view, offset = view[written:], offset + written


def flush_data(fd: int) -> None:
    """The file's data on disk (its times may wait: nothing reads them)."""
    flush = getattr(os, "fdatasync", os.fsync)  # macOS has no fdatasync
    flush(fd)


def sync_seconds(folder: Path, samples: int = 5) -> float:
    """The median time of ``samples`` small writes made durable in a file of ``folder``
    (removed after). Processes timing the same folder at once share the file: each writes
    over the same block; the first to finish removes its name, the others go on with the file
    they opened."""
    probe = Path(folder) / PROBE
    fd = os.open(probe, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        os.write(fd, BLOCK)
        os.fsync(fd)  # the block allocated: what follows writes over it, as the head file does
        times = []
        for _ in range(samples):
            started = time.perf_counter()
            write_at(fd, BLOCK, 0)
            flush_data(fd)
            times.append(time.perf_counter() - started)
        return statistics.median(times)
    finally:
        os.close(fd)
        probe.unlink(missing_ok=True)
