"""The data folder (CARTABLE_HOME): database, content store, keys. Created on first use."""

from __future__ import annotations

import contextlib
import os
import secrets
import tempfile
from pathlib import Path

SECRET_KEY_FILE = "secret_key"  # noqa: S105  (a file name)


def default_home() -> Path:
    """``$XDG_DATA_HOME/cartable``, that is ``~/.local/share/cartable`` on most systems."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "cartable"


def prepare(home: Path) -> Path:
    """Create the data folder and its sub-folders (readable by the owner only)."""
    home = home.expanduser().resolve()
    for sub in ("", "content", "tmp", "static"):
        (home / sub).mkdir(mode=0o700, parents=True, exist_ok=True)
    return home


def secret_key(home: Path) -> str:
    """Read the key kept in the data folder, generating it on first use.

    A new key is written to a private temporary file and then hard-linked into place, which
    fails if the file exists: two processes starting together agree on one, complete, key.
    """
    path = home / SECRET_KEY_FILE
    if not path.exists():
        write_once(path, secrets.token_urlsafe(64) + "\n")
    key = path.read_text(encoding="ascii").strip()
    if len(key) < 50:
        raise ValueError(f"{path} holds a key too short to be safe; delete it to make a new one")
    return key


def write_once(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` unless it exists, readable by the owner only: written to a
    private temporary file (mode 0600), synced, then hard-linked into place, which fails if the
    file exists, so two processes starting together agree on one complete file (the first)."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(tmp, path)
    finally:
        Path(tmp).unlink()
