"""The box's identity and its peers: keys in the data folder (0600, never in the database), a
fingerprint staff check aloud, peers registered only when the fingerprint typed matches."""

from __future__ import annotations

import re
import stat
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cartable.audit.models import AuditEvent
from cartable.exchange import identity
from cartable.exchange.models import Peer
from cartable.exchange.wire.keys import PrivateIdentity

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def run(*args: str) -> str:
    out = StringIO()
    call_command("exchange", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


def test_it_makes_and_prints_the_identity_once(home: Path) -> None:
    out = run("identity")
    fingerprint = re.search(r"Fingerprint: (\S+)", out).group(1)
    key = re.search(r"Public key: (cartable1:\S+)", out).group(1)
    assert re.fullmatch(r"[A-Z2-7]{4}(-[A-Z2-7]{4}){4}", fingerprint)
    assert identity.load().public.text() == key
    assert run("identity") == out
    assert AuditEvent.objects.filter(action="exchange.identity_created").count() == 1


def test_the_private_keys_are_the_owners_only_and_never_in_the_database(home: Path) -> None:
    run("identity")
    path = home / identity.FILE
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    secret = path.read_text().strip().split(":", 1)[1]
    with connection.cursor() as cursor:
        tables = connection.introspection.table_names(cursor)
    for table in tables:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}"')  # noqa: S608 (table names from Django)
            assert secret[:32] not in repr(cursor.fetchall())


def test_it_refuses_an_identity_file_others_can_read(home: Path) -> None:
    run("identity")
    (home / identity.FILE).chmod(0o644)
    with pytest.raises(identity.IdentityError, match="chmod 600"):
        identity.load()


def test_it_registers_a_peer_whose_fingerprint_matches(institution) -> None:
    other = PrivateIdentity.generate().public
    typed = other.fingerprint.lower().replace("-", " ")
    out = run(
        "peer",
        "add",
        "hub-lille",
        "--key",
        other.text(),
        "--fingerprint",
        typed,
        "--institution",
        "univ-lille",
    )
    assert f"Registered hub-lille ({other.fingerprint})." in out
    peer = Peer.objects.get()
    assert (peer.role, peer.institution, peer.fingerprint) == (
        "hub",
        institution,
        other.fingerprint,
    )
    assert (peer.next_out, peer.next_in) == (1, 1)
    event = AuditEvent.objects.get(action="exchange.peer_added")
    assert event.details["fingerprint"] == other.fingerprint
    assert "hub-lille" in run("peer", "list")


def test_it_refuses_a_peer_whose_fingerprint_does_not_match(institution) -> None:
    other = PrivateIdentity.generate().public
    wrong = PrivateIdentity.generate().public.fingerprint
    with pytest.raises(CommandError, match="does not match this key"):
        run(
            "peer",
            "add",
            "hub-lille",
            "--key",
            other.text(),
            "--fingerprint",
            wrong,
            "--institution",
            "univ-lille",
        )
    assert not Peer.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.peer_added").exists()


@pytest.mark.parametrize(
    ("key", "message"),
    [("ssh-ed25519 AAAA", "not a Cartable public key"), ("cartable1:AAAA", "not a Cartable")],
)
def test_it_refuses_what_is_not_a_key(institution, key: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        run(
            "peer", "add", "x", "--key", key, "--fingerprint", "AAAA", "--institution", "univ-lille"
        )


def test_it_refuses_a_hub_without_institution_and_a_key_twice(institution) -> None:
    other = PrivateIdentity.generate().public
    with pytest.raises(CommandError, match="one institution"):
        run("peer", "add", "a", "--key", other.text(), "--fingerprint", other.fingerprint)
    run(
        "peer",
        "add",
        "a",
        "--key",
        other.text(),
        "--fingerprint",
        other.fingerprint,
        "--institution",
        "univ-lille",
    )
    with pytest.raises(CommandError, match="registered already"):
        run(
            "peer",
            "add",
            "b",
            "--key",
            other.text(),
            "--fingerprint",
            other.fingerprint,
            "--role",
            "box",
        )


def test_it_refuses_its_own_key_as_a_peer(db) -> None:
    own = identity.load(create=True).public
    with pytest.raises(CommandError, match="own"):
        run(
            "peer",
            "add",
            "me",
            "--key",
            own.text(),
            "--fingerprint",
            own.fingerprint,
            "--role",
            "box",
        )
