"""A hub served over real HTTPS in a thread of the test process: Django's WSGI application
behind a TLS socket whose certificate a test CA (``trustme``) signed, so that the box's client
checks it as it would a real hub's. The server thread reads the hub's keys, the test's own
thread the box's (one database for both sides, as in tests/exchangesides.py)."""

from __future__ import annotations

import http.client
import json
import ssl
import threading
from pathlib import Path
from typing import Any

import trustme
from django.core.handlers.wsgi import WSGIHandler
from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
from django.db import connections

from tests.exchangesides import Sides


class QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class CountingServer(WSGIServer):
    """One request at a time; counts those handled (a test waits for one the client gave up
    on, rather than sleeping)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handled = 0
        self.changed = threading.Condition()

    def process_request(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request(request, client_address)
        finally:
            with self.changed:
                self.handled += 1
                self.changed.notify_all()

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that cut the connection: the view saw it


class Hub:
    def __init__(self, sides: Sides, folder: Path) -> None:
        self.ca = trustme.CA()
        self.ca_file = folder / "ca.pem"
        self.ca.cert_pem.write_to_path(str(self.ca_file))
        certificate = self.ca.issue_cert("localhost", "127.0.0.1")
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        certificate.configure_cert(context)
        self.server = CountingServer(("127.0.0.1", 0), QuietHandler, ipv6=False)
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.server.set_app(WSGIHandler())
        self.port = self.server.server_address[1]
        self.url = f"https://localhost:{self.port}"
        shared = {
            alias: connections[alias]
            for alias in connections
            if connections[alias].vendor == "sqlite" and connections[alias].is_in_memory_db()
        }
        for connection in shared.values():
            connection.inc_thread_sharing()
        self._shared = shared
        self.thread = threading.Thread(target=self._serve, args=(shared,), daemon=True)
        # The hub's keys in the server thread, the box's (or whichever side a test is on)
        # elsewhere.
        import cartable.exchange.identity as identity

        sides.monkeypatch.setattr(
            identity,
            "path",
            lambda: sides.files[
                "hub" if threading.current_thread() is self.thread else sides.current
            ],
        )
        self.thread.start()

    def _serve(self, shared: dict[str, Any]) -> None:
        for alias, connection in shared.items():
            connections[alias] = connection
        try:
            self.server.serve_forever(poll_interval=0.05)
        finally:
            if not shared:
                connections.close_all()

    def wait_for(self, count: int) -> None:
        """Until the server has handled ``count`` requests in all."""
        with self.server.changed:
            assert self.server.changed.wait_for(lambda: self.server.handled >= count, timeout=30)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=30)
        for connection in self._shared.values():
            connection.dec_thread_sharing()

    def request(
        self, method: str, path: str, headers: dict[str, str], body: bytes | None = None
    ) -> tuple[int, dict[str, Any], bytes]:
        """A raw request (a test's own headers), its status, JSON answer and body."""
        context = ssl.create_default_context(cafile=str(self.ca_file))
        connection = http.client.HTTPSConnection(
            "localhost", self.port, context=context, timeout=30
        )
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            raw = response.read()
        finally:
            connection.close()
        try:
            data = (
                json.loads(raw) if response.getheader("Content-Type") == "application/json" else {}
            )
        except ValueError:
            data = {}
        return response.status, data, raw
