"""Targets, the readable tables and the JSON file of a benchmark run."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
from datetime import datetime
from pathlib import Path

# The targets of the performance issue, for a 2-core box.
HOME_RPS_MIN = 200.0  # learner home page, 50 concurrent users
HOME_P99_MAX_MS = 250.0
IDLE_PSS_MAX_MB = 100.0
COLD_START_MAX_S = 3.0
NOISY_CORES = 0.10  # other programs using more than this (in cores) make a measurement doubtful
LOUD = "!" * 78


def machine_info(bin_dir: Path) -> dict:
    versions = subprocess.run(
        [
            str(bin_dir / "python"),
            "-c",
            "import sys, django, gunicorn, granian; "
            "print(sys.version.split()[0], django.__version__, gunicorn.__version__, "
            "granian.__version__)",
        ],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    names = ("server_python", "django", "gunicorn", "granian")
    meminfo = Path("/proc/meminfo").read_text().split("\n", 1)[0].split()
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next(
        (line.split(":", 1)[1].strip() for line in cpuinfo.splitlines() if "model name" in line),
        "?",
    )
    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": model,
        "memory_total_mb": round(int(meminfo[1]) / 1024),
        "loadavg_at_start": os.getloadavg(),
        "platform": platform.platform(),
        "harness_python": platform.python_version(),
        **dict(zip(names, versions, strict=False)),
    }


def targets(run: dict) -> list[dict]:
    """PASS/FAIL of each target for one server configuration (FAIL when not measured)."""
    home = next(
        (s for s in run["scenarios"] if s["name"] == "learner home" and s["concurrency"] == 50),
        None,
    )
    cold = max(run["cold_start_s"]) if run["cold_start_s"] else None
    idle = run["memory"]["idle"]["pss_mb"] if run["memory"] else None
    checks = [
        (
            "learner home c=50 throughput",
            f">= {HOME_RPS_MIN:.0f} req/s",
            home and home["rps"],
            home is not None and home["errors"] == 0 and home["rps"] >= HOME_RPS_MIN,
        ),
        (
            "learner home c=50 p99",
            f"< {HOME_P99_MAX_MS:.0f} ms",
            home and home["p99_ms"],
            home is not None and home["errors"] == 0 and home["p99_ms"] < HOME_P99_MAX_MS,
        ),
        (
            "idle memory (PSS sum)",
            f"< {IDLE_PSS_MAX_MB:.0f} MB",
            idle,
            idle is not None and idle < IDLE_PSS_MAX_MB,
        ),
        (
            "cold start (worst)",
            f"< {COLD_START_MAX_S:.0f} s",
            cold,
            cold is not None and cold < COLD_START_MAX_S,
        ),
    ]
    return [
        {"target": n, "limit": limit, "value": v, "pass": bool(ok)} for n, limit, v, ok in checks
    ]


def is_noisy(scenario: dict) -> bool:
    wall = scenario.get("wall_s") or 0.0
    return bool(wall) and scenario["other_cpu_s"] / wall > NOISY_CORES


def progress_line(s: dict) -> str:
    return (
        f"   {s['name']:<13} c={s['concurrency']:<3} {s['rps']:8.1f} req/s"
        f"  p99 {s['p99_ms']:7.1f} ms  errors {s['errors']}"
        + ("  (machine busy with other programs)" if is_noisy(s) else "")
    )


def scenario_table(scenarios: list[dict]) -> str:
    head = f"{'scenario':<14}{'c':>4}{'req/s':>9}{'p50 ms':>9}{'p90 ms':>9}{'p99 ms':>9}"
    head += f"{'max ms':>9}{'ok':>8}{'errors':>8}{'client':>8}{'server':>8}{'others':>8}"
    lines = [head, "-" * len(head)]
    for s in scenarios:
        if s.get("skipped"):
            lines.append(f"{s['name']:<14}{s['concurrency']:>4}   SKIPPED ({s['skipped']})")
            continue
        wall = s["wall_s"] or 1.0
        lines.append(
            f"{s['name']:<14}{s['concurrency']:>4}{s['rps']:>9.1f}{s['p50_ms']:>9.1f}"
            f"{s['p90_ms']:>9.1f}{s['p99_ms']:>9.1f}{s['max_ms']:>9.1f}{s['ok']:>8}"
            f"{s['errors']:>8}{s['client_cpu_s'] / wall:>8.0%}{s['server_cpu_s'] / wall:>8.0%}"
            f"{s['other_cpu_s'] / wall:>8.0%}" + ("  <- noisy" if is_noisy(s) else "")
        )
    lines.append("(client, server, others: CPU used during the window, in % of one core)")
    retried = [
        f"{s['name']} c={s['concurrency']}: {s['reconnects']}"
        for s in scenarios
        if s.get("reconnects")
    ]
    if retried:
        lines.append(
            f"(kept-alive connections closed by the server, GET retried once: {', '.join(retried)})"
        )
    return "\n".join(lines)


def run_text(run: dict) -> str:
    mem = run["memory"]
    colds = ", ".join(f"{value:.2f}" for value in run["cold_start_s"])
    parts = [
        f"== {run['server']['label']}  ({' '.join(run['server']['argv'][1:])})",
        f"first start on an empty data folder: {run['first_start_s']:.2f} s;"
        f" cold starts: {colds} s (after one warm-up start)",
        f"other programs before the start: {run['background_cores_before']:.0%} of a core",
    ]
    rows = [
        ("idle", "idle"),
        ("idle_web_server", "  web server"),
        ("idle_job_worker", "  job worker"),
    ]
    rows += [("peak", "peak under load"), ("after", "after load")]
    for key, title in rows:
        if key not in mem:
            continue
        one = mem[key]
        procs = f", {one['processes']:.0f} processes" if "processes" in one else ""
        parts.append(
            f"memory {title:<16} RSS sum {one['rss_mb']:7.1f} MB   PSS sum {one['pss_mb']:7.1f} MB{procs}"
        )
    parts += ["", scenario_table(run["scenarios"]), ""]
    for t in run["targets"]:
        value = "not measured" if t["value"] is None else t["value"]
        parts.append(
            f"  [{'PASS' if t['pass'] else 'FAIL'}] {t['target']:<30} {t['limit']:<14} measured {value}"
        )
    return "\n".join(parts)


def pick(run: dict, name: str, concurrency: int) -> dict:
    wanted = (s for s in run["scenarios"] if s["name"] == name and s["concurrency"] == concurrency)
    found = next(wanted, None)
    return found if found and not found.get("skipped") else {}


def comparison_text(runs: list[dict]) -> str:
    top = max((s["concurrency"] for r in runs for s in r["scenarios"]), default=50)
    head = (
        f"{'server':<26}{'cold s':>7}{'idle PSS':>9}{'peak PSS':>9}"
        f"{'login pg':>10}{'sign-ins':>10}{'home c1':>9}{'home c' + str(top):>10}"
        f"{'p99 ms':>8}{'errors':>8}  targets"
    )
    lines = [
        f"Comparison (req/s at c={top} unless noted; memory in MB; p99 is learner home at c={top})",
        head,
        "-" * len(head),
    ]
    for run in runs:
        home = pick(run, "learner home", top)
        passed = sum(t["pass"] for t in run["targets"])
        lines.append(
            f"{run['server']['label']:<26}{max(run['cold_start_s'], default=0):>7.2f}"
            f"{run['memory']['idle']['pss_mb']:>9.1f}{run['memory']['peak']['pss_mb']:>9.1f}"
            f"{pick(run, 'login page', top).get('rps', 0):>10.1f}"
            f"{pick(run, 'sign-in POST', top).get('rps', 0):>10.1f}"
            f"{pick(run, 'learner home', 1).get('rps', 0):>9.1f}{home.get('rps', 0):>10.1f}"
            f"{home.get('p99_ms', 0):>8.1f}{run['errors']:>8}  {passed}/{len(run['targets'])} PASS"
        )
    return "\n".join(lines)


def write_json(document: dict, out_dir: Path) -> Path:
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = out_dir / f"load-{stamp}.json"
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
    return path


def problems(document: dict) -> list[str]:
    """What makes the numbers of a run invalid or incomplete, or doubtful, said plainly."""
    found = []
    for run in document["runs"]:
        label = run["server"]["label"]
        if run["errors"]:
            kinds = {}
            for s in run["scenarios"]:
                for kind, count in s.get("error_kinds", {}).items():
                    kinds[f"{s['name']} c={s['concurrency']}: {kind}"] = count
            found.append(f"{label}: {run['errors']} REQUESTS FAILED, numbers not valid: {kinds}")
        if run["skipped"]:
            found.append(f"{label}: {run['skipped']} scenario levels SKIPPED (budget spent)")
    if document["not_measured"]:
        found.append(f"NOT MEASURED (budget spent): {', '.join(document['not_measured'])}")
    return found


def noise(document: dict) -> list[str]:
    return [
        f"{run['server']['label']}: other programs used > {NOISY_CORES:.0%} of a core during "
        f"{', '.join(run['noisy'])}: those numbers are doubtful; run again on a quiet machine"
        for run in document["runs"]
        if run["noisy"]
    ]


def warn(message: str) -> None:
    print(f"\n{LOUD}\n!! {message}\n{LOUD}\n", file=sys.stderr, flush=True)
