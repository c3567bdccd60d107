"""Two sides of an exchange in one test database: a box and a hub, each with its own identity
file, each registered as the other's peer. ``sides.box()`` / ``sides.hub()`` switch whose data
folder the exchange reads its keys from."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cartable.accounts.models import Institution
from cartable.exchange import actions, identity
from cartable.exchange.models import Peer


class Sides:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
        self.monkeypatch = monkeypatch
        self.files = {"box": root / "box_identity", "hub": root / "hub_identity"}
        self.current = "box"
        monkeypatch.setattr(identity, "path", lambda: self.files[self.current])

    @contextmanager
    def on(self, side: str) -> Iterator[None]:
        before, self.current = self.current, side
        try:
            yield
        finally:
            self.current = before

    def public(self, side: str):
        with self.on(side):
            return identity.load(create=True).public


def register(sides: Sides, institution: Institution) -> tuple[Peer, Peer]:
    """The hub as the box's peer, and the box as the hub's."""
    hub_key, box_key = sides.public("hub"), sides.public("box")
    with sides.on("box"):
        hub = actions.add_peer(
            actor=None,
            name="hub-lille",
            role=Peer.Role.HUB,
            key_text=hub_key.text(),
            fingerprint=hub_key.fingerprint,
            institution=institution,
        )
    with sides.on("hub"):
        box = actions.add_peer(
            actor=None,
            name="box-caen",
            role=Peer.Role.BOX,
            key_text=box_key.text(),
            fingerprint=box_key.fingerprint,
        )
    return hub, box


# The fixtures of a test with both sides (registered for every test module by tests/conftest.py).


@pytest.fixture
def sides(monkeypatch, tmp_path_factory) -> Sides:
    return Sides(monkeypatch, tmp_path_factory.mktemp("sides"))


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A folder standing for the USB stick."""
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


@pytest.fixture
def peers(sides: Sides, institution: Institution) -> tuple[Peer, Peer]:
    """The hub as the box's peer and the box as the hub's, for ``institution``."""
    return register(sides, institution)
