"""Data folders for tests that run real `cartable` processes: a migrated empty database, made
once for every test process of the same code and copied into each new folder.

Any `cartable` command run on an empty data folder first migrates it (tests/test_cli.py checks
that, on a really empty folder); the migrations cost about three seconds of CPU each time, more
than most of these tests' own work. A migrated empty database holds nothing of its folder (the
secret key, the audit key and the exchange identity are files the first command makes, and the
migrations' data steps only write the empty audit chain head), so copying it gives the folder
what the first command's migrations would have given it.
"""

from __future__ import annotations

import atexit
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

from tests import forked, migrateddb

ROOT = Path(__file__).resolve().parent.parent
DATABASE = "cartable.sqlite3"

_template: Path | None = None


def template() -> Path:
    """The migrated empty database (made on first use, once for every test process of the
    same code: kept beside the test database's, tests/migrateddb.py)."""
    global _template
    if _template is None:
        kept = migrateddb.KEPT / f"datafolder-{migrateddb.digest()}.sqlite3"
        with migrateddb.locked(kept.stem):
            if not kept.exists():
                home = Path(tempfile.mkdtemp(prefix="cartable-migrated-"))
                atexit.register(shutil.rmtree, home, ignore_errors=True)
                subprocess.run(
                    [sys.executable, "-m", "cartable", "migrate", "-v", "0"],
                    env=forked.environment(CARTABLE_HOME=str(home)),
                    capture_output=True,
                    check=True,
                    timeout=600,
                    cwd=ROOT,
                )
                database = home / DATABASE
                # Everything in the one file (WAL checkpointed), so that a copy is complete.
                with sqlite3.connect(database) as connection:
                    connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                connection.close()
                partial = kept.with_suffix(".partial")
                shutil.copyfile(database, partial)
                partial.rename(kept)
                migrateddb.forget_others("datafolder-", kept.stem)
        _template = kept
    return _template


def migrated(home: Path) -> Path:
    """Make ``home`` a new data folder holding a migrated empty database; return it."""
    home.mkdir(parents=True, exist_ok=True)
    target = home / DATABASE
    if target.exists():
        raise FileExistsError(f"{home} already has a database")
    shutil.copyfile(template(), target)
    return home
