"""Helpers for the importer tests: a fresh work folder and a one-call import of a built backup."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from cartable.importers import registry
from cartable.importers.model import ImportResult
from cartable.lib.archive import DEFAULT_LIMITS

from .builder import Backup

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mbz"


@pytest.fixture
def import_backup(tmp_path: Path) -> Callable[..., ImportResult]:
    """Build ``backup`` as an .mbz of ``flavour`` and import it into a fresh work folder."""
    counter = iter(range(1000))

    def run(backup: Backup, flavour: str = "zip") -> ImportResult:
        n = next(counter)
        path = backup.build(tmp_path / f"built{n}.mbz", flavour)
        return registry.load(path, tmp_path / f"work{n}", DEFAULT_LIMITS)

    return run
