"""Where the milliseconds of a request go, layer by layer, on the server's own code path.

    python bench/breakdown.py                      # every page, 300 requests each
    python bench/breakdown.py --repeat 1000 --page "ok, signed in"
    python bench/breakdown.py --cprofile "learner home"    # cProfile's top functions
    python bench/breakdown.py --env CARTABLE_CONN_MAX_AGE=0  # a setting's effect
    python bench/breakdown.py --page "activity page" --page "quiz page" --page "answer save"
    python bench/breakdown.py --reprepared         # statements SQLite prepares on every request

It prepares a data folder as bench/load.py does (or reuses one with --home), then runs the real
WSGI application (``cartable.wsgi.application``, what gunicorn calls in each worker) in a child
process with the server's environment, and calls it with the same requests the load benchmark
sends, interleaving the pages so that a busy machine slows them all alike. Only the socket and
gunicorn's HTTP parsing are left out; bench/load.py measures those (the server's CPU per request
under load against this total).

Each request is cut into exclusive times (a part's time without the parts inside it):

- ``connect``: opening the database connection (SQLite: the file and the PRAGMAs of
  ``init_command``; PostgreSQL: the connection and its health check), and closing it;
- each middleware's own code, in settings.MIDDLEWARE order;
- ``session``: loading the session (decoding it; its query is counted under ``queries``);
- ``user``: finding the signed-in user and checking its session hash (query apart);
- ``queries``: executing SQL (the driver and the database; the ORM's building of the SQL is
  in the part that asked for it), with the count and how many wrote;
- ``template``: rendering templates (their queries apart);
- ``view``: URL resolution and the view's own code;
- ``handler``: the rest, Django's request and response objects and signals.

Numbers are medians over the repetitions (wall clock, in ms); the total's CPU time is given too.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent

# (name, path key or path, signed in)
PAGES = (
    ("ok, anonymous", "/health/", False),
    ("ok, signed in", "/health/", True),
    ("login page", "/accounts/login/", False),
    ("learner home", "/", True),
    ("course page", "course", True),
    ("activity page", "activity", True),
    ("search", "search", True),
    ("document viewer", "document", True),
)
# A class takes a quiz (bench/quizload.py): each has a learner of its own, signed in and given
# an attempt before the timing. "quiz start" POSTs "start" (302 to the attempt's first page),
# then submits the new attempt, untimed, so that the next one starts afresh; "quiz page" GETs
# the first page of an attempt whose answers were saved ten times; "answer save" POSTs that
# page's answers, changed every time, and starts a new attempt (untimed) every
# SAVES_PER_ATTEMPT saves, as a learner saves a page a few dozen times at most.
QUIZ_PAGES = ("quiz start", "quiz page", "answer save")
SAVES_PER_ATTEMPT = 20
TOKEN_RE = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


# --- Outside: prepare a data folder, run the inside in the server's environment ----------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add = parser.add_argument
    add("--repeat", type=int, default=300, help="requests per page (default 300)")
    add("--page", action="append", help="only this page (repeatable); default: all")
    add("--cprofile", metavar="PAGE", help="print cProfile's top functions for this page")
    add("--lines", type=int, default=40, help="lines of cProfile's cumulative list (40)")
    add("--dump", type=Path, help="with --cprofile: also write the stats to this file (pstats)")
    add("--home", type=Path, help="a data folder prepared by an earlier run (kept)")
    add("--bin-dir", type=Path, default=REPO / ".venv" / "bin")
    add("--env", action="append", default=[], metavar="KEY=VALUE", help="for the server")
    add("--json", type=Path, help="write the medians to this file")
    add("--reprepared", action="store_true", help="list the statements SQLite prepares again")
    add("--inside", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.inside:
        return inside(args)

    import harness

    for item in args.env:
        key, sep, value = item.partition("=")
        if not sep or not key:
            parser.error(f"--env wants KEY=VALUE, not {item!r}")
        harness.EXTRA_ENV[key] = value
    home = args.home
    if home is None or not (home / "bench-paths.json").exists():
        home = home or Path(tempfile.mkdtemp(prefix="cartable-breakdown-")) / "home"
        print(f"Preparing a data folder in {home} …", flush=True)
        harness.prepare_home(args.bin_dir, home, 5)
        (home / "bench-paths.json").write_text(
            json.dumps({**harness.PATHS, "quiz": harness.QUIZ["path"]})
        )
        print(f"(reuse it with --home {home})", flush=True)
    command = [str(args.bin_dir / "python"), str(Path(__file__).resolve()), "--inside"]
    command += [f"--repeat={args.repeat}"]
    command += [f"--page={page}" for page in args.page or []]
    command += [f"--cprofile={args.cprofile}", f"--lines={args.lines}"] if args.cprofile else []
    command += [f"--dump={args.dump.resolve()}"] if args.dump else []
    command += [f"--json={args.json.resolve()}"] if args.json else []
    command += ["--reprepared"] if args.reprepared else []
    env = harness.server_env(home, args.bin_dir)
    return subprocess.run(command, env=env, check=False).returncode


# --- Inside: the server's code, instrumented ----------------------------------------------------


class Clock:
    """Exclusive time of nested parts: a part's time is counted without its inner parts'."""

    def __init__(self) -> None:
        self.stack: list[list[Any]] = []
        self.spent: dict[str, float] = defaultdict(float)
        self.counts: dict[str, int] = defaultdict(int)

    def reset(self) -> None:
        self.stack.clear()
        self.spent.clear()
        self.counts.clear()

    @contextmanager
    def part(self, name: str) -> Iterator[None]:
        frame = [name, time.perf_counter(), 0.0]
        self.stack.append(frame)
        try:
            yield
        finally:
            self.stack.pop()
            whole = time.perf_counter() - frame[1]
            self.spent[name] += whole - frame[2]
            self.counts[name] += 1
            if self.stack:
                self.stack[-1][2] += whole


CLOCK = Clock()


def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with CLOCK.part(name):
            return function(*args, **kwargs)

    wrapper.__wrapped__ = function  # type: ignore[attr-defined]
    return wrapper


def layer(name: str, factory: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """A middleware factory whose instances count their own time under ``name``."""

    def make(get_response: Any) -> Any:
        inner = factory(get_response)

        def middleware(request: Any) -> Any:
            with CLOCK.part(name):
                return inner(request)

        # Django calls these from its handler: kept (timed alike), or the CSRF check and the
        # body cap would be left out.
        for hook in ("process_view", "process_template_response", "process_exception"):
            if hasattr(inner, hook):
                setattr(middleware, hook, timed(name, getattr(inner, hook)))
        return middleware

    return make


def instrument() -> list[str]:
    """Wrap the parts of a request; returns the middleware names in order."""
    from django.conf import settings
    from django.contrib import auth
    from django.core.handlers import base
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.template.backends.django import Template
    from django.utils.module_loading import import_string

    names = []
    for index, path in enumerate(settings.MIDDLEWARE):
        name = path.rsplit(".", 1)[-1]
        names.append(name)
        globals()[f"LAYER_{index}"] = layer(f"mw {name}", import_string(path))
    settings.MIDDLEWARE = [f"__main__.LAYER_{i}" for i in range(len(names))]
    BaseDatabaseWrapper.connect = timed("connect", BaseDatabaseWrapper.connect)
    BaseDatabaseWrapper.close = timed("connect", BaseDatabaseWrapper.close)
    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    store.load = timed("session", store.load)
    auth.get_user = timed("user", auth.get_user)
    Template.render = timed("template", Template.render)
    get_response = base.BaseHandler._get_response
    base.BaseHandler._get_response = timed("view", get_response)
    _time_write_transactions(BaseDatabaseWrapper)
    return names


# Time inside write transactions: from the BEGIN's answer (on SQLite, once the writers' lock is
# taken) to the end of the COMMIT (or ROLLBACK), summed over a request: how long a request holds
# SQLite's single write lock, which every other writer of the box waits for. Counted apart from
# the exclusive parts above (it overlaps them).
HELD = {"ms": 0.0, "cpu": 0.0, "count": 0}
_BEGUN: dict[int, tuple[float, float]] = {}


def _time_write_transactions(wrapper: Any) -> None:
    set_autocommit, commit, rollback = wrapper.set_autocommit, wrapper.commit, wrapper.rollback

    def begin(self: Any, autocommit: bool, *args: Any, **kwargs: Any) -> Any:
        result = set_autocommit(self, autocommit, *args, **kwargs)
        if not autocommit:
            _BEGUN[id(self)] = (time.perf_counter(), time.thread_time())
        return result

    def ended(end: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def wrapped(self: Any) -> Any:
            try:
                return end(self)
            finally:
                started = _BEGUN.pop(id(self), None)
                if started is not None:
                    HELD["ms"] += (time.perf_counter() - started[0]) * 1000
                    HELD["cpu"] += (time.thread_time() - started[1]) * 1000
                    HELD["count"] += 1

        return wrapped

    wrapper.set_autocommit = begin
    wrapper.commit, wrapper.rollback = ended(commit), ended(rollback)


def environ(method: str, path: str, cookies: dict[str, str], body: bytes = b"") -> dict:
    path, _, query = path.partition("?")
    env = {
        "REQUEST_METHOD": method,
        "PATH_INFO": path,
        "QUERY_STRING": query,
        "SCRIPT_NAME": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8000",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1:8000",
        "HTTP_USER_AGENT": "cartable-bench",
        "HTTP_ACCEPT": "text/html",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.url_scheme": "http",
        "wsgi.version": (1, 0),
        "wsgi.multithread": True,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if cookies:
        env["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    if body:
        env["CONTENT_LENGTH"] = str(len(body))
        env["CONTENT_TYPE"] = "application/x-www-form-urlencoded"
    return env


def call(app: Any, env: dict) -> tuple[int, dict[str, str], bytes]:
    """One request through the WSGI application, as a server makes it: the body read whole,
    then closed (which sends request_finished: connections are closed or kept there)."""
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = int(status.split()[0]), headers

    result = app(env, start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    cookies = {}
    for key, value in answer["headers"]:
        if key.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            cookies[name] = rest.split(";", 1)[0]
    return answer["status"], cookies, body


def sign_in(app: Any, index: int = 0) -> dict[str, str]:
    """A bench learner's session, through the sign-in form as a browser gets one."""
    from urllib.parse import urlencode

    import harness

    username, password = harness.learner_accounts(index + 1)[index]
    status, cookies, page = call(app, environ("GET", "/accounts/login/", {}))
    token = TOKEN_RE.search(page)
    assert status == 200 and token, status
    form = {"csrfmiddlewaretoken": token[1].decode(), "username": username, "password": password}
    status, more, _ = call(
        app, environ("POST", "/accounts/login/", cookies, urlencode(form).encode())
    )
    assert status == 302, status
    return {**cookies, **more}


