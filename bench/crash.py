"""Crash bench: kill real `cartable import` processes (SIGKILL) at the named points of their
work, N times, let the box recover each time, and count how often it came out as one clean
import (same database rows, no temporary file, search entries there, audit chain verified, no
orphan blob). The harness is tests/crash.py; tests/test_crash.py runs each point once.

    python bench/crash.py --runs 50              # points in turn, over the corpus backups
    python bench/crash.py --runs 10 --point before_commit --seed 7
    python bench/crash.py --target exchange --runs 50   # a bundle's apply (and writing)

With ``--target exchange`` each run draws at random one of: a hub applying the box's work
bundle (with files), the box applying the hub's acknowledgement, the box writing its work
bundle; and a point of that work (tests/crash.py: APPLY_POINTS, ACK_POINTS, EXPORT_POINTS).
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.crash import (  # noqa: E402
    ACK_POINTS,
    APPLY_POINTS,
    CORPUS,
    EXPORT_POINTS,
    IMPORT_POINTS,
    Outcome,
    clean_apply,
    clean_export,
    clean_import,
    content_files,
    crash_and_recover,
    crash_apply_and_recover,
    crash_export_and_recover,
    prepare_exchange,
)

EXCHANGE_CASES = (
    [("work", point) for point in APPLY_POINTS]
    + [("ack", point) for point in ACK_POINTS]
    + [("export", point) for point in EXPORT_POINTS]
)


def _tally(
    counts: Counter[tuple[str, str]], label: str, outcome: Outcome, failures: list[str], run: int
) -> None:
    verdict = "ok" if not outcome.problems else "FAILED"
    reached = "killed" if outcome.killed else "not reached"
    for key in (label, "all"):
        counts[(key, reached)] += 1
        counts[(key, verdict)] += 1
    if outcome.problems:
        failures.append(f"run {run} {label}: {outcome.problems}")
    print(f"run {run:3d} {label:30s} {verdict}", flush=True)


def _report(counts: Counter[tuple[str, str]], labels: list[str]) -> None:
    for label in (*labels, "all"):
        row = {key: counts[(label, key)] for key in ("killed", "not reached", "ok", "FAILED")}
        print(f"{label:30s} " + "  ".join(f"{key} {value}" for key, value in row.items()))


def exchange(runs: int, chance: random.Random) -> int:
    counts: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cartable-crash-") as folder:
        work = Path(folder)
        prepared = prepare_exchange(work / "prepared")
        clean_work = clean_apply(prepared.hub, work / "clean-work", prepared.work)
        clean_ack = clean_apply(prepared.box_sent, work / "clean-ack", prepared.ack)
        clean_out = clean_export(prepared.box, work / "clean-out" / "box", work / "clean-out" / "s")
        for run in range(runs):
            what, point = chance.choice(EXCHANGE_CASES)
            here = work / f"run{run}"
            if what == "work":
                outcome = crash_apply_and_recover(
                    prepared.hub, here, prepared.work, point, clean_work
                )
            elif what == "ack":
                outcome = crash_apply_and_recover(
                    prepared.box_sent, here, prepared.ack, point, clean_ack
                )
            else:
                outcome = crash_export_and_recover(prepared, here, point, clean_out, clean_work)
            _tally(counts, f"{what} {point}", outcome, failures, run)
    print(f"\n{runs} runs in {time.monotonic() - started:.0f} s")
    _report(counts, [f"{what} {point}" for what, point in EXCHANGE_CASES])
    for failure in failures:
        print(failure)
    return 1 if failures else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--point", choices=IMPORT_POINTS, help="Always this point.")
    parser.add_argument(
        "--backup", action="append", type=Path, help="A course backup (default: the corpus)."
    )
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument(
        "--target",
        choices=("import", "exchange"),
        default="import",
        help="What is killed: a course import (the default) or an exchange bundle's apply.",
    )
    options = parser.parse_args()
    if options.target == "exchange":
        return exchange(options.runs, random.Random(options.seed))
    backups = options.backup or CORPUS
    chance = random.Random(options.seed)
    counts: Counter[tuple[str, str]] = Counter()
    failures: list[str] = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="cartable-crash-") as folder:
        work = Path(folder)
        clean = {}
        for number, backup in enumerate(backups):
            home = work / f"clean{number}"
            clean[backup] = (clean_import(home, backup), content_files(home))
        for run in range(options.runs):
            point = options.point or IMPORT_POINTS[run % len(IMPORT_POINTS)]
            backup = chance.choice(backups)
            home = work / f"run{run}"
            state, files = clean[backup]
            outcome = crash_and_recover(home, backup, point, state)
            if content_files(home) != files:
                outcome.problems.append("the content store differs (orphan or missing blob)")
            verdict = "ok" if not outcome.problems else "FAILED"
            reached = "killed" if outcome.killed else "not reached"  # no file to store, say
            counts[(point, reached)] += 1
            counts[("all", reached)] += 1
            counts[(point, verdict)] += 1
            counts[("all", verdict)] += 1
            if outcome.problems:
                failures.append(f"run {run} {point} {backup.name}: {outcome.problems}")
            print(f"run {run:3d} {point:14s} {backup.name:45s} {verdict}", flush=True)
    print(f"\n{options.runs} runs in {time.monotonic() - started:.0f} s")
    for point in (*IMPORT_POINTS, "all"):
        row = {key: counts[(point, key)] for key in ("killed", "not reached", "ok", "FAILED")}
        print(f"{point:14s} " + "  ".join(f"{key} {value}" for key, value in row.items()))
    for failure in failures:
        print(failure)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
