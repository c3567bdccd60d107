"""The quiz class scenario: a class takes the same quiz for minutes on end; does memory stay flat?

    python bench/load.py --only quiz-class                  # 30 learners, 10 minutes (~12 min)
    python bench/load.py --only quiz-class --quiz-minutes 1 # a short check (~3 min)

``--quiz-class`` learners (30) each sign in at a random moment of the first minute, open the
bench quiz of the big course (ten questions on two pages) and start an attempt; then, as a
learner does, each saves the page's answers every few seconds (a think time drawn between 3 and
7 s), the browser following the answer's redirect (a GET of the page), now and then moving to the
other page of the attempt; after a number of saves (drawn between 6 and 12) the learner opens the
summary, submits the attempt, reads where the box sends them and starts a new attempt. So
attempts, their question rows, the audit and the engine's kept replays grow as in real use.

Meanwhile the server tree's PSS is sampled every ``--quiz-sample`` seconds (10). What is
reported: the series, the values at the start (before the class), after the first minute (the
class signed in, every cache warm) and at the end, the highest, and the slope over the second
half of the run (least squares, MB per minute): memory is *flat* when what the class keeps
doing does not make it grow.
"""

from __future__ import annotations

import asyncio
import random
import re
import threading
import time
from dataclasses import dataclass, field

import httpload
import procmem
import quizload

THINK = (3.0, 7.0)  # seconds between two saves of a learner, drawn uniformly
SAVES_PER_ATTEMPT = (6, 12)  # saves before the learner submits the attempt
MOVE_CHANCE = 0.3  # a save that also moves to the attempt's other page


@dataclass
class QuizClassOutcome:
    starts: list[float] = field(default_factory=list)  # POST start, seconds
    saves: list[float] = field(default_factory=list)  # POST of a page's answers
    pages: list[float] = field(default_factory=list)  # GET of an attempt page
    finishes: list[float] = field(default_factory=list)  # POST of the summary (submit)
    sign_ins: list[float] = field(default_factory=list)
    attempts_done: int = 0
    requests: int = 0  # every GET and POST answered, sign-ins included
    errors: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0
    client_cpu: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