class Get:
    """A page: the same GET every time."""

    status = 200

    def __init__(self, path: str, cookies: dict[str, str]) -> None:
        self.path, self.cookies = path, cookies

    def environ(self) -> dict:
        return environ("GET", self.path, self.cookies)

    def after(self, app: Any, status: int, body: bytes) -> None:
        assert status == self.status, (self.path, status)


def _form(body: bytes) -> str:
    token = TOKEN_RE.search(body)
    assert token, "no CSRF token"
    return token[1].decode()


def _post(app: Any, path: str, cookies: dict[str, str], form: dict[str, str]) -> tuple[int, str]:
    from urllib.parse import urlencode

    env = environ("POST", path, cookies, urlencode(form).encode())
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list, exc_info: Any = None) -> None:
        answer["status"] = int(status.split()[0])
        answer["location"] = next((v for k, v in headers if k.lower() == "location"), "")

    result = app(env, start_response)
    try:
        b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    return answer["status"], answer["location"]


def _start_attempt(app: Any, quiz: str, cookies: dict[str, str]) -> str:
    """The learner opens the quiz and starts (or continues) an attempt: its first page."""
    status, _, body = call(app, environ("GET", quiz, cookies))
    assert status == 200, (quiz, status)
    status, location = _post(app, quiz + "start/", cookies, {"csrfmiddlewaretoken": _form(body)})
    assert status == 302 and "/pages/" in location, (status, location)
    return location


