"""The browser tests' own guard (tests/browser/conftest.py): a page's request to anywhere but
the live server is blocked by the browser and recorded, so the test that made it fails."""

from __future__ import annotations

import socket
from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.django_db(transaction=True)


def test_it_blocks_and_records_every_request_that_leaves_the_live_server(
    page, live_server, outside
) -> None:
    # Another port of this machine, listening: only the guard can stop the browser reaching it.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as other:
        other.bind(("127.0.0.1", 0))
        other.listen()
        port = other.getsockname()[1]
        origin = urlsplit(live_server.url)
        away = [
            "http://example.com/picture.png",
            "https://93.184.215.14/picture.png",
            f"http://127.0.0.1:{port}/picture.png",
            f"http://{origin.hostname}:{port}/picture.png",
        ]
        failed: list[str] = []
        served: list[str] = []
        page.on("requestfailed", lambda request: failed.append(request.url))
        page.on("requestfinished", lambda request: served.append(request.url))
        box = live_server.url + "/static/cartable/icon.svg"
        # On a blank page: no Content-Security-Policy of the box's to stop them first.
        page.set_content("".join(f'<img src="{url}" alt="">' for url in [*away, box]))
        # A picture that failed to load is "complete" too.
        page.wait_for_function("() => [...document.images].every((image) => image.complete)")
        other.settimeout(0)
        with pytest.raises(BlockingIOError):
            other.accept()  # nothing reached the other port
    assert sorted(failed) == sorted(away)
    assert sorted(outside.requests) == sorted(away)
    assert box in served  # the box itself is reached
    outside.requests.clear()  # seen: the fixture would fail the test on them
