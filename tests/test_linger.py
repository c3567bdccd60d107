"""A connection the server does not keep alive is closed at once when the client has sent
nothing more, and lingers, in a thread of its own, while it may still be sending: the client
always reads the whole response, never a reset, and the thread that closes never waits."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest
from gunicorn import util as gunicorn_util

from cartable.lib import linger
from cartable.web.management.commands import serve

RESPONSE = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello" * 50


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.create_server(("127.0.0.1", 0))
    yield server
    server.close()


def connected(server: socket.socket) -> tuple[socket.socket, socket.socket]:
    client = socket.create_connection(server.getsockname())
    accepted, _address = server.accept()
    return client, accepted


def read_all(client: socket.socket) -> bytes:
    client.settimeout(10)
    received = b""
    while chunk := client.recv(65536):
        received += chunk
    return received


class Closings:
    """A ``Lingering`` whose closes of lingering sockets can be waited for."""

    def __init__(self, most: int = linger.LINGERING_MAX) -> None:
        self.closed = threading.Semaphore(0)
        self.graceful: list[socket.socket] = []
        self.lingering = linger.Lingering(
            lambda sock, *args: self.graceful.append(sock), most, self.closed.release
        )

    def wait(self) -> None:
        assert self.closed.acquire(timeout=10), "the lingering socket was never closed"


def test_a_client_that_sent_nothing_more_is_closed_at_once(listener) -> None:
    closings = Closings()
    client, accepted = connected(listener)
    client.sendall(b"GET / HTTP/1.1\r\n\r\n")
    assert accepted.recv(1024).startswith(b"GET")
    accepted.sendall(RESPONSE)
    closings.lingering.close(accepted)
    assert accepted.fileno() == -1  # closed by the call itself
    assert closings.lingering.lingering() == 0
    assert read_all(client) == RESPONSE  # then the FIN, no reset
    assert closings.lingering._thread is None  # nothing ever lingered
    client.close()


def test_a_client_still_sending_reads_the_whole_response_and_is_drained(listener) -> None:
    closings = Closings()
    client, accepted = connected(listener)
    client.sendall(b"POST / HTTP/1.1\r\nContent-Length: 900000\r\n\r\n" + b"x" * 30000)
    accepted.recv(64)  # the server read the start of the request only (a refused body)
    accepted.sendall(RESPONSE)
    closings.lingering.close(accepted)  # returns at once: the thread lingers
    assert closings.lingering.lingering() == 1
    client.sendall(b"y" * 20000)  # the client goes on sending: no reset for that
    assert read_all(client) == RESPONSE
    client.close()
    closings.wait()
    assert closings.lingering.lingering() == 0
    assert accepted.fileno() == -1


def test_a_client_that_never_closes_is_let_go_at_the_deadline(listener) -> None:
    closings = Closings()
    client, accepted = connected(listener)
    client.sendall(b"GET / HTTP/1.1\r\n\r\nGET /next HTTP/1.1\r\n\r\n")  # pipelined
    accepted.recv(20)
    accepted.sendall(RESPONSE)
    closings.lingering.close(accepted, timeout=0.05)
    closings.wait()
    assert read_all(client) == RESPONSE
    client.close()


def test_a_client_sending_more_than_the_drain_limit_is_let_go(listener) -> None:
    closings = Closings()
    client, accepted = connected(listener)
    client.sendall(b"z" * 10)
    accepted.sendall(RESPONSE)
    closings.lingering.close(accepted, max_drain=4096)
    client.sendall(b"z" * 100_000)
    closings.wait()
    assert closings.lingering.lingering() == 0
    client.close()


def test_past_the_limit_a_lingering_socket_is_drained_and_closed_at_once(listener) -> None:
    closings = Closings(most=1)
    first, first_accepted = connected(listener)
    second, second_accepted = connected(listener)
    for client, accepted in ((first, first_accepted), (second, second_accepted)):
        client.sendall(b"unread")
        accepted.sendall(RESPONSE)
        closings.lingering.close(accepted)
    assert closings.lingering.lingering() == 1
    assert second_accepted.fileno() == -1
    first.close()
    closings.wait()
    assert closings.lingering.lingering() == 0
    second.close()


def test_serve_closes_without_waiting_once_however_often_it_is_set_up(monkeypatch) -> None:
    original = gunicorn_util.close_graceful
    monkeypatch.setattr(gunicorn_util, "close_graceful", original)
    serve.close_without_waiting()
    installed = gunicorn_util.close_graceful
    assert isinstance(installed.__self__, linger.Lingering)
    assert installed.__self__._graceful is original
    serve.close_without_waiting()
    assert gunicorn_util.close_graceful is installed
