"""Crash-safe exchange: a real `cartable exchange import` killed (SIGKILL) at each named point of
a bundle's apply, on the hub (a work bundle with files) and on the box (an acknowledgement), then
the same bundle applied again: the database equals one clean apply (the same received entries,
outbox entries marked sent as a clean run marks them, the bundle in the history once), the
content store holds the same files (no orphan blob), nothing temporary remains, the audit chain
verifies and the bundle applied once more changes nothing. Writing a bundle killed anywhere
leaves the box as one clean export and a bundle the hub applies. The harness is tests/crash.py,
the import's (tests/test_crash.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.crash import (
    ACK_POINTS,
    APPLY_POINTS,
    EXPORT_POINTS,
    Exchange,
    clean_apply,
    clean_export,
    crash_apply_and_recover,
    crash_export_and_recover,
    prepare_exchange,
)

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Exchange:
    return prepare_exchange(tmp_path_factory.mktemp("exchange"))


@pytest.fixture(scope="module")
def clean_work(
    prepared: Exchange, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, object], list[str]]:
    return clean_apply(prepared.hub, tmp_path_factory.mktemp("clean") / "hub", prepared.work)


@pytest.mark.parametrize("point", APPLY_POINTS)
def test_a_killed_work_apply_leaves_the_hub_as_one_clean_apply(
    point: str, prepared: Exchange, clean_work, tmp_path: Path
) -> None:
    state, files = clean_work
    assert state["received"] and len(files) == 2  # the entries and their two files
    outcome = crash_apply_and_recover(
        prepared.hub, tmp_path / "hub", prepared.work, point, clean_work
    )
    assert outcome.killed, f"the apply never reached {point!r}"
    assert outcome.problems == []


@pytest.mark.parametrize("point", ACK_POINTS)
def test_a_killed_acknowledgement_leaves_the_box_as_one_clean_apply(
    point: str, prepared: Exchange, tmp_path: Path
) -> None:
    clean = clean_apply(prepared.box_sent, tmp_path / "clean", prepared.ack)
    state = clean[0]
    assert len(state["sent"]) == 4  # every outbox entry marked sent by the clean run
    outcome = crash_apply_and_recover(
        prepared.box_sent, tmp_path / "box", prepared.ack, point, clean
    )
    assert outcome.killed, f"the apply never reached {point!r}"
    assert outcome.problems == []


@pytest.mark.parametrize("point", EXPORT_POINTS)
def test_a_killed_export_leaves_the_box_as_one_clean_export_and_a_bundle_that_applies(
    point: str, prepared: Exchange, clean_work, tmp_path: Path
) -> None:
    clean = clean_export(prepared.box, tmp_path / "clean" / "box", tmp_path / "clean" / "stick")
    assert clean["history"] == [["out", "hub-lille", "work", 1, "done", "", 4, 2]]
    outcome = crash_export_and_recover(prepared, tmp_path / "run", point, clean, clean_work)
    assert outcome.killed, f"the export never reached {point!r}"
    assert outcome.problems == []