def _finish_attempt(app: Any, page: str, cookies: dict[str, str]) -> None:
    summary = page.split("/pages/")[0] + "/summary/"
    status, _, body = call(app, environ("GET", summary, cookies))
    assert status == 200, (summary, status)
    form = {"csrfmiddlewaretoken": _form(body), "finish": "1"}
    status, _ = _post(app, summary, cookies, form)
    assert status == 302, (summary, status)


class QuizStart(Get):
    """POST "start" (timed), then submit the attempt (untimed) so that the next one is new."""

    status = 302

    def __init__(self, app: Any, quiz: str, cookies: dict[str, str]) -> None:
        super().__init__(quiz + "start/", cookies)
        self.quiz = quiz
        status, _, body = call(app, environ("GET", quiz, cookies))
        assert status == 200, (quiz, status)
        self.token = _form(body)
        page = _start_attempt(app, quiz, cookies)  # one left open by an earlier run
        _finish_attempt(app, page, cookies)

    def environ(self) -> dict:
        from urllib.parse import urlencode

        body = urlencode({"csrfmiddlewaretoken": self.token}).encode()
        return environ("POST", self.path, self.cookies, body)

    def after(self, app: Any, status: int, body: bytes) -> None:
        assert status == self.status, (self.path, status)
        _finish_attempt(app, _start_attempt(app, self.quiz, self.cookies), self.cookies)


