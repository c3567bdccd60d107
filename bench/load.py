"""Load benchmark of a Cartable box: cold start, memory, and three pages under load.

    python bench/load.py                                  # cartable serve (gunicorn), 2 x 4
    python bench/load.py --server granian --workers 1 --threads 4
    python bench/load.py --matrix                         # the preset comparison (~15 min)

Runs on loopback only, on a fresh temporary data folder, and stops by itself: every scenario
lasts --duration seconds (or --max-requests requests) and the whole run --budget seconds at most.
See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import classroom
import harness
import httpload
import procmem
import quizclass
import quizload
import report

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
MATRIX = "gunicorn:2x4,gunicorn:2x1,gunicorn:3x2,granian:1x4,granian:2x4"
ATTEMPTS = quizload.Attempts()  # each learner's open attempt, for the quiz scenarios
SCENARIOS = (
    # The bare rows: a view that answers "ok" with no template and no query of its own,
    # through the same server and middleware; with a learner's session it costs what every
    # signed-in request costs before any page's own work.
    ("ok, anonymous", lambda accounts: httpload.make_get(harness.HEALTH_PATH, signed_in=False)),
    ("ok, signed in", lambda accounts: httpload.make_get(harness.HEALTH_PATH)),
    ("login page", lambda accounts: httpload.get_login_page),
    ("sign-in POST", httpload.make_sign_in),
    ("learner home", lambda accounts: httpload.get_home),
    ("course page", lambda accounts: httpload.make_get(harness.PATHS["course"])),
    ("activity page", lambda accounts: httpload.make_get(harness.PATHS["activity"])),
    ("search", lambda accounts: httpload.make_get(harness.PATHS["search"])),
    ("document", lambda accounts: httpload.make_get(harness.PATHS["document"])),
    # A class takes a quiz (bench/quizload.py): start an attempt, show a page, save answers.
    ("quiz start", lambda accounts: quizload.make_start()),
    ("quiz page", lambda accounts: quizload.make_page(ATTEMPTS)),
    ("answer save", lambda accounts: quizload.make_save(ATTEMPTS)),
)
OPTIONS_RECORDED = (
    "learners",
    "levels",
    "duration",
    "warmup",
    "max_requests",
    "cold_starts",
    "budget",
    "host",
    "env",
    "retries",
    "wait_quiet",
    "class_sizes",
    "class_cpus",
    "think",
    "ramp",
    "class_duration",
    "quiz_class",
    "quiz_minutes",
    "quiz_sample",
    "quiz_cpus",
)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--server", choices=("gunicorn", "granian"), default="gunicorn")
    add("--workers", type=int, default=2, help="worker processes (default 2)")
    add("--threads", type=int, default=4, help="threads per worker (default 4)")
    add("--matrix", nargs="?", const=MATRIX, metavar="KIND:WxT,...", help=f"default: {MATRIX}")
    add("--learners", type=int, default=200, help="learner accounts (default 200)")
    add("--concurrency", default="1,10,50", help="levels (default 1,10,50)")
    add("--duration", type=float, default=10.0, help="seconds per scenario and level")
    add("--warmup", type=float, default=1.0, help="unmeasured seconds before each")
    add("--max-requests", type=int, default=50_000, help="cap per scenario and level")
    add("--cold-starts", type=int, default=3, help="measured starts (default 3)")
    add("--budget", type=float, help="seconds for the whole run (default 900 per server)")
    add("--retries", type=int, default=2, help="new tries of a window disturbed by others")
    add("--wait-quiet", type=float, default=60.0, help="seconds to wait for an idle machine")
    add("--host", default="127.0.0.1", help="127.0.0.1 or ::1, nothing else")
    add("--bin-dir", type=Path, default=REPO / ".venv" / "bin")
    add("--output", type=Path, default=BENCH_DIR / "results")
    add("--env", action="append", default=[], metavar="KEY=VALUE", help="for the server")
    add("--keep", action="store_true", help="keep the temporary data folders and logs")
    add("--check", action="store_true", help="exit 3 when a target fails")
    add("--class-sizes", default="100,200,300,400", help="learners in the class scenario")
    add("--class-cpus", default="0;0,1", help="cores for its servers, ';' between (1 and 2)")
    add("--think", type=float, default=10.0, help="mean think time, seconds (default 10)")
    add("--ramp", type=float, default=20.0, help="seconds over which a class signs in")
    add("--class-duration", type=float, default=40.0, help="measured seconds after the ramp")
    add(
        "--only",
        choices=("pages", "class", "quiz-class"),
        help="run only the page scenarios, the class, or the quiz class (not run otherwise)",
    )
    add("--quiz-class", type=int, default=30, help="learners taking the quiz (default 30)")
    add("--quiz-minutes", type=float, default=10.0, help="minutes of the quiz class (10)")
    add("--quiz-sample", type=float, default=10.0, help="seconds between memory samples (10)")
    add("--quiz-cpus", default="", help="cores for its server (e.g. 0); default: all")
    add(
        "--scenarios",
        help="only these page scenarios, ';' between (e.g. 'ok, anonymous;quiz page')",
    )
    args = parser.parse_args(argv)

    httpload.check_loopback(args.host)
    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key or key == "DATABASE_URL":
            parser.error(f"--env wants KEY=VALUE (and no DATABASE_URL), not {item!r}")
        harness.EXTRA_ENV[key] = value
    known = {name for name, _step in SCENARIOS}
    unknown = {n.strip() for n in (args.scenarios or "").split(";") if n.strip()} - known
    if unknown:
        parser.error(f"no scenario named {', '.join(sorted(unknown))}; known: {'; '.join(known)}")
    args.levels = sorted({int(level) for level in args.concurrency.split(",")})
    args.sizes = sorted({int(size) for size in args.class_sizes.split(",") if size.strip()})
    args.cpu_sets = [cpus.strip() for cpus in args.class_cpus.split(";") if cpus.strip()]
    if args.only in ("pages", "quiz-class"):
        args.sizes = []
    args.quiz = args.only == "quiz-class"
    if args.quiz and not (args.quiz_class >= 1 and args.quiz_minutes > 0 and args.quiz_sample > 0):
        parser.error("--quiz-class, --quiz-minutes and --quiz-sample must be positive")
    if args.learners <= max(args.levels):
        parser.error(
            "--learners must be more than the highest concurrency level (the sign-in scenario signs in learners the page scenarios do not hold)"
        )
    # Every learner of the largest class has an account of their own.
    args.learners = max(args.learners, *args.sizes) if args.sizes else args.learners
    if args.matrix:
        args.configs = [parse_config(item) for item in args.matrix.split(",")]
    else:
        args.configs = [harness.ServerConfig(args.server, args.workers, args.threads)]
    if args.only in ("class", "quiz-class"):
        args.configs = []
    if args.quiz:
        args.learners = max(args.learners, args.quiz_class)
    per_class = args.ramp + args.class_duration + 15.0
    class_budget = per_class * len(args.sizes) * len(args.cpu_sets) + 60.0 * len(args.cpu_sets)
    quiz_budget = args.quiz_minutes * 60.0 + 180.0 if args.quiz else 0.0
    args.budget = args.budget or 900.0 * len(args.configs) + class_budget + quiz_budget
    return args


def parse_config(text: str) -> harness.ServerConfig:
    kind, _, shape = text.strip().partition(":")
    workers, _, threads = shape.partition("x")
    if kind not in ("gunicorn", "granian") or not workers.isdigit() or not threads.isdigit():
        raise SystemExit(
            f"bad configuration {text!r}: write KIND:WORKERSxTHREADS, e.g. granian:1x4"
        )
    return harness.ServerConfig(kind, int(workers), int(threads))


def wait_quiet(limit: float) -> float:
    """Wait (up to ``limit`` seconds) until other programs use < 10 % of a core; the load
    they leave is returned, in cores, for the record."""
    waited_until = time.monotonic() + limit
    while True:
        busy = procmem.machine_busy_s()
        time.sleep(2.0)
        load = (procmem.machine_busy_s() - busy) / 2.0
        if load < report.NOISY_CORES or time.monotonic() > waited_until:
            return round(load, 2)
        print(f"   (machine busy: {load:.0%} of a core used by others; waiting)", flush=True)


async def presign(server: harness.Server, accounts: list, count: int) -> list[dict]:
    """One signed-in session per virtual user of the home page scenario, checked once."""
    sessions = []
    for index in range(count):
        conn = httpload.Connection(server.host, server.port)
        try:
            _, cookies = await httpload.sign_in(conn, *accounts[index % len(accounts)])
            home = await conn.request("GET", "/", cookies=cookies)
        finally:
            await conn.close()
        if home.status != 200 or harness.HOME_MARKER not in home.body:
            raise SystemExit(f"learner home page broken: {home.status}\n{home.body[:2000]!r}")
        sessions.append(cookies)
    return sessions


async def measure(args, server, roots, name, step, sessions, level, seconds) -> dict:
    """One scenario at one concurrency level: warm-up, then the measured window. ``roots`` are
    the processes whose trees count as the server (its own and the job worker's)."""
    users = [
        httpload.VirtualUser(i, httpload.Connection(server.host, server.port), dict(sessions[i]))
        for i in range(level)
    ]
    if args.warmup > 0:
        await httpload.drive(step, users, args.warmup, args.max_requests)
    server_cpu, busy = procmem.sample(*roots).cpu_s, procmem.machine_busy_s()
    by_process = procmem.cpu_by_process(*roots)
    outcome = await httpload.drive(step, users, seconds, args.max_requests)
    server_cpu = procmem.sample(*roots).cpu_s - server_cpu
    shares = procmem.cpu_by_process(*roots)
    shares = sorted((cpu - by_process.get(pid, 0.0) for pid, cpu in shares.items()), reverse=True)
    other_cpu = procmem.machine_busy_s() - busy - server_cpu - outcome.client_cpu
    for user in users:
        await user.conn.close()
    result = {"name": name, "concurrency": level, **httpload.summarise(outcome)}
    result["server_cpu_s"] = round(server_cpu, 2)
    result["other_cpu_s"] = round(max(0.0, other_cpu), 2)
    result["process_cpu_s"] = [round(cpu, 2) for cpu in shares]  # busiest first
    print(report.progress_line(result), flush=True)
    return result


async def load_phase(args, server: harness.Server, roots: list[int], deadline) -> list[dict]:
    """Every scenario at every concurrency level, against one running server."""
    accounts = harness.learner_accounts(args.learners)
    held = max(args.levels)
    if len(accounts) <= held:
        raise SystemExit(
            f"--learners {args.learners}: more than {held} are needed (the page scenarios hold "
            f"{held} sessions; the sign-in scenario signs in the others)"
        )
    sessions = await presign(server, accounts, held)
    # A box keeps one session per learner (a new sign-in ends the other): the sign-in
    # scenario signs in only learners whose sessions the page scenarios do not hold.
    others = accounts[held:]
    ATTEMPTS.clear()  # attempts of another server's data folder
    results = []
    wanted = {name.strip() for name in args.scenarios.split(";")} if args.scenarios else None
    for name, make_step in SCENARIOS:
        if wanted is not None and name not in wanted:
            continue
        step = make_step(others)
        for level in args.levels:
            seconds = min(args.duration, deadline - time.monotonic())
            if seconds < max(1.0, args.duration / 2):
                results.append({"name": name, "concurrency": level, "skipped": "budget spent"})
                continue
            measured = (args, server, roots, name, step, sessions, level, seconds)
            result = await measure(*measured)
            for _ in range(args.retries):  # measured while other programs ran: try again
                left = deadline - time.monotonic() - args.wait_quiet
                if not report.is_noisy(result) or left < seconds:
                    break
                wait_quiet(args.wait_quiet)
                again = await measure(*measured)
                result = min(result, again, key=lambda one: one["other_cpu_s"] / one["wall_s"])
            results.append(result)
    return results


def run_config(args, config, template: Path, work: Path, deadline) -> dict:
    """Starts, memory and load of one server configuration, on its own copy of the data."""
    slug = f"{config.kind}-{config.workers}x{config.threads}"
    log, host, bin_dir = work / f"{slug}.log", args.host, args.bin_dir
    print(f"\n-- {config.label}: starts", flush=True)
    background = wait_quiet(args.wait_quiet)
    first = harness.first_start(config, bin_dir, work / f"{slug}-empty", host, log)
    home = harness.copy_home(template, work / f"{slug}-home")
    harness.cold_start(config, bin_dir, home, host, log)  # warm-up: page cache, bytecode
    colds = [harness.cold_start(config, bin_dir, home, host, log) for _ in range(args.cold_starts)]

    print(f"-- {config.label}: load", flush=True)
    # Background jobs run in a worker started on demand (none at idle): the server's process
    # tree is the whole box.
    with harness.Server(config, bin_dir, home, host, log) as server:
        server.wait_ready()
        time.sleep(2.0)  # let the workers settle before the idle reading
        roots = [server.pid]
        memory = {"idle": procmem.sample(*roots).as_dict()}
        with procmem.PeakSampler(roots) as peak:
            scenarios = asyncio.run(load_phase(args, server, roots, deadline))
        memory.update(peak=peak.as_dict(), after=procmem.sample(*roots).as_dict())
    run = {
        "server": {
            "kind": config.kind,
            "workers": config.workers,
            "threads": config.threads,
            "label": config.label,
            "argv": [Path(server.argv[0]).name, *server.argv[1:]],
        },
        "background_cores_before": background,
        "first_start_s": round(first, 3),
        "cold_start_s": [round(value, 3) for value in colds],
        "cold_start_median_s": round(statistics.median(colds), 3) if colds else None,
        "memory": memory,
        "scenarios": scenarios,
        "errors": sum(s.get("errors", 0) for s in scenarios),
        "skipped": sum(1 for s in scenarios if s.get("skipped")),
        "noisy": [f"{s['name']} c={s['concurrency']}" for s in scenarios if report.is_noisy(s)],
    }
    run["targets"] = report.targets(run)
    return run


def idle_sample(roots: list[int], processes: int, limit: float = 30.0) -> procmem.Sample:
    """The tree at rest: once no process runs beside the master and its ``processes - 1``
    web workers (a job worker the server started at start ends when it finds nothing), or
    after ``limit`` seconds; otherwise the idle reading would hold a passing worker's memory
    and what a class leaves would look smaller than it is."""
    until = time.monotonic() + limit
    while (now := procmem.sample(*roots)).processes > processes and time.monotonic() < until:
        time.sleep(0.5)
    return now


QUIET_S = 5.0  # seconds of quiet before an idle reading after load (a worker trims after 2)


def run_classes(args, cpus: str, template: Path, work: Path, deadline) -> dict:
    """The class scenario, growing class sizes, on one server pinned to ``cpus`` with as
    many workers as `cartable serve` starts there; stops at the first size over the limit."""
    config = harness.ServerConfig("gunicorn", 0, args.threads, cpus=cpus)
    slug = f"class-{cpus.replace(',', '-')}"
    log = work / f"{slug}.log"
    home = harness.copy_home(template, work / f"{slug}-home")
    accounts = harness.learner_accounts(args.learners)
    print(f"\n-- class scenario: {config.label}", flush=True)
    background = wait_quiet(args.wait_quiet)
    classes = []
    with harness.Server(config, args.bin_dir, home, args.host, log) as server:
        server.wait_ready()
        time.sleep(2.0)
        roots = [server.pid]
        memory = {"idle": idle_sample(roots, 1 + len(cpus.split(","))).as_dict()}
        asyncio.run(
            classroom.first_visit(
                server.host, server.port, accounts[-1], harness.PATHS["course"], harness.ACTIVITIES
            )
        )
        time.sleep(QUIET_S)  # quiet, as between two classes
        memory["first_visit"] = procmem.sample(*roots).as_dict()
        with procmem.PeakSampler(roots) as peak:
            for size in args.sizes:
                if time.monotonic() + args.ramp + args.class_duration > deadline:
                    classes.append({"size": size, "skipped": "budget spent"})
                    continue
                before, busy = procmem.sample(*roots).cpu_s, procmem.machine_busy_s()
                outcome = asyncio.run(
                    classroom.run_class(
                        server.host,
                        server.port,
                        accounts,
                        harness.PATHS["course"],
                        harness.ACTIVITIES,
                        size=size,
                        think=args.think,
                        ramp=args.ramp,
                        duration=args.class_duration,
                    )
                )
                result = {"size": size, **classroom.summarise(outcome, args.class_duration)}
                server_cpu = procmem.sample(*roots).cpu_s - before
                other = procmem.machine_busy_s() - busy - server_cpu - outcome.client_cpu
                result["wall_s"] = round(outcome.wall, 1)
                result["server_cpu_s"] = round(server_cpu, 2)
                result["other_cpu_s"] = round(max(0.0, other), 2)
                result["pss_mb_after"] = procmem.sample(*roots).pss_mb
                classes.append(result)
                print(report.class_line(result), flush=True)
                if result["errors"] or result["p99_ms"] >= report.CLASS_P99_MAX_MS:
                    break
        memory["peak"] = peak.as_dict()
        time.sleep(QUIET_S)  # sessions idle, as after a class
        memory["after"] = procmem.sample(*roots).as_dict()
    held = [c["size"] for c in classes if report.class_holds(c)]
    return {
        "server": {"label": config.label, "cpus": cpus, "argv": server.argv[:1] + server.argv[1:]},
        "background_cores_before": background,
        "think_s": args.think,
        "ramp_s": args.ramp,
        "duration_s": args.class_duration,
        "memory": memory,
        "classes": classes,
        "held": max(held, default=0),
    }


def run_quiz_class(args, template: Path, work: Path, deadline) -> dict:
    """The quiz class (bench/quizclass.py) on `cartable serve` 2 x 4 (optionally pinned), with
    the server tree's PSS sampled all along."""
    config = harness.ServerConfig("gunicorn", 2, args.threads, cpus=args.quiz_cpus)
    log = work / "quiz-class.log"
    home = harness.copy_home(template, work / "quiz-class-home")
    accounts = harness.learner_accounts(args.learners)
    duration = min(args.quiz_minutes * 60.0, deadline - time.monotonic() - 60.0)
    print(
        f"\n-- quiz class: {config.label}, {args.quiz_class} learners, {duration:.0f} s", flush=True
    )
    background = wait_quiet(args.wait_quiet)
    with harness.Server(config, args.bin_dir, home, args.host, log) as server:
        server.wait_ready()
        time.sleep(2.0)
        roots = [server.pid]
        idle = idle_sample(roots, 1 + config.workers)
        before, busy = procmem.sample(*roots).cpu_s, procmem.machine_busy_s()
        with (
            procmem.PeakSampler(roots, interval=1.0) as peak,
            quizclass.Series(roots, args.quiz_sample) as series,
        ):
            outcome = asyncio.run(
                quizclass.run(
                    server.host,
                    server.port,
                    accounts,
                    size=args.quiz_class,
                    ramp=min(60.0, duration / 2),
                    duration=duration,
                )
            )
        server_cpu = procmem.sample(*roots).cpu_s - before
        other = procmem.machine_busy_s() - busy - server_cpu - outcome.client_cpu
        time.sleep(5.0)
        after = procmem.sample(*roots)
    result = quizclass.summarise(outcome)
    result.update(
        server={"label": config.label, "cpus": args.quiz_cpus, "argv": server.argv},
        background_cores_before=background,
        size=args.quiz_class,
        sample_s=args.quiz_sample,
        duration_s=round(duration, 1),
        server_cpu_s=round(server_cpu, 2),
        other_cpu_s=round(max(0.0, other), 2),
        memory={
            "idle": idle.as_dict(),
            "peak": peak.as_dict(),
            "after": after.as_dict(),
            "series": series.points,
            **quizclass.memory_summary(series.points, until=duration + 1.0),
        },
    )
    return result


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started = time.monotonic()
    deadline = started + args.budget
    if not (args.bin_dir / "cartable").exists():
        raise SystemExit(f"no cartable command in {args.bin_dir}; pass --bin-dir")
    work = Path(tempfile.mkdtemp(prefix="cartable-bench-"))
    document = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "machine": report.machine_info(args.bin_dir),
        "options": {key: value for key, value in vars(args).items() if key in OPTIONS_RECORDED},
        "runs": [],
        "not_measured": [],
    }
    completed = False
    try:
        print(f"Preparing a data folder with {args.learners} learners in {work} …", flush=True)
        template = work / "template"
        document["setup"] = harness.prepare_home(args.bin_dir, template, args.learners)
        for config in args.configs:
            if time.monotonic() > deadline - 60:
                document["not_measured"].append(config.label)
                continue
            run = run_config(args, config, template, work, deadline)
            document["runs"].append(run)
            print("\n" + report.run_text(run), flush=True)
        document["classes"] = []
        for cpus in args.cpu_sets if args.sizes else []:
            document["classes"].append(run_classes(args, cpus, template, work, deadline))
        if document["classes"]:
            print("\n" + report.classes_text(document["classes"]), flush=True)
        if args.quiz:
            document["quiz_class"] = run_quiz_class(args, template, work, deadline)
            print("\n" + report.quiz_class_text(document["quiz_class"]), flush=True)
        completed = True
    finally:
        document["elapsed_s"] = round(time.monotonic() - started, 1)
        document["load_generator_cpu_s"] = round(httpload.cpu_seconds(), 1)
        problems = report.problems(document)
        if args.keep or problems or not completed:
            print(f"Data folders and server logs kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    if len(document["runs"]) > 1:
        print("\n" + report.comparison_text(document["runs"]))
    document["ok"] = not problems
    path = report.write_json(document, args.output)
    print(f"\nResults: {path}")
    for problem in problems + report.noise(document):
        report.warn(problem)
    if problems:
        return 1
    checks = [t for r in document["runs"] for t in r["targets"]]
    checks += report.class_targets(document.get("classes", []))
    if document.get("quiz_class"):
        checks += report.quiz_class_targets(document["quiz_class"])
    if args.check and not all(t["pass"] for t in checks):
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
