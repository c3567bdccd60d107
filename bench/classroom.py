"""A class at work: N learners sign in, then read their home, a course and its pages, pausing
between clicks as people do (the think time), for a while.

Unlike the closed loops of the page scenarios (each virtual user clicks again as soon as the
answer comes), learners here send a request only after reading the last one for a few seconds,
so the load is what N people make, and the question is how large N may grow before the
slowest answers (p99) pass the limit a learner tolerates.

Each learner arrives at a random moment of the ramp (a class does not press Enter together),
signs in on a fresh connection (GET the form, POST it), then follows home -> course -> the
course's pages one after the other (from a random one) -> home again, waiting between clicks
a think time drawn uniformly between half and one and a half times the mean. Latencies are
those of the page GETs sent after the ramp (steady state); sign-ins are reported apart.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

import httpload

PAGES_BEFORE_HOME = 6  # pages of the course read before going back to the home page


@dataclass
class ClassOutcome:
    latencies: list[float] = field(default_factory=list)  # page GETs after the ramp
    sign_ins: list[float] = field(default_factory=list)
    errors: dict[str, int] = field(default_factory=dict)
    wall: float = 0.0
    client_cpu: float = 0.0

    def error(self, kind: str) -> None:
        self.errors[kind] = self.errors.get(kind, 0) + 1


async def learner(
    host: str,
    port: int,
    account: tuple[str, str],
    course: str,
    activities: list[str],
    think: float,
    ramp: float,
    end: float,
    rng: random.Random,
    outcome: ClassOutcome,
) -> None:
    loop = asyncio.get_running_loop()
    steady = loop.time() + ramp
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
    start = rng.randrange(len(activities))
    route = ["/", course] + [
        activities[(start + i) % len(activities)] for i in range(PAGES_BEFORE_HOME)
    ]
    step = 0
    while True:
        await asyncio.sleep(think * rng.uniform(0.5, 1.5))
        if loop.time() >= end:
            break
        path = route[step % len(route)]
        step += 1
        sent = loop.time()
        try:
            async with asyncio.timeout(httpload.REQUEST_TIMEOUT):
                response = await conn.request("GET", path, cookies=cookies)
        except (OSError, TimeoutError, ValueError, EOFError) as exc:
            outcome.error(type(exc).__name__)
            await conn.close()
            continue
        if response.status != 200:
            outcome.error(f"status {response.status}")
        elif sent >= steady:
            outcome.latencies.append(response.elapsed)
    await conn.close()


async def first_visit(
    host: str, port: int, account: tuple[str, str], course: str, activities: list[str]
) -> None:
    """One learner's visit, before any class: sign in, then the home, the course and each of
    its pages once. A box that has served one visitor holds what any first request builds in
    a worker (its copies of the master's pages that Python's reference counts write to, the
    pools of its threads): the class is measured against that, not only against a server that
    has answered nothing yet. Raises on any answer but the expected one."""
    conn = httpload.Connection(host, port)
    try:
        async with asyncio.timeout(httpload.REQUEST_TIMEOUT * 4):
            _answer, cookies = await httpload.sign_in(conn, *account)
            for path in ["/", course, *activities]:
                response = await conn.request("GET", path, cookies=cookies)
                if response.status != 200:
                    raise httpload.Failure(f"first visit: {path} answered {response.status}")
    finally:
        await conn.close()


async def run_class(
    host: str,
    port: int,
    accounts: list[tuple[str, str]],
    course: str,
    activities: list[str],
    *,
    size: int,
    think: float,
    ramp: float,
    duration: float,
    seed: int = 14,
) -> ClassOutcome:
    """``size`` learners (accounts taken in order) for ``ramp`` + ``duration`` seconds."""
    outcome = ClassOutcome()
    rng = random.Random(seed)
    end = asyncio.get_running_loop().time() + ramp + duration
    started, cpu = time.perf_counter(), httpload.cpu_seconds()
    await asyncio.gather(
        *(
            learner(
                host,
                port,
                accounts[index % len(accounts)],
                course,
                activities,
                think,
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


def summarise(outcome: ClassOutcome, duration: float) -> dict:
    pages = sorted(outcome.latencies)
    sign_ins = sorted(outcome.sign_ins)
    ms = 1000.0
    return {
        "pages": len(pages),
        "rps": round(len(pages) / duration, 1) if duration else 0.0,
        "p50_ms": round(httpload.percentile(pages, 0.50) * ms, 1),
        "p90_ms": round(httpload.percentile(pages, 0.90) * ms, 1),
        "p99_ms": round(httpload.percentile(pages, 0.99) * ms, 1),
        "max_ms": round((pages[-1] if pages else 0.0) * ms, 1),
        "sign_ins": len(sign_ins),
        "sign_in_p99_ms": round(httpload.percentile(sign_ins, 0.99) * ms, 1),
        "errors": sum(outcome.errors.values()),
        "error_kinds": dict(outcome.errors),
        "client_cpu_s": round(outcome.client_cpu, 2),
    }