class QuizPage(Get):
    """The first page of an attempt whose answers were saved ten times."""

    def __init__(self, app: Any, quiz: str, cookies: dict[str, str]) -> None:
        from quizload import answers

        # Submitted first, the one an earlier run left open: else every run would add its
        # ten saves to the same attempt, and the page would cost more at every run.
        _finish_attempt(app, _start_attempt(app, quiz, cookies), cookies)
        page = _start_attempt(app, quiz, cookies)
        status, _, body = call(app, environ("GET", page, cookies))
        assert status == 200, (page, status)
        for turn in range(1, 11):
            status, location = _post(app, page, cookies, answers(body, turn))
            assert status == 302 and "/pages/" in location, (status, location)
        super().__init__(page, cookies)


class AnswerSave(Get):
    """POST the first page's answers, changed every time; a new attempt (untimed) every
    SAVES_PER_ATTEMPT saves."""

    status = 302

    def __init__(self, app: Any, quiz: str, cookies: dict[str, str]) -> None:
        self.quiz, self.turn = quiz, 0
        super().__init__(_start_attempt(app, quiz, cookies), cookies)
        self._read(app)

    def _read(self, app: Any) -> None:
        status, _, self.page = call(app, environ("GET", self.path, self.cookies))
        assert status == 200, (self.path, status)

    def environ(self) -> dict:
        from urllib.parse import urlencode

        from quizload import answers

        self.turn += 1
        body = urlencode(answers(self.page, self.turn)).encode()
        return environ("POST", self.path, self.cookies, body)

    def after(self, app: Any, status: int, body: bytes) -> None:
        assert status == self.status, (self.path, status)
        if self.turn % SAVES_PER_ATTEMPT == 0:
            _finish_attempt(app, self.path, self.cookies)
            self.path = _start_attempt(app, self.quiz, self.cookies)
            self._read(app)


