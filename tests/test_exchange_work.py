"""Work out, acknowledgement back: the box writes its unacknowledged outbox entries and the files
they name to the hub; the hub keeps them and acknowledges; the box marks them sent, and only then
stops sending them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import transaction
from django.utils import translation

from cartable.accounts.models import Institution
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.exchange import actions, identity
from cartable.exchange.models import Exchange, Peer, ReceivedEntry, SentEntry
from cartable.exchange.wire import bundle
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.outbox.actions import add
from cartable.outbox.models import Entry
from tests.conftest import build_course

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def work(course, learner, *, files: list[bytes] = ()) -> Entry:
    stored = [blobs.add(io.BytesIO(data)) for data in files]
    with transaction.atomic():
        return add(
            "submission",
            course=course,
            user=learner,
            payload={
                "text": "Ma lettre",
                "files": [
                    {"filename": f"f{i}.pdf", "sha256": b.sha256, "size": b.size}
                    for i, b in enumerate(stored)
                ],
            },
        )


def test_it_sends_the_institutions_work_with_its_files(
    sides, peers, course, learner, stick: Path, institution
) -> None:
    hub, box = peers
    first = work(course, learner, files=[b"%PDF-1.4 lettre", b"%PDF-1.4 cv"])
    second = work(course, learner)
    elsewhere = build_course(Institution.objects.create(slug="univ-caen", name="Caen"), "X1")
    work(elsewhere, learner)  # another institution's: not in this bundle
    path = stick / "work-1.cartable"
    done = actions.export(actor=None, peer=hub, kind="work", destination=path)
    assert (done.sequence, done.entries, done.files) == (1, 2, 2)
    assert done.sha256 == bundle.file_sha256(path) and done.size == path.stat().st_size
    assert list(stick.iterdir()) == [path]  # nothing left beside it
    hub.refresh_from_db()
    assert hub.next_out == 2
    assert AuditEvent.objects.filter(action="exchange.exported").count() == 1

    with sides.on("hub"):
        applied = actions.apply(actor=None, path=path)
    assert not applied.again
    received = list(ReceivedEntry.objects.filter(peer=box))
    assert [r.entry_id for r in received] == [first.pk, second.pk]
    assert received[0].payload["course"]["shortname"] == "HIST101"
    for item in first.payload["files"]:
        assert blobs.store().exists(item["sha256"])
    box.refresh_from_db()
    assert box.next_in == 2
    assert AuditEvent.objects.filter(action="exchange.applied").count() == 1


def test_the_box_sends_again_until_acknowledged_then_marks_sent(
    sides, peers, course, learner, stick: Path
) -> None:
    hub, box = peers
    first = work(course, learner)
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    # The first stick is lost; new work is made; the second bundle carries both.
    second = work(course, learner)
    again = actions.export(actor=None, peer=hub, kind="work", destination=stick / "w2")
    assert (again.sequence, again.entries) == (2, 2)
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "w1")
        actions.apply(actor=None, path=stick / "w2")
        assert ReceivedEntry.objects.filter(peer=box).count() == 2
        ack = actions.export(actor=None, peer=box, kind="ack", destination=stick / "a1")
    assert ack.entries == 2
    assert not ReceivedEntry.objects.filter(ack_pending=True).exists()
    assert not SentEntry.objects.exists()
    actions.apply(actor=None, path=stick / "a1")
    assert set(SentEntry.objects.values_list("entry_id", flat=True)) == {first.pk, second.pk}
    assert Entry.objects.count() == 2  # marked, never deleted
    third = work(course, learner)
    later = actions.export(actor=None, peer=hub, kind="work", destination=stick / "w3")
    assert (later.sequence, later.entries) == (3, 1)
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "w3")
    assert ReceivedEntry.objects.filter(peer=box, ack_pending=True).get().entry_id == third.pk


def test_a_lost_acknowledgement_is_made_again_from_the_work_sent_again(
    sides, peers, course, learner, stick: Path
) -> None:
    hub, box = peers
    entry = work(course, learner)
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "w1")
        actions.export(actor=None, peer=box, kind="ack", destination=stick / "a1")  # lost
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w2")
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "w2")
        assert ReceivedEntry.objects.filter(peer=box).count() == 1
        actions.export(actor=None, peer=box, kind="ack", destination=stick / "a2")
    actions.apply(actor=None, path=stick / "a1")
    actions.apply(actor=None, path=stick / "a2")
    assert SentEntry.objects.get().entry_id == entry.pk


def test_a_failed_export_leaves_no_file_and_no_used_number(
    sides, peers, course, learner, stick: Path, monkeypatch
) -> None:
    hub, _box = peers
    work(course, learner)

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(bundle, "write", broken)
    with pytest.raises(OSError, match="disk full"):
        actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    assert list(stick.iterdir()) == []
    hub.refresh_from_db()
    assert hub.next_out == 1
    assert not Exchange.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.exported").exists()


def test_it_refuses_to_overwrite_a_file_or_send_the_wrong_kind(sides, peers, stick: Path) -> None:
    hub, box = peers
    (stick / "there").write_bytes(b"x")
    with pytest.raises(actions.Refused, match="exists already"):
        actions.export(actor=None, peer=hub, kind="work", destination=stick / "there")
    with pytest.raises(actions.Refused, match="does not go to"):
        actions.export(actor=None, peer=hub, kind="feedback", destination=stick / "a")
    with pytest.raises(actions.Refused, match="does not go to"):
        actions.export(actor=None, peer=box, kind="work", destination=stick / "w")


def test_a_nul_character_in_a_learners_text_does_not_block_the_exchange(
    sides, peers, course, learner, stick: Path
) -> None:
    from cartable.exchange.wire import bundle as wire

    _hub, box = peers
    line = (
        b'{"id": 5, "kind": "submission", "created_at": "2026-12-02T10:00:00+00:00",'
        b' "payload": {"text": "a\\u0000b", "files": []}}\n'
    )
    path = stick / "nul"
    with sides.on("box"), path.open("wb") as out:
        wire.write(
            out,
            kind="work",
            sender=identity.load(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[wire.member_from_bytes("entries.jsonl", line)],
        )
    with sides.on("hub"):
        actions.apply(actor=None, path=path)
    assert ReceivedEntry.objects.get(peer=box).payload["text"] == "ab"


def test_it_refuses_a_bad_peer_name_and_a_missing_folder(sides, peers, stick: Path) -> None:
    hub, _box = peers
    key = PrivateIdentity.generate().public
    with pytest.raises(actions.Refused, match="lowercase letters"):
        actions.add_peer(
            actor=None, name="Hub Lille", role="box", key_text=key.text(),
            fingerprint=key.fingerprint,
        )  # fmt: skip
    with pytest.raises(actions.Refused, match="No folder"):
        actions.export(actor=None, peer=hub, kind="work", destination=stick / "no" / "w")


def test_two_exports_at_once_never_share_a_number(
    sides, peers, course, learner, stick: Path, monkeypatch
) -> None:
    hub, _box = peers
    work(course, learner)
    original = bundle.write

    def meanwhile(*args, **kwargs):
        # Another export takes number 1 while this one writes its file.
        Peer.objects.filter(pk=hub.pk).update(next_out=2)
        return original(*args, **kwargs)

    monkeypatch.setattr(bundle, "write", meanwhile)
    with pytest.raises(actions.Refused, match="written meanwhile"):
        actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    assert list(stick.iterdir()) == []
    assert not Exchange.objects.exists()


def test_nothing_readable_is_left_beside_the_bundle_or_in_the_data_folder(
    sides, peers, course, learner, stick: Path, home: Path
) -> None:
    hub, _box = peers
    work(course, learner)
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    assert [p.name for p in stick.iterdir()] == ["w1"]
    assert list((home / "tmp").iterdir()) == []
