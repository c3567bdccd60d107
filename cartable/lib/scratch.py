"""Temporary files that a later process can tell from a live one's: each is held by an
exclusive ``flock`` for as long as the process that made it lives (the kernel lets go of the
lock when the process dies, even by SIGKILL or a power cut), so a sweep removes exactly what
dead processes left.

- A work folder ``root/<prefix>XXXX/`` is paired with its lock file ``root/<prefix>XXXX.lock``,
  locked before the folder exists and removed after it.
- An incoming file (a blob being written, ``.incoming-XXXX``) is locked itself.

A sweeper takes a candidate's lock; if it gets it, the owner is gone. The owner checks after
locking that the path it locked still names its file (a sweeper may have removed a file made a
moment before it was locked) and starts again if not.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

LOCK_SUFFIX = ".lock"
INCOMING_PREFIX = ".incoming-"


@dataclass(frozen=True)
class Swept:
    entries: int = 0  # folders and files removed
    files: int = 0  # files among them, those in the folders included
    bytes: int = 0

    def __add__(self, other: Swept) -> Swept:
        return Swept(
            self.entries + other.entries, self.files + other.files, self.bytes + other.bytes
        )


def _try_lock(fd: int) -> bool:
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True


def _same_file(fd: int, path: Path) -> bool:
    try:
        on_disk = path.stat()
    except FileNotFoundError:
        return False
    held = os.fstat(fd)
    return (held.st_dev, held.st_ino) == (on_disk.st_dev, on_disk.st_ino)


def try_lock(fd: int) -> bool:
    """Take ``fd``'s exclusive lock if no other holder has it."""
    return _try_lock(fd)


def remove(path: Path) -> Swept:
    """Remove a file or folder; what it took."""
    return _remove(path)


def holds(fd: int, path: Path) -> bool:
    """Whether ``path`` still names the file open (and locked) as ``fd``."""
    return _same_file(fd, path)


def locked_temp_file(root: Path, prefix: str, suffix: str = "") -> tuple[int, Path]:
    """A new file in ``root``, open and locked by this process: (descriptor, path)."""
    while True:
        fd, name = tempfile.mkstemp(dir=root, prefix=prefix, suffix=suffix)
        path = Path(name)
        fcntl.flock(fd, fcntl.LOCK_EX)
        if _same_file(fd, path):
            return fd, path
        os.close(fd)  # swept between its making and its locking: make another


@contextlib.contextmanager
def workdir(root: Path, prefix: str) -> Iterator[Path]:
    """A work folder under ``root``, locked while the block runs and removed after it."""
    root.mkdir(parents=True, exist_ok=True)
    fd, lock = locked_temp_file(root, prefix, LOCK_SUFFIX)
    folder = lock.with_name(lock.name.removesuffix(LOCK_SUFFIX))
    try:
        folder.mkdir(mode=0o700)
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        with contextlib.suppress(FileNotFoundError):
            lock.unlink()
        os.close(fd)


def _size(path: Path) -> tuple[int, int]:
    """(files, bytes) under ``path`` (a file or a folder), symbolic links not followed."""
    if path.is_symlink() or not path.is_dir():
        with contextlib.suppress(OSError):
            return 1, path.lstat().st_size
        return 0, 0
    files = size = 0
    for folder, _dirs, names in os.walk(path):
        for name in names:
            with contextlib.suppress(OSError):
                size += (Path(folder) / name).lstat().st_size
                files += 1
    return files, size


def _remove(path: Path) -> Swept:
    files, size = _size(path)
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(FileNotFoundError):
            path.unlink()
    return Swept(1, files, size)


def sweep_workdirs(root: Path) -> Swept:
    """Remove the work folders under ``root`` whose lock no live process holds, and folders
    with no lock file at all (none is made without one)."""
    swept = Swept()
    if not root.is_dir():
        return swept
    locks = sorted(root.glob("*" + LOCK_SUFFIX))
    for lock in locks:
        try:
            fd = os.open(lock, os.O_RDWR)
        except FileNotFoundError:
            continue
        try:
            if not _try_lock(fd) or not _same_file(fd, lock):
                continue  # alive, or removed by its owner meanwhile
            folder = lock.with_name(lock.name.removesuffix(LOCK_SUFFIX))
            if folder.exists():
                swept += _remove(folder)
            lock.unlink()
        finally:
            os.close(fd)
    for entry in sorted(root.iterdir()):
        lonely = not entry.with_name(entry.name + LOCK_SUFFIX).exists()
        if entry.is_dir() and not entry.is_symlink() and lonely:
            swept += _remove(entry)
    return swept


def sweep_incoming(root: Path, prefix: str = INCOMING_PREFIX, suffix: str = "") -> Swept:
    """Remove the files directly under ``root`` named ``prefix…suffix`` (incoming files by
    default) that no live writer holds."""
    swept = Swept()
    if not root.is_dir():
        return swept
    for path in sorted(root.glob(prefix + "*" + suffix)):
        try:
            fd = os.open(path, os.O_RDONLY)
        except (FileNotFoundError, IsADirectoryError):
            continue
        try:
            if _try_lock(fd) and _same_file(fd, path):
                swept += _remove(path)
        finally:
            os.close(fd)
    return swept