def targets(app: Any, names: list[str], paths: dict[str, str], session: dict) -> dict[str, Get]:
    """What each page sends; the quiz pages get a learner and an attempt each."""
    found: dict[str, Get] = {}
    for name, where, signed in PAGES:
        if name in names:
            found[name] = Get(paths.get(where, where), session if signed else {})
    makers = {"quiz start": QuizStart, "quiz page": QuizPage, "answer save": AnswerSave}
    for index, name in enumerate(QUIZ_PAGES, start=1):
        if name in names:
            if "quiz" not in paths:
                raise SystemExit("this data folder has no bench quiz: prepare a new one")
            found[name] = makers[name](app, paths["quiz"], sign_in(app, index))
    return found


def inside(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(BENCH_DIR))
    import django

    django.setup()
    names = instrument()
    from django.conf import settings
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    app = get_wsgi_application()
    paths = json.loads((Path(settings.HOME) / "bench-paths.json").read_text())
    session = sign_in(app)
    every = [name for name, _, _ in PAGES] + list(QUIZ_PAGES)
    if args.cprofile:
        if args.cprofile not in every:
            raise SystemExit(f"no page {args.cprofile!r}; pages: {', '.join(every)}")
        return profile(app, targets(app, [args.cprofile], paths, session)[args.cprofile], args)
    pages = targets(app, [n for n in every if not args.page or n in args.page], paths, session)
    if args.reprepared:
        return reprepared(app, pages)

    writes = dict.fromkeys(pages, 0)
    queries = dict.fromkeys(pages, 0)
    current = [""]

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        queries[current[0]] += 1
        if sql.lstrip()[:6].upper() in ("INSERT", "UPDATE", "DELETE"):
            writes[current[0]] += 1
        with CLOCK.part("queries"):
            return execute(sql, params, many, context)

    samples: dict[str, list[dict[str, float]]] = {name: [] for name in pages}
    queries[""] = writes[""] = 0  # the untimed requests of the quiz pages
    with connection.execute_wrapper(count):
        for name, target in pages.items():  # warm up: templates compiled, first view recorded
            for _ in range(5):
                current[0] = name
                status, _, body = call(app, target.environ())
                current[0] = ""
                target.after(app, status, body)
        for name in queries:
            queries[name] = writes[name] = 0
        for _ in range(args.repeat):
            for name, target in pages.items():
                current[0] = name
                env = target.environ()
                CLOCK.reset()
                HELD.update(ms=0.0, cpu=0.0, count=0)
                cpu, started = time.thread_time(), time.perf_counter()
                status, _, body = call(app, env)
                wall, cpu = time.perf_counter() - started, time.thread_time() - cpu
                inner = sum(CLOCK.spent.values())
                sample = {key: value * 1000 for key, value in CLOCK.spent.items()}
                sample.update(handler=(wall - inner) * 1000, total=wall * 1000, cpu=cpu * 1000)
                sample.update(held=HELD["ms"], held_cpu=HELD["cpu"], transactions=HELD["count"])
                samples[name].append(sample)
                current[0] = ""
                target.after(app, status, body)
    del queries[""], writes[""]
    print(report(samples, names, queries, writes, args.repeat, settings))
    if args.json:
        medians = {
            name: {key: _median(rows, key) for key in rows[0]} for name, rows in samples.items()
        }
        args.json.write_text(json.dumps(medians, indent=2) + "\n")
    return 0


def _median(rows: list[dict[str, float]], key: str) -> float:
    return round(statistics.median(row.get(key, 0.0) for row in rows), 3)


