"""Every bad bundle is refused with its message and changes nothing but the history and the
audit log, which record the refusal; a good bundle applied twice changes nothing the second time."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Blob
from cartable.exchange import actions, identity
from cartable.exchange.models import Exchange, Peer, ReceivedEntry, SentEntry
from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.outbox.actions import add
from cartable.outbox.models import Entry
from tests.exchangesides import Sides

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture
def sent(peers, course, learner, stick: Path) -> list[Path]:
    """Two work bundles from the box, with a submitted file."""
    hub, _box = peers
    paths = []
    for number in (1, 2):
        blob = blobs.add(io.BytesIO(b"%PDF-1.4 lettre " + bytes([number])))
        with transaction.atomic():
            add(
                "submission",
                course=course,
                user=learner,
                payload={
                    "files": [{"filename": "l.pdf", "sha256": blob.sha256, "size": blob.size}]
                },
            )
        path = stick / f"work-{number}"
        actions.export(actor=None, peer=hub, kind="work", destination=path)
        paths.append(path)
    return paths


def snapshot() -> dict[str, object]:
    return {
        "received": list(ReceivedEntry.objects.values().order_by("pk")),
        "sent": list(SentEntry.objects.values().order_by("pk")),
        "peers": list(Peer.objects.values().order_by("pk")),
        "entries": list(Entry.objects.values().order_by("pk")),
        "blobs": list(Blob.objects.values().order_by("pk")),
        "store": sorted(blobs.store()),
        "done": list(Exchange.objects.filter(result="done").values().order_by("pk")),
    }


def refused_on_hub(sides: Sides, path: Path, code: str, message: str) -> None:
    before = snapshot()
    refusals = Exchange.objects.filter(result="refused").count()
    with sides.on("hub"), pytest.raises(CommandError) as error:
        call_command("exchange", "import", str(path), stdout=io.StringIO())
    assert message in str(error.value)
    assert snapshot() == before
    last = Exchange.objects.filter(result="refused").order_by("pk").last()
    assert Exchange.objects.filter(result="refused").count() == refusals + 1
    assert (last.code, last.message) == (code, str(error.value))
    assert AuditEvent.objects.filter(action="exchange.refused").last().details["code"] == code


def test_applying_the_same_bundle_twice_changes_nothing(sides, sent) -> None:
    with sides.on("hub"):
        actions.apply(actor=None, path=sent[0])
        before = snapshot()
        audit = AuditEvent.objects.count()
        out = io.StringIO()
        call_command("exchange", "import", str(sent[0]), stdout=out)
    assert "was applied before: nothing changed" in out.getvalue()
    assert snapshot() == before
    assert AuditEvent.objects.count() == audit
    assert Exchange.objects.count() == len(before["done"]) + 0


def test_a_missing_bundle_is_named(sides, sent) -> None:
    refused_on_hub(sides, sent[1], "missing", "Bundle 1 from box-caen is missing")


def test_an_old_bundle_is_refused_as_a_replay(sides, sent, stick: Path) -> None:
    with sides.on("hub"):
        actions.apply(actor=None, path=sent[0])
        actions.apply(actor=None, path=sent[1])
    # A bundle numbered 1 again, but other bytes (re-signed by the box): a replay.
    hub = Peer.objects.get(name="hub-lille")
    hub.next_out = 1
    hub.save()
    Exchange.objects.filter(direction="out").delete()
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "again-1")
    refused_on_hub(
        sides, stick / "again-1", "replayed", "Bundle 1 from box-caen was already applied"
    )


def test_a_tampered_bundle_is_refused(sides, sent) -> None:
    data = bytearray(sent[0].read_bytes())
    data[-5] ^= 0x40
    sent[0].write_bytes(bytes(data))
    refused_on_hub(sides, sent[0], "tampered", "altered after it was signed")


def test_a_truncated_bundle_is_refused(sides, sent) -> None:
    sent[0].write_bytes(sent[0].read_bytes()[:-100])
    refused_on_hub(sides, sent[0], "truncated", "incomplete (cut short)")


def test_a_forged_bundle_is_refused(sides, sent, stick: Path) -> None:
    # Someone with the hub's public key writes a bundle claiming to be the box.
    forger = PrivateIdentity.generate()
    box_fp = sides.public("box").fingerprint
    path = stick / "forged"
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=forger,
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", b"")],
        )
    path.write_bytes(path.read_bytes().replace(forger.public.fingerprint.encode(), box_fp.encode()))
    refused_on_hub(sides, path, "bad_signature", "may be forged")


def test_a_bundle_from_a_stranger_is_refused(sides, sent, stick: Path) -> None:
    path = stick / "stranger"
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=PrivateIdentity.generate(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", b"")],
        )
    refused_on_hub(sides, path, "unknown_sender", "not a registered peer")


def test_a_bundle_for_another_hub_is_refused(sides, sent) -> None:
    with sides.on("box"):  # the box is not the bundle's recipient
        before = snapshot()
        with pytest.raises(BundleError) as error:
            actions.apply(actor=None, path=sent[0])
    assert error.value.code == "wrong_recipient"
    assert snapshot() == before


def test_a_bundle_of_the_wrong_kind_is_refused(sides, peers, stick: Path) -> None:
    _hub, box = peers
    with sides.on("hub"):
        actions.export(actor=None, peer=box, kind="ack", destination=stick / "ack-1")
    # The box writes "feedback" to the hub itself: not what a box sends (a hub does).
    path = stick / "odd"
    with sides.on("box"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", b"")],
        )
    refused_on_hub(sides, path, "unexpected_kind", "is not expected from box-caen")


@pytest.mark.parametrize(
    "entries",
    [
        b"not json\n",
        b'{"id": "1", "kind": "grade", "created_at": "2026-12-02T10:00:00", "payload": {}}\n',
        b'{"id": 1, "kind": "virus", "created_at": "2026-12-02T10:00:00", "payload": {}}\n',
        b'{"id": 1, "kind": "grade", "created_at": "2026-12-02T10:00:00",'
        b' "payload": {"files": [{"sha256": "' + b"a" * 64 + b'"}]}}\n',
    ],
)
def test_signed_but_malformed_work_is_refused(sides, peers, stick: Path, entries: bytes) -> None:
    path = stick / "bad"
    with sides.on("box"), path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=identity.load(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", entries)],
        )
    refused_on_hub(sides, path, "bad_content", "not what a “work” bundle carries")


def test_a_file_under_another_files_name_is_refused(sides, peers, stick: Path) -> None:
    sha = "a" * 64
    line = (
        b'{"id": 1, "kind": "submission", "created_at": "2026-12-02T10:00:00+00:00",'
        b' "payload": {"files": [{"sha256": "' + sha.encode() + b'"}]}}\n'
    )
    path = stick / "swapped"
    with sides.on("box"), path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=identity.load(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[
                bundle.member_from_bytes("entries.jsonl", line),
                bundle.member_from_bytes("blobs/" + sha, b"other bytes"),
            ],
        )
    refused_on_hub(sides, path, "bad_content", "not what a “work” bundle carries")
