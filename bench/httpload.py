"""A lean HTTP/1.1 load generator on asyncio streams (standard library only).

Each virtual user is one coroutine holding one keep-alive connection and sending its next request
as soon as the previous answer is read (a closed loop): the concurrency is the number of requests
in flight. Only what the benchmark needs is parsed: the status line, the headers, and a body
framed by Content-Length, chunked encoding or the end of the connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import resource
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from urllib.parse import urlencode

LOOPBACK = ("127.0.0.1", "::1")
REQUEST_TIMEOUT = 30.0  # seconds; a slower answer counts as an error
TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Failure(Exception):
    """A response that arrived but is not the expected one (its kind is counted)."""


def check_loopback(host: str) -> str:
    if host not in LOOPBACK:
        raise SystemExit(f"refusing to load {host!r}: only {' or '.join(LOOPBACK)} may be targeted")
    return host


@dataclass(slots=True)
class Response:
    status: int
    headers: list[tuple[str, str]]
    body: bytes
    elapsed: float  # seconds from sending the request to the last byte of the body

    def header(self, name: str) -> str | None:
        return next((value for key, value in self.headers if key == name), None)

    def cookies(self) -> dict[str, str]:
        found = {}
        for key, value in self.headers:
            if key == "set-cookie":
                name, _, rest = value.partition("=")
                found[name.strip()] = rest.split(";", 1)[0].strip()
        return found


class Connection:
    """One keep-alive connection, reopened when the server closes it."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = check_loopback(host), port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None
        self.reconnects = 0

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):
                await self.writer.wait_closed()
        self.reader = self.writer = None

    async def request(
        self,
        method: str,
        path: str,
        cookies: dict[str, str] | None = None,
        form: dict | None = None,
    ) -> Response:
        lines = [
            f"{method} {path} HTTP/1.1",
            f"Host: {self.host if ':' not in self.host else f'[{self.host}]'}:{self.port}",
            "User-Agent: cartable-bench",
            "Accept: text/html",
        ]
        if cookies:
            lines.append("Cookie: " + "; ".join(f"{k}={v}" for k, v in cookies.items()))
        body = urlencode(form).encode() if form is not None else b""
        if form is not None:
            lines += ["Content-Type: application/x-www-form-urlencoded"]
        if method != "GET":
            lines.append(f"Content-Length: {len(body)}")
        raw = ("\r\n".join(lines) + "\r\n\r\n").encode() + body

        started = time.perf_counter()
        reused = self.writer is not None
        try:
            return await self._exchange(raw, started)
        except (ConnectionError, asyncio.IncompleteReadError):
            # A kept-alive connection the server closed meanwhile (idle timeout, worker
            # recycled): retry once on a new one, as browsers do for GET.
            await self.close()
            if not reused or method != "GET":
                raise
            self.reconnects += 1
            return await self._exchange(raw, started)

    async def _exchange(self, raw: bytes, started: float) -> Response:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(raw)
        await self.writer.drain()
        status, headers, body, keep_alive = await read_response(self.reader)
        if not keep_alive:
            await self.close()
        return Response(status, headers, body, time.perf_counter() - started)


