"""A page kept per reader: rendered once per everything it shows, then the same string.

The learner home is the page every learner opens first and comes back to after each activity,
and rendering its templates cost more than all its queries together. The view reads what the
page shows (the same queries as before, on every request), and this module renders the page
once per *everything it shows*: the template, the language, the time zone and today's date (a
study plan's "late" depends on it), the address, the reader's account as the layout shows it,
and the view's context. Any change to what the page shows, by whoever, gives another key: there
is nothing to invalidate and nothing expires by time.

The only per-request value in the page is the CSRF token of its forms: the page is rendered
with a marker in its place (a random one per process, so no text of a course can forge it),
and the request's own token is put in on each request, as ``{% csrf_token %}`` would.

A request with flash messages waiting is rendered as usual (showing them consumes them).
Pages are kept per server process, at most ``KEPT`` (least recently used first out).
"""

from __future__ import annotations

import hashlib
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

from django.contrib.messages import get_messages
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language

KEPT = 512  # pages per server process: a class's homes (a few kB each)

_MARK = f"\x00csrf-{secrets.token_hex(16)}\x00"


class _Pages:
    """A bounded, thread-safe map from a key to a page's pieces around the CSRF marks."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._pages: OrderedDict[bytes, tuple[str, ...]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes) -> tuple[str, ...] | None:
        with self._lock:
            pieces = self._pages.get(key)
            if pieces is not None:
                self._pages.move_to_end(key)
            return pieces

    def put(self, key: bytes, pieces: tuple[str, ...]) -> None:
        with self._lock:
            self._pages[key] = pieces
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


PAGES = _Pages(KEPT)


def _key(request: HttpRequest, template_name: str, context: Mapping[str, Any]) -> bytes:
    user: Any = request.user
    shown = (
        template_name,
        get_language(),
        timezone.get_current_timezone_name(),
        timezone.localdate(),
        request.get_full_path(),
        (user.pk, user.username, user.first_name, user.last_name, user.role),
        sorted(context.items()),
    )
    # repr() of the page's values (built-in types, dates and frozen dataclasses): every
    # field is in it; the digest only keeps the key small.
    return hashlib.blake2b(repr(shown).encode(), digest_size=20).digest()


def render_kept(
    request: HttpRequest, template_name: str, context: Mapping[str, Any]
) -> HttpResponse:
    """``render(request, template_name, context)``, kept per everything the page shows.

    ``context`` must hold every value the template reads besides the request's user, language
    and address, as values whose ``repr`` shows all of them (numbers, texts, dates, lists,
    dicts, frozen dataclasses): the context processors' values are not part of the key, so a
    kept page may only use those that the key covers (the user) or that never change."""
    if len(get_messages(request)):
        return render(request, template_name, context)
    key = _key(request, template_name, context)
    pieces = PAGES.get(key)
    if pieces is None:
        html = render_to_string(template_name, {**context, "csrf_token": _MARK}, request)
        pieces = tuple(html.split(_MARK))
        PAGES.put(key, pieces)
    return HttpResponse(get_token(request).join(pieces))
