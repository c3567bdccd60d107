"""The box's own identity, kept in the data folder (``exchange_identity``, mode 0600), never in
the database: a database backup or dump does not carry the private keys."""

from __future__ import annotations

import stat
from pathlib import Path

from django.conf import settings

from cartable.exchange.wire.keys import PrivateIdentity, parse_private
from cartable.lib.home import write_once

FILE = "exchange_identity"


class IdentityError(Exception):
    pass


def path() -> Path:
    return Path(settings.HOME) / FILE


def exists() -> bool:
    return path().exists()


def load(*, create: bool = False) -> PrivateIdentity:
    """The box's key pairs; ``create`` makes them on first use (two processes starting
    together agree on one: the file is written aside, then linked into place)."""
    target = path()
    if not target.exists():
        if not create:
            raise IdentityError(str(target))
        _create(target)
    mode = stat.S_IMODE(target.stat().st_mode)
    if mode & 0o077:
        raise IdentityError(f"{target} is readable by others (mode {mode:o}): chmod 600 it")
    return parse_private(target.read_text(encoding="ascii"))


def _create(target: Path) -> None:
    write_once(target, PrivateIdentity.generate().text() + "\n")
