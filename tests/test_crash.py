"""Crash-safe imports: a real `cartable import` killed (SIGKILL) at each named point of its
work, then the box recovering (the next import sweeps what the dead one left, does what it
left undone after its commit and imports again): the database equals one clean import, no
temporary file remains, the search has the course and the audit chain verifies."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash import (
    CORPUS,
    IMPORT_POINTS,
    clean_import,
    content_files,
    crash_and_recover,
    crash_worker_and_recover,
)

pytestmark = pytest.mark.slow

BACKUP = next(path for path in CORPUS if "multiple_mod_types" in path.name)  # with files


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, object], list[str]]:
    home = tmp_path_factory.mktemp("clean")
    return clean_import(home, BACKUP), content_files(home)


@pytest.mark.parametrize("point", IMPORT_POINTS)
def test_a_killed_import_leaves_the_box_as_one_clean_import(
    point: str, clean: tuple[dict[str, object], list[str]], tmp_path: Path
) -> None:
    state, files = clean
    outcome = crash_and_recover(tmp_path / "box", BACKUP, point, state)
    assert outcome.killed, f"the import never reached {point!r}"
    assert outcome.problems == []
    assert content_files(tmp_path / "box") == files  # no orphan blob either


@pytest.mark.parametrize("point", ["unpacked", "before_commit", "indexing", "after_commit"])
def test_a_killed_worker_leaves_the_box_as_one_clean_import_and_reports_it(
    point: str, clean: tuple[dict[str, object], list[str]], tmp_path: Path
) -> None:
    state, _files = clean
    outcome, job = crash_worker_and_recover(tmp_path / "box", BACKUP, point, state)
    assert outcome.killed, f"the worker never reached {point!r}"
    assert outcome.problems == []
    assert (job["status"], job["attempts"]) == ("succeeded", 2)
    result = job["result"]
    assert isinstance(result, dict)
    assert result["course"]["created"]  # the import that took effect, not a no-op re-import
    assert result["changes"]["activities"]["added"]
