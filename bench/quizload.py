"""The quiz scenarios of the load benchmark: a class takes the same quiz.

Each virtual user is a learner of the big course, where the bench setup builds a quiz of ten
real questions (multiple choice, true/false, short answer, numerical, from the Moodle XML file
of the test corpus) on two pages, with a time limit of an hour, any number of attempts:

- ``quiz start``: the learner opens the quiz page (not measured: it gives the form's token),
  then POSTs "start" (measured: the attempt is created, its questions drawn and laid out, the
  answer ``302`` to its first page), then submits the attempt (not measured) so the next turn
  starts a new one;
- ``quiz page``: the learner's open attempt, page 1, as it is shown (GET);
- ``answer save``: the learner answers every question of page 1 and the page POSTs (measured:
  the answers saved through the question behaviours, ``302`` back to the page), as a learner
  does every few seconds; the answers alternate so every save changes something.

The learner's attempt is started lazily, by the warm-up, and kept for the whole scenario.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from html import unescape

import httpload

QUIZ: dict[str, str] = {}  # "path": the quiz page of the big course (filled by the setup)

INPUT_RE = re.compile(rb"<input\b[^>]*>", re.S)
SELECT_RE = re.compile(rb'<select\b[^>]*name="([^"]+)"[^>]*>(.*?)</select>', re.S)
OPTION_RE = re.compile(rb'<option\b[^>]*value="([^"]*)"')
ATTR_RE = re.compile(rb'(\w[\w-]*)="([^"]*)"')


def _attrs(tag: bytes) -> dict[str, str]:
    return {k.decode(): unescape(v.decode()) for k, v in ATTR_RE.findall(tag)}


def answers(page: bytes, turn: int) -> dict[str, str]:
    """A filled-in form of an attempt page: every hidden field as it is, the first (or, every
    other turn, the last) choice of each radio group and list, a word or a number in each text
    field."""
    form: dict[str, str] = {}
    radios: dict[str, list[str]] = {}
    for tag in INPUT_RE.findall(page):
        attrs = _attrs(tag)
        name, kind = attrs.get("name"), attrs.get("type", "text")
        if not name:
            continue
        if kind == "hidden":
            form[name] = attrs.get("value", "")
        elif kind in ("radio", "checkbox"):
            radios.setdefault(name, []).append(attrs.get("value", "1"))
        elif kind in ("text", "number"):
            form[name] = str(turn % 7) if "answer" in name else "Paris"
    for name, values in radios.items():
        form[name] = values[turn % 2 if len(values) > 1 else 0]
    for name, options in SELECT_RE.findall(page):
        values = [v.decode() for v in OPTION_RE.findall(options) if v]
        if values:
            form[name.decode()] = values[turn % len(values)]
    return form


def _token(body: bytes) -> str:
    match = httpload.TOKEN_RE.search(body)
    if match is None:
        raise httpload.Failure("no CSRF token")
    return match[1].decode()


async def _start(user: httpload.VirtualUser) -> tuple[str, float]:
    """The learner starts an attempt: the path of its first page, and how long the POST took."""
    quiz = await user.conn.request("GET", QUIZ["path"], cookies=user.cookies)
    if quiz.status != 200:
        raise httpload.Failure(f"quiz page {quiz.status}")
    user.cookies.update(quiz.cookies())
    form = {"csrfmiddlewaretoken": _token(quiz.body)}
    answer = await user.conn.request(
        "POST", QUIZ["path"] + "start/", cookies=user.cookies, form=form
    )
    location = answer.header("location") or ""
    if answer.status != 302 or "/pages/" not in location:
        raise httpload.Failure(f"start {answer.status} {location}")
    return location, answer.elapsed


class Attempts:
    """Each virtual user's open attempt (its first page), started when first needed."""

    def __init__(self) -> None:
        self.pages: dict[int, str] = {}
        self.turns: dict[int, int] = {}

    def clear(self) -> None:
        self.pages.clear()
        self.turns.clear()

    async def page(self, user: httpload.VirtualUser) -> str:
        if user.index not in self.pages:
            self.pages[user.index], _ = await _start(user)
        return self.pages[user.index]


def make_start() -> Callable[[httpload.VirtualUser], Awaitable[float]]:
    async def start(user: httpload.VirtualUser) -> float:
        page, elapsed = await _start(user)
        summary = page.split("/pages/")[0] + "/summary/"
        shown = await user.conn.request("GET", summary, cookies=user.cookies)
        if shown.status != 200:
            raise httpload.Failure(f"summary {shown.status}")
        form = {"csrfmiddlewaretoken": _token(shown.body), "finish": "1"}
        done = await user.conn.request("POST", summary, cookies=user.cookies, form=form)
        if done.status != 302:
            raise httpload.Failure(f"finish {done.status}")
        return elapsed

    return start


def make_page(attempts: Attempts) -> Callable[[httpload.VirtualUser], Awaitable[float]]:
    async def page(user: httpload.VirtualUser) -> float:
        path = await attempts.page(user)
        shown = await user.conn.request("GET", path, cookies=user.cookies)
        if shown.status != 200:
            raise httpload.Failure(f"attempt page {shown.status}")
        return shown.elapsed

    return page


def make_save(attempts: Attempts) -> Callable[[httpload.VirtualUser], Awaitable[float]]:
    forms: dict[int, bytes] = {}

    async def save(user: httpload.VirtualUser) -> float:
        path = await attempts.page(user)
        if user.index not in forms:
            shown = await user.conn.request("GET", path, cookies=user.cookies)
            if shown.status != 200:
                raise httpload.Failure(f"attempt page {shown.status}")
            forms[user.index] = shown.body
        turn = attempts.turns[user.index] = attempts.turns.get(user.index, 0) + 1
        form = answers(forms[user.index], turn)
        saved = await user.conn.request("POST", path, cookies=user.cookies, form=form)
        if saved.status != 302 or "/pages/" not in (saved.header("location") or ""):
            raise httpload.Failure(f"save {saved.status} {saved.header('location')}")
        return saved.elapsed

    return save