def report(samples, names, queries, writes, repeat, settings) -> str:
    database = settings.DATABASES["default"]
    parts = ["connect", *(f"mw {name}" for name in names)]
    parts += ["session", "user", "view", "template", "queries", "handler"]
    width = max(len(part) for part in parts) + 2
    pages = list(samples)
    head = f"{'ms (median)':<{width}}" + "".join(f"{name[:13]:>14}" for name in pages)
    lines = [
        f"database: {database['ENGINE'].rsplit('.', 1)[-1]}, CONN_MAX_AGE "
        f"{database.get('CONN_MAX_AGE')}, sessions: {settings.SESSION_ENGINE}; "
        f"{repeat} requests per page",
        head,
        "-" * len(head),
    ]
    for part in parts:
        values = [_median(samples[name], part) for name in pages]
        if any(values):
            lines.append(f"{part:<{width}}" + "".join(f"{value:>14.3f}" for value in values))
    lines.append("-" * len(head))
    for key, title in (("total", "total (wall)"), ("cpu", "total (CPU)")):
        lines.append(
            f"{title:<{width}}" + "".join(f"{_median(samples[n], key):>14.3f}" for n in pages)
        )
    for key, title in (
        ("held", "in write transactions"),
        ("held_cpu", "  of which CPU"),
        ("transactions", "write transactions"),
    ):
        lines.append(
            f"{title:<{width}}" + "".join(f"{_median(samples[n], key):>14.3f}" for n in pages)
        )
    held = [sorted(row["held"] for row in samples[n]) for n in pages]
    lines.append(
        f"{'  p90 / max held':<{width}}"
        + "".join(
            f"{f'{rows[int(len(rows) * 0.9)]:.2f}/{rows[-1]:.2f}':>14}" if rows else f"{'':>14}"
            for rows in held
        )
    )
    lines.append(f"{'queries':<{width}}" + "".join(f"{queries[n] / repeat:>14.1f}" for n in pages))
    lines.append(f"{'writes':<{width}}" + "".join(f"{writes[n] / repeat:>14.2f}" for n in pages))
    lines.append("(parts are exclusive times; medians do not add up exactly to the total's)")
    return "\n".join(lines)


def reprepared(app: Any, pages: dict[str, Get]) -> int:
    """The statements SQLite prepares again on a warm request although Python's statement cache
    holds them (e.g. when the plan depends on a bound value: a partial index's condition, a
    LIKE pattern). SQLite calls the authorizer only while it prepares a statement: calls during
    an execute, once every page has run, are a preparation."""
    import sqlite3

    from django.db import connection
    from django.db.backends.signals import connection_created

    if connection.vendor != "sqlite":
        raise SystemExit("--reprepared is for SQLite")
    calls = [0]

    def authorizer(*args: Any) -> int:
        calls[0] += 1
        return sqlite3.SQLITE_OK

    def watch(connection: Any, **kwargs: Any) -> None:
        connection.connection.set_authorizer(authorizer)

    connection_created.connect(watch)
    connection.ensure_connection()
    watch(connection)
    found: dict[str, dict[str, int]] = {name: {} for name in pages}
    current = [""]

    def record(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        before = calls[0]
        try:
            return execute(sql, params, many, context)
        finally:
            if current[0] and calls[0] > before:
                text = " ".join(sql.split())
                found[current[0]][text] = found[current[0]].get(text, 0) + 1

    with connection.execute_wrapper(record):
        for turn in range(5):  # the first two fill the statement cache
            for name, target in pages.items():
                current[0] = name if turn >= 2 else ""
                status, _, body = call(app, target.environ())
                current[0] = ""
                target.after(app, status, body)
    for name, statements in found.items():
        print(f"{name}: {len(statements)} statement(s) prepared again on warm requests")
        for text, count in sorted(statements.items(), key=lambda item: -item[1]):
            print(f"  {count}/3  {text[:300]}")
    return 0


def profile(app: Any, target: Get, args: argparse.Namespace) -> int:
    """cProfile of the page's requests alone (the quiz pages' untimed requests left out)."""
    import cProfile
    import pstats

    for _ in range(5):
        status, _, body = call(app, target.environ())
        target.after(app, status, body)
    profiler = cProfile.Profile()
    for _ in range(args.repeat):
        env = target.environ()
        profiler.enable()
        status, _, body = call(app, env)
        profiler.disable()
        target.after(app, status, body)
    path = target.path
    if args.dump:
        profiler.dump_stats(args.dump)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out)
    stats.sort_stats("tottime").print_stats(25)
    stats.sort_stats("cumulative").print_stats(args.lines)
    print(f"cProfile of {args.repeat} requests of {args.cprofile} ({path}):")
    print(out.getvalue())
    return 0


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cartable.settings")
    sys.exit(main())