async def read_response(reader: asyncio.StreamReader) -> tuple[int, list, bytes, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")
    version, status, *_ = status_line.split(" ", 2)
    headers = []
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.append((name.strip().lower(), value.strip()))
    fields = dict(headers)
    connection = fields.get("connection", "").lower()
    keep_alive = connection != "close" and (version == "HTTP/1.1" or connection == "keep-alive")
    if "chunked" in fields.get("transfer-encoding", "").lower():
        chunks = []
        while size := int((await reader.readuntil(b"\r\n")).split(b";")[0], 16):
            chunks.append(await reader.readexactly(size + 2))
        while await reader.readuntil(b"\r\n") != b"\r\n":  # trailers
            pass
        body = b"".join(chunk[:-2] for chunk in chunks)
    elif "content-length" in fields:
        body = await reader.readexactly(int(fields["content-length"]))
    elif int(status) in (204, 304):
        body = b""
    else:
        body, keep_alive = await reader.read(), False
    return int(status), headers, body, keep_alive


# --- The three scenarios ----------------------------------------------------------------------


@dataclass
class VirtualUser:
    index: int
    conn: Connection
    cookies: dict[str, str] = field(default_factory=dict)


async def sign_in(conn: Connection, username: str, password: str) -> tuple[Response, dict]:
    """The browser's path: GET the form (CSRF cookie and token), then POST it."""
    page = await conn.request("GET", "/accounts/login/")
    if page.status != 200:
        raise Failure(f"GET login {page.status}")
    match = TOKEN_RE.search(page.body)
    cookies = page.cookies()
    if match is None or "cartable_csrf" not in cookies:
        raise Failure("no CSRF token")
    form = {"csrfmiddlewaretoken": match[1].decode(), "username": username, "password": password}
    answer = await conn.request("POST", "/accounts/login/", cookies=cookies, form=form)
    if answer.status != 302 or answer.header("location") != "/":
        raise Failure(f"POST login {answer.status}")
    cookies.update(answer.cookies())
    if "cartable_session" not in cookies:
        raise Failure("no session cookie")
    return answer, cookies


async def get_login_page(user: VirtualUser) -> float:
    response = await user.conn.request("GET", "/accounts/login/")
    if response.status != 200:
        raise Failure(f"status {response.status}")
    return response.elapsed


def make_sign_in(accounts: list[tuple[str, str]]) -> Callable[[VirtualUser], Awaitable[float]]:
    turn = iter(range(1 << 62))

    async def post_sign_in(user: VirtualUser) -> float:
        username, password = accounts[next(turn) % len(accounts)]
        fresh = Connection(user.conn.host, user.conn.port)  # a new visitor: new connection
        try:
            answer, _cookies = await sign_in(fresh, username, password)
        finally:
            await fresh.close()
        return answer.elapsed

    return post_sign_in


def make_get(path: str, signed_in: bool = True) -> Callable[[VirtualUser], Awaitable[float]]:
    """A GET of one page (the course page, an activity page…), signed in or anonymous."""

    async def get_page(user: VirtualUser) -> float:
        cookies = user.cookies if signed_in else None
        response = await user.conn.request("GET", path, cookies=cookies)
        if response.status != 200:
            raise Failure(f"status {response.status}")
        return response.elapsed

    return get_page


async def get_home(user: VirtualUser) -> float:
    response = await user.conn.request("GET", "/", cookies=user.cookies)
    if response.status != 200:
        raise Failure(f"status {response.status}")
    return response.elapsed


# --- Running a scenario -------------------------------------------------------------------------


@dataclass
class Outcome:
    latencies: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    wall: float = 0.0
    client_cpu: float = 0.0
    reconnects: int = 0


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


async def drive(
    step: Callable[[VirtualUser], Awaitable[float]],
    users: list[VirtualUser],
    duration: float,
    max_requests: int,
) -> Outcome:
    """Run ``step`` in a loop for every user until ``duration`` passes or the cap is reached."""
    outcome = Outcome()
    left = [max_requests]
    loop = asyncio.get_running_loop()
    deadline = loop.time() + duration

    async def run(user: VirtualUser) -> None:
        while loop.time() < deadline and left[0] > 0:
            left[0] -= 1
            try:
                async with asyncio.timeout(REQUEST_TIMEOUT):
                    outcome.latencies.append(await step(user))
            except Failure as failure:
                outcome.errors[str(failure)] += 1
            except (OSError, EOFError, ValueError, TimeoutError, asyncio.LimitOverrunError) as exc:
                outcome.errors[type(exc).__name__] += 1
                await user.conn.close()

    started, cpu = time.perf_counter(), cpu_seconds()
    await asyncio.gather(*(run(user) for user in users))
    outcome.wall = time.perf_counter() - started
    outcome.client_cpu = cpu_seconds() - cpu
    outcome.reconnects = sum(user.conn.reconnects for user in users)
    for user in users:
        user.conn.reconnects = 0
    return outcome


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted list (0.0 when it is empty)."""
    if not ordered:
        return 0.0
    rank = max(1, -(-len(ordered) * fraction // 1))
    return ordered[int(rank) - 1]


def summarise(outcome: Outcome) -> dict:
    ordered = sorted(outcome.latencies)
    ms = 1000.0
    return {
        "ok": len(ordered),
        "errors": sum(outcome.errors.values()),
        "error_kinds": dict(outcome.errors),
        "wall_s": round(outcome.wall, 3),
        "rps": round(len(ordered) / outcome.wall, 1) if outcome.wall else 0.0,
        "p50_ms": round(percentile(ordered, 0.50) * ms, 1),
        "p90_ms": round(percentile(ordered, 0.90) * ms, 1),
        "p99_ms": round(percentile(ordered, 0.99) * ms, 1),
        "max_ms": round((ordered[-1] if ordered else 0.0) * ms, 1),
        "client_cpu_s": round(outcome.client_cpu, 2),
        "reconnects": outcome.reconnects,
    }
