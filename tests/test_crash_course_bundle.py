"""Crash-safe course bundles: a real `cartable exchange import` of a course bundle on the box,
killed (SIGKILL) at each named point of its apply, then run again, ends as one clean apply: the
same exchange rows and course rows (the course waiting for review once), the same content
store (no orphan, none missing), nothing temporary left, the audit chain verified, and the same
bundle once more changing nothing. The harness is tests/crash.py."""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.crash import (
    APPLY_POINTS,
    CORPUS,
    _checked,
    cartable,
    clean_apply,
    crash_apply_and_recover,
    dump,
    prepare_exchange,
)

pytestmark = pytest.mark.slow

BACKUP = next(path for path in CORPUS if "multiple_mod_types" in path.name)


@dataclass
class Prepared:
    box: Path  # the box, the hub registered
    course: Path  # the hub's course bundle for it


@pytest.fixture(scope="module")
def prepared(tmp_path_factory: pytest.TempPathFactory) -> Prepared:
    folder = tmp_path_factory.mktemp("courses")
    exchange = prepare_exchange(folder)
    hub = folder / "hub-course"
    shutil.copytree(exchange.hub, hub, symlinks=True)
    out = _checked(cartable(hub, "import", str(BACKUP), "--publish", "--json"))
    shortname = json.loads(out)["course"]["shortname"]
    _checked(cartable(hub, "exchange", "offer", "--course", shortname, "--to", "box-caen"))
    course = folder / "stick" / "course-1"
    _checked(
        cartable(hub, "exchange", "export", "--to", "box-caen", "--kind", "course", str(course))
    )
    return Prepared(box=exchange.box, course=course)


@pytest.fixture(scope="module")
def clean(prepared: Prepared, tmp_path_factory: pytest.TempPathFactory):
    home = tmp_path_factory.mktemp("clean") / "box"
    state, files = clean_apply(prepared.box, home, prepared.course)
    return (state, files), dump(home)


@pytest.mark.parametrize("point", APPLY_POINTS)
def test_a_killed_course_bundle_apply_leaves_the_box_as_one_clean_apply(
    point: str, prepared: Prepared, clean, tmp_path: Path
) -> None:
    exchange_state, courses = clean
    assert exchange_state[1], "the clean apply stored the course's files"
    assert courses["courses"] and courses["activities"]
    assert {row[2] for row in courses["courses"]} == {"pending_review"}
    home = tmp_path / "box"
    outcome = crash_apply_and_recover(prepared.box, home, prepared.course, point, exchange_state)
    assert outcome.killed, f"the apply never reached {point!r}"
    assert outcome.problems == []
    assert dump(home) == courses
