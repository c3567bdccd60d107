"""Closing a client's connection without waiting for the client.

Gunicorn (27) closes each connection it does not keep alive "gracefully" (RFC 9112 § 9.6): it
sends its FIN, then reads until the client closes its side, for up to 2 s, so that request
bytes left unread in the socket do not make the kernel answer with a reset, which could cut
the response short at the client. It does so in the thread that accepts and dispatches every
connection of the worker (gthread's main thread; the sync worker's only one): each response
held that thread for the client's round trip, during which no request could start or end
(measured under load on loopback: p90 6.5 ms, 13–15 % of the thread's time; on a classroom's
Wi-Fi, a round trip is a few to tens of milliseconds for every request).

Here, as nginx's ``lingering_close on`` does, the close lingers only when the client may still
be sending: when unread bytes wait in the socket (a body the box refused to read, a pipelined
request). Otherwise the socket is closed at once: the kernel sends the response's last bytes
and the FIN, and takes the client's FIN on its own, without a reset. A socket that must linger
is handed to one thread of the process that drains all of them at once (a selector) until the
client closes, ``max_drain`` bytes were read or ``timeout`` seconds passed (gunicorn's limits);
past ``most`` sockets lingering at once, a new one is drained of what is there and closed.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

LINGERING_MAX = 256  # sockets lingering at once, per process
READ = 4096


@dataclass(slots=True)
class _Held:
    deadline: float
    left: int  # bytes that may still be drained


def _close(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.close()


class Lingering:
    """``close(sock, timeout, max_drain)``: gunicorn's ``util.close_graceful``, lingering only
    when needed, and then in a thread of its own. ``done`` is called (in that thread) each time
    a lingering socket is closed."""

    def __init__(
        self,
        graceful: Callable[..., None],
        most: int = LINGERING_MAX,
        done: Callable[[], None] | None = None,
    ) -> None:
        self._graceful = graceful  # gunicorn's own, for what this cannot handle (TLS)
        self._most = most
        self._done = done
        self._lock = threading.Lock()
        self._incoming: list[tuple[socket.socket, _Held]] = []
        self._count = 0  # sockets handed over and not closed yet
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._thread: threading.Thread | None = None

    def close(self, sock: socket.socket, timeout: float = 2.0, max_drain: int = 65536) -> None:
        if isinstance(sock, ssl.SSLSocket):
            self._graceful(sock, timeout, max_drain)
            return
        try:
            unread = sock.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT)
        except BlockingIOError:
            unread = b""  # nothing sent after the request
        except OSError:
            unread = b""  # reset or gone: nothing to protect
        if not unread:  # (or the client closed its side already)
            _close(sock)
            return
        try:
            sock.shutdown(socket.SHUT_WR)  # the response ends here: the client sees its end
        except OSError:
            _close(sock)
            return
        with self._lock:
            full = self._count >= self._most
            if not full:
                self._count += 1
                self._incoming.append((sock, _Held(time.monotonic() + timeout, max_drain)))
                wake = self._started()
        if full:
            self._drain_now(sock, max_drain)
            return
        with contextlib.suppress(OSError):  # the wake-up pipe full: the thread is awake already
            wake.send(b"\0")

    def lingering(self) -> int:
        """Sockets handed over and not closed yet."""
        with self._lock:
            return self._count

    def _started(self) -> socket.socket:
        """The wake-up end of the thread (started the first time: in the process that
        lingers, after the fork)."""
        if self._wake is None or self._thread is None or not self._thread.is_alive():
            self._wake = socket.socketpair()
            for end in self._wake:
                end.setblocking(False)
            self._thread = threading.Thread(
                target=self._run, args=(self._wake[0],), name="cartable-linger", daemon=True
            )
            self._thread.start()
        return self._wake[1]

    def _drain_now(self, sock: socket.socket, left: int) -> None:
        try:
            sock.setblocking(False)
            while left > 0 and sock.recv(READ):
                left -= READ
        except OSError:
            pass
        _close(sock)

    def _run(self, woken: socket.socket) -> None:
        selector = selectors.DefaultSelector()
        selector.register(woken, selectors.EVENT_READ)
        held: dict[socket.socket, _Held] = {}
        while True:
            with self._lock:
                incoming, self._incoming = self._incoming, []
            for sock, holding in incoming:
                try:
                    sock.setblocking(False)
                    selector.register(sock, selectors.EVENT_READ)
                except (OSError, ValueError):
                    self._finish(selector, held, sock, registered=False)
                    continue
                held[sock] = holding
            now = time.monotonic()
            wait = min((h.deadline for h in held.values()), default=now + 60.0) - now
            for key, _events in selector.select(max(wait, 0.0)):
                if key.fileobj is woken:
                    try:
                        while woken.recv(READ):
                            pass
                    except OSError:
                        pass
                    continue
                sock = key.fileobj  # type: ignore[assignment]
                try:
                    data = sock.recv(READ)
                except BlockingIOError:
                    continue
                except OSError:
                    data = b""
                holding = held[sock]
                holding.left -= len(data)
                if not data or holding.left <= 0:
                    self._finish(selector, held, sock)
            now = time.monotonic()
            for sock in [s for s, h in held.items() if h.deadline <= now]:
                self._finish(selector, held, sock)

    def _finish(
        self,
        selector: selectors.BaseSelector,
        held: dict[socket.socket, _Held],
        sock: socket.socket,
        *,
        registered: bool = True,
    ) -> None:
        if registered:
            selector.unregister(sock)
        held.pop(sock, None)
        _close(sock)
        with self._lock:
            self._count -= 1
        if self._done is not None:
            self._done()