class Series:
    """The server tree's memory every ``interval`` seconds, in a background thread:
    (seconds since the start, PSS sum in MB)."""

    def __init__(self, roots: list[int], interval: float = 10.0) -> None:
        self.roots, self.interval = roots, interval
        self.points: list[tuple[float, float]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = 0.0

    def _run(self) -> None:
        while True:
            now = procmem.sample(*self.roots)
            self.points.append((round(time.monotonic() - self._started, 1), round(now.pss_mb, 1)))
            if self._stop.wait(self.interval):
                return

    def __enter__(self) -> Series:
        self._started = time.monotonic()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        now = procmem.sample(*self.roots)  # the end, whatever the interval's phase
        self.points.append((round(time.monotonic() - self._started, 1), round(now.pss_mb, 1)))


def slope_per_minute(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of (seconds, MB) points, in MB per minute; None under two distinct
    times."""
    if len(points) < 2:
        return None
    n = len(points)
    mean_t = sum(t for t, _ in points) / n
    mean_v = sum(v for _, v in points) / n
    spread = sum((t - mean_t) ** 2 for t, _ in points)
    if spread == 0:
        return None
    return 60.0 * sum((t - mean_t) * (v - mean_v) for t, v in points) / spread


def value_at(points: list[tuple[float, float]], seconds: float) -> float | None:
    """The first sample taken at or after ``seconds`` (the last one if none)."""
    if not points:
        return None
    return next((v for t, v in points if t >= seconds), points[-1][1])


def memory_summary(
    points: list[tuple[float, float]], settle: float = 60.0, until: float | None = None
) -> dict:
    """Start, after ``settle`` seconds, end, highest, and the slope over the second half, of
    the samples taken until ``until`` seconds (the class's end: a sample taken after it, the
    server gone quiet, shows the allocator's trim, not what the class holds)."""
    if until is not None:
        points = [(t, v) for t, v in points if t <= until]
    if not points:
        return {"samples": 0}
    end_t = points[-1][0]
    second_half = [(t, v) for t, v in points if t >= end_t / 2]
    slope = slope_per_minute(second_half)
    after = value_at(points, settle)
    return {
        "samples": len(points),
        "start_mb": points[0][1],
        "after_first_minute_mb": after,
        "end_mb": points[-1][1],
        "max_mb": max(v for _, v in points),
        "growth_after_first_minute_mb": round(points[-1][1] - after, 1)
        if after is not None
        else None,
        "slope_second_half_mb_per_min": round(slope, 2) if slope is not None else None,
    }


async def _request(outcome, conn, method, path, cookies, form=None) -> httpload.Response:
    async with asyncio.timeout(httpload.REQUEST_TIMEOUT):
        answer = await conn.request(method, path, cookies=cookies, form=form)
    cookies.update(answer.cookies())
    outcome.requests += 1
    return answer


QUIZ_FORM_RE = re.compile(rb'<form\b[^>]*class="quiz-form".*?</form>', re.S)


def quiz_form(page: bytes) -> bytes:
    """The attempt's own form: the page holds others (the language menu's hidden ``next``
    would read as the "Next page" button, and on the last page send the learner to the
    summary)."""
    match = QUIZ_FORM_RE.search(page)
    if match is None:
        raise httpload.Failure("no quiz form")
    return match[0]


def _page_number(location: str) -> int:
    return int(location.rstrip("/").rsplit("/", 1)[1])


async def _attempt(conn, cookies, rng: random.Random, end: float, outcome) -> None:
    """One attempt, from the start to its submission (or the end of the run)."""
    loop = asyncio.get_running_loop()
    quiz = await _request(outcome, conn, "GET", quizload.QUIZ["path"], cookies)
    if quiz.status != 200:
        raise httpload.Failure(f"quiz page {quiz.status}")
    form = {"csrfmiddlewaretoken": quizload._token(quiz.body)}
    started = await _request(outcome, conn, "POST", quizload.QUIZ["path"] + "start/", cookies, form)
    location = started.header("location") or ""
    if started.status != 302 or "/pages/" not in location:
        raise httpload.Failure(f"start {started.status} {location}")
    outcome.starts.append(started.elapsed)
    base = location.split("/pages/")[0]
    page = _page_number(location)
    for turn in range(rng.randint(*SAVES_PER_ATTEMPT)):
        shown = await _request(outcome, conn, "GET", f"{base}/pages/{page}/", cookies)
        if shown.status != 200:
            raise httpload.Failure(f"attempt page {shown.status}")
        outcome.pages.append(shown.elapsed)
        await asyncio.sleep(rng.uniform(*THINK))
        if loop.time() >= end:
            return  # the attempt stays open, as a learner's at the bell
        answers = quizload.answers(quiz_form(shown.body), turn + rng.randrange(2))
        moving = rng.random() < MOVE_CHANCE
        if moving:
            answers["goto"] = str(3 - page)  # the other of the two pages
        saved = await _request(outcome, conn, "POST", f"{base}/pages/{page}/", cookies, answers)
        location = saved.header("location") or ""
        if saved.status != 302 or "/pages/" not in location:
            raise httpload.Failure(f"save {saved.status} {location}")
        outcome.saves.append(saved.elapsed)
        page = _page_number(location)
    summary = await _request(outcome, conn, "GET", f"{base}/summary/", cookies)
    if summary.status != 200:
        raise httpload.Failure(f"summary {summary.status}")
    form = {"csrfmiddlewaretoken": quizload._token(summary.body), "finish": "1"}
    done = await _request(outcome, conn, "POST", f"{base}/summary/", cookies, form)
    if done.status != 302:
        raise httpload.Failure(f"finish {done.status}")
    outcome.finishes.append(done.elapsed)
    after = await _request(outcome, conn, "GET", done.header("location") or "/", cookies)
    if after.status != 200:
        raise httpload.Failure(f"after finish {after.status}")
    outcome.attempts_done += 1


async def learner(host, port, account, ramp: float, end: float, rng, outcome) -> None:
    loop = asyncio.get_running_loop()
    await asyncio.sleep(rng.uniform(0, ramp))
    conn = httpload.Connection(host, port)
    try:
        async with asyncio.timeout(httpload.REQUEST_TIMEOUT):
            answer, cookies = await httpload.sign_in(conn, *account)
        outcome.sign_ins.append(answer.elapsed)
    except (httpload.Failure, OSError, TimeoutError, ValueError) as exc:
        outcome.error(f"sign-in: {exc or type(exc).__name__}")
        await conn.close()
        return
    while loop.time() < end:
        try:
            await _attempt(conn, cookies, rng, end, outcome)
        except httpload.Failure as exc:
            outcome.error(str(exc))
            await asyncio.sleep(rng.uniform(*THINK))  # no hammering after an error
        except (OSError, TimeoutError, ValueError, EOFError) as exc:
            outcome.error(type(exc).__name__)
            await conn.close()
            await asyncio.sleep(rng.uniform(*THINK))
        else:
            await asyncio.sleep(rng.uniform(*THINK))  # reads the result before starting again
    await conn.close()


async def run(
    host: str,
    port: int,
    accounts: list[tuple[str, str]],
    *,
    size: int,
    ramp: float,
    duration: float,
    seed: int = 11,
) -> QuizClassOutcome:
    """``size`` learners (accounts taken in order) for ``duration`` seconds, the first
    ``ramp`` of which they arrive in."""
    outcome = QuizClassOutcome()
    rng = random.Random(seed)
    end = asyncio.get_running_loop().time() + duration
    started, cpu = time.perf_counter(), httpload.cpu_seconds()
    await asyncio.gather(
        *(
            learner(
                host,
                port,
                accounts[index % len(accounts)],
                ramp,
                end,
                random.Random(rng.random()),
                outcome,
            )
            for index in range(size)
        )
    )
    outcome.wall = time.perf_counter() - started
    outcome.client_cpu = httpload.cpu_seconds() - cpu
    return outcome


def latencies(values: list[float]) -> dict:
    ordered = sorted(values)
    return {
        "count": len(ordered),
        "p50_ms": round(httpload.percentile(ordered, 0.50) * 1000.0, 1),
        "p99_ms": round(httpload.percentile(ordered, 0.99) * 1000.0, 1),
        "max_ms": round((ordered[-1] if ordered else 0.0) * 1000.0, 1),
    }


def summarise(outcome: QuizClassOutcome) -> dict:
    wall = outcome.wall or 1.0
    return {
        "starts": latencies(outcome.starts),
        "saves": latencies(outcome.saves),
        "pages": latencies(outcome.pages),
        "finishes": latencies(outcome.finishes),
        "sign_ins": latencies(outcome.sign_ins),
        "attempts_done": outcome.attempts_done,
        "requests": outcome.requests + 2 * len(outcome.sign_ins),
        "rps": round((outcome.requests + 2 * len(outcome.sign_ins)) / wall, 1),
        "errors": sum(outcome.errors.values()),
        "error_kinds": dict(outcome.errors),
        "wall_s": round(outcome.wall, 1),
        "client_cpu_s": round(outcome.client_cpu, 2),
    }
