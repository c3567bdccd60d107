"""Collect static files only when they changed: a box must start fast."""

from __future__ import annotations

import hashlib
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles.finders import get_finders
from django.core.management import call_command

STAMP = ".cartable-collected"


def fingerprint() -> str:
    digest = hashlib.sha256()
    for finder in get_finders():
        for path, storage in finder.list([]):
            stat = Path(storage.path(path)).stat()
            digest.update(f"{path}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def ensure_collected() -> bool:
    """Run collectstatic if the sources changed since the last run; True if it ran."""
    root = Path(settings.STATIC_ROOT)
    stamp = root / STAMP
    current = fingerprint()
    if stamp.is_file() and stamp.read_text().strip() == current:
        return False
    call_command("collectstatic", interactive=False, verbosity=0, clear=True)
    stamp.write_text(current + "\n")
    return True
