"""Browser tests: Debian's Chromium, headless, driven by Playwright (no downloaded browser).

Every page's requests are recorded; any request to anywhere but the box is blocked and makes
the test fail, so a page that tries to reach the Internet cannot pass. Chromium is started with
a proxy that refuses every connection and only the live server's address let through directly:
a request to anywhere else (another host, another port of this one) fails in the browser
itself (tests/browser/test_guard.py). The pages keep their HTTP cache: intercepting each request
instead (Playwright's ``route``) turned the cache off, so each page fetched its style sheet,
script and icons again, and each request made a round trip through this process: a fifth of
the browser tests' CPU.

They hold on a busy machine: a test waits for what it expects to see (a locator's ``wait_for``,
``expect``, ``wait_for_url``, ``wait_for_function``), never for a while, and reads a page only
once the navigation that brings it is over; nothing navigates while the page may be
navigating by itself (a status page's automatic refresh). Waits give up after ``TIMEOUT``, long
enough for a loaded machine: a passing test does not wait for it.
"""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlsplit

import pytest

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")  # Playwright's sync API runs a loop

CHROMIUM = os.environ.get("CARTABLE_CHROMIUM", "/usr/bin/chromium")
TIMEOUT = 30_000  # milliseconds
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser(live_server) -> Iterator[object]:
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=TIMEOUT)
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Browser tests need Chromium at {CHROMIUM} (apt-get install chromium).")
    with _refusing_port() as port, sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM, args=[*CHROMIUM_ARGS, *_only_to(live_server.url, port)]
        )
        yield launched
        launched.close()


@contextmanager
def _refusing_port() -> Iterator[int]:
    """A port of this machine that refuses connections while the tests run: bound, never
    listening, so no other program takes it meanwhile."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as held:
        held.bind(("127.0.0.1", 0))
        yield held.getsockname()[1]


def _only_to(origin: str, refusing_port: int) -> list[str]:
    """Chromium's switches that send every request but those to ``origin`` to a proxy that
    refuses them (``<-loopback>``: this machine's other addresses and ports too)."""
    netloc = urlsplit(origin).netloc
    return [
        f"--proxy-server=http://127.0.0.1:{refusing_port}",
        # In this order: a rule after ``<-loopback>`` lets that one address through.
        f"--proxy-bypass-list=<-loopback>;{netloc}",
    ]


class Outside:
    """Requests the page made to anywhere but the box (each one blocked)."""

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.all: list[str] = []


@pytest.fixture
def outside() -> Outside:
    return Outside()


def _new_page(browser, live_server, outside: Outside, **options):
    origin = urlsplit(live_server.url)
    context = browser.new_context(locale="fr-FR", **options)

    def note(request) -> None:  # the browser's proxy has blocked it already (``_only_to``)
        url = request.url
        outside.all.append(url)
        parts = urlsplit(url)
        if parts.scheme not in ("data", "blob") and (parts.scheme, parts.netloc) != (
            origin.scheme,
            origin.netloc,
        ):
            outside.requests.append(url)

    context.on("request", note)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT)
    return context, page


@pytest.fixture
def page(browser, live_server, outside: Outside):
    context, page = _new_page(browser, live_server, outside)
    yield page
    context.close()
    assert outside.requests == [], f"requests left the box: {outside.requests}"


@pytest.fixture
def make_page(browser, live_server, outside: Outside):
    """Open more pages with their own options (viewport, JavaScript off, …)."""
    contexts = []

    def factory(**options):
        context, page = _new_page(browser, live_server, outside, **options)
        contexts.append(context)
        return page

    yield factory
    for context in contexts:
        context.close()
    assert outside.requests == [], f"requests left the box: {outside.requests}"


def page_width(page) -> int:
    """How wide the page is laid out, once its style sheets apply (the load state): a test that
    waited for some text may otherwise measure it unstyled on a busy machine."""
    page.wait_for_load_state("load")
    return page.evaluate("document.documentElement.scrollWidth")
