"""The exchange's pages for administrators: identity, peers, writing a bundle (a download),
applying one (an upload), the history and the matching of a box's learners on a hub. They go
through the same actions as `cartable exchange …`: same checks, same messages, same audit."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.exchange import identity
from cartable.exchange.models import Exchange, Learner, Peer, ReceivedEntry
from cartable.outbox.actions import add
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def client(admin):
    admin.language = "en"
    admin.save(update_fields=["language"])
    client = signed_in(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def _work(course, learner, data: bytes = b"%PDF-1.4 lettre") -> None:
    stored = blobs.add(io.BytesIO(data))
    with transaction.atomic():
        add(
            "submission",
            course=course,
            user=learner,
            payload={
                "text": "Ma lettre",
                "files": [{"filename": "f.pdf", "sha256": stored.sha256, "size": stored.size}],
            },
        )


def _leftovers() -> list[Path]:
    root = Path(settings.TMP_ROOT)
    return sorted(root.iterdir()) if root.exists() else []


def _download(response) -> bytes:
    assert response.status_code == 200, response.content[:500]
    assert response.streaming
    return b"".join(response.streaming_content)


# --- Identity -------------------------------------------------------------------------------


def test_the_identity_is_made_by_a_post_then_shown_to_print(client) -> None:
    page = client.get(reverse("exchange:identity"))
    assert page.status_code == 200
    assert "Make this box’s keys" in page.content.decode()
    assert not identity.exists()  # opening the page made nothing
    response = client.post(reverse("exchange:identity"))
    assert response.status_code == 302
    own = identity.load()
    assert AuditEvent.objects.filter(action="exchange.identity_created").count() == 1
    text = client.get(reverse("exchange:identity")).content.decode()
    assert own.public.fingerprint in text and own.public.text() in text
    client.post(reverse("exchange:identity"))  # again: the same keys, no second audit row
    assert identity.load().public == own.public
    assert AuditEvent.objects.filter(action="exchange.identity_created").count() == 1


# --- Peers ----------------------------------------------------------------------------------


def test_a_peer_is_registered_by_its_key_and_the_fingerprint_read_aloud(
    client, sides, institution
) -> None:
    hub = sides.public("hub")
    form = {
        "name": "hub-lille",
        "role": "hub",
        "institution": institution.pk,
        "key": hub.text(),
        "fingerprint": hub.fingerprint.lower().replace("-", " "),
    }
    wrong = {**form, "fingerprint": "AAAA-AAAA-AAAA-AAAA-AAAA"}
    page = client.post(reverse("exchange:peers"), wrong)
    assert page.status_code == 400
    assert "The fingerprint typed does not match this key" in page.content.decode()
    assert not Peer.objects.exists()
    page = client.post(reverse("exchange:peers"), {**form, "institution": ""})
    assert "A hub receives the work of one institution: name it." in page.content.decode()
    page = client.post(reverse("exchange:peers"), {**form, "key": "ssh-ed25519 AAAA"})
    assert "This is not a Cartable public key" in page.content.decode()
    assert not Peer.objects.exists()

    assert client.post(reverse("exchange:peers"), form).status_code == 302
    peer = Peer.objects.get()
    assert (peer.name, peer.role, peer.fingerprint) == ("hub-lille", "hub", hub.fingerprint)
    assert AuditEvent.objects.filter(action="exchange.peer_added").count() == 1
    text = client.get(reverse("exchange:peers")).content.decode()
    assert hub.fingerprint in text and institution.name in text
    again = client.post(reverse("exchange:peers"), {**form, "name": "hub-bis"})
    assert "This key is registered already." in again.content.decode()
    assert Peer.objects.count() == 1


def test_the_refusals_are_in_french_for_a_french_reader(admin, sides, institution) -> None:
    admin.language = "fr"
    admin.save(update_fields=["language"])
    client = signed_in(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    hub = sides.public("hub")
    with translation.override("fr"):
        page = client.post(
            reverse("exchange:peers"),
            {
                "name": "hub-lille",
                "role": "hub",
                "institution": institution.pk,
                "key": hub.text(),
                "fingerprint": "AAAA-AAAA-AAAA-AAAA-AAAA",
            },
        )
    assert page.status_code == 400
    assert "L’empreinte saisie ne correspond pas à cette clé" in page.content.decode()
    text = client.get(reverse("exchange:identity")).content.decode()
    assert "Créer les clés de cette box" in text and "Échanges avec l’université" in text


# --- Export ---------------------------------------------------------------------------------


def test_a_bundle_is_written_and_downloaded_and_nothing_is_left(
    client, admin, sides, peers, course, learner
) -> None:
    hub, _box = peers
    _work(course, learner)
    assert client.get(reverse("exchange:export")).status_code == 200
    response = client.post(reverse("exchange:export"), {"peer": hub.pk, "kind": ""})
    assert response["Content-Disposition"] == 'attachment; filename="hub-lille-work-1.cartable"'
    assert response["Cache-Control"] == "no-store"
    data = _download(response)
    done = Exchange.objects.get()
    assert (done.direction, done.kind, done.sequence, done.entries, done.files) == (
        "out",
        "work",
        1,
        1,
        1,
    )
    assert done.size == len(data) and int(response["Content-Length"]) == len(data)
    assert done.sha256 == hashlib.sha256(data).hexdigest()
    event = AuditEvent.objects.get(action="exchange.exported")
    assert event.actor_id == admin.pk
    # Read to its end, the response is closed (by the test client, as by the server).
    assert _leftovers() == []  # the work folder and the bundle's file are gone
    hub.refresh_from_db()
    assert hub.next_out == 2


def test_a_refused_export_says_why_and_leaves_nothing(client, sides, peers) -> None:
    hub, _box = peers
    page = client.post(reverse("exchange:export"), {"peer": hub.pk, "kind": "feedback"})
    assert page.status_code == 400
    assert "A “feedback” bundle does not go to hub-lille." in page.content.decode()
    assert not Exchange.objects.exists()
    assert _leftovers() == []
    hub.refresh_from_db()
    assert hub.next_out == 1


def test_a_failed_export_leaves_no_file_and_no_number(
    client, sides, peers, course, learner
) -> None:
    hub, _box = peers
    _work(course, learner, b"%PDF-1.4 perdu")
    for path in Path(settings.CONTENT_ROOT).rglob("*"):
        if path.is_file():
            path.unlink()  # the submitted file is lost from the content store
    page = client.post(reverse("exchange:export"), {"peer": hub.pk, "kind": "work"})
    assert page.status_code == 400
    assert "A submitted file is missing from the content store" in page.content.decode()
    assert not Exchange.objects.exists()
    assert _leftovers() == []


def test_export_answers_post_only_with_its_token(admin, sides, peers) -> None:
    from django.test import Client

    hub, _box = peers
    client = Client(enforce_csrf_checks=True)
    client.force_login(admin)
    assert client.post(reverse("exchange:export"), {"peer": hub.pk}).status_code == 403
    assert not Exchange.objects.exists()


# --- Import ---------------------------------------------------------------------------------


def _bundle(client, hub) -> bytes:
    return _download(client.post(reverse("exchange:export"), {"peer": hub.pk, "kind": "work"}))


@pytest.mark.parametrize("streamed", [False, True], ids=["in memory", "streamed to disk"])
def test_a_bundle_uploaded_is_applied_once(
    client, sides, peers, course, learner, settings, streamed: bool
) -> None:
    hub, box = peers
    _work(course, learner)
    data = _bundle(client, hub)
    if streamed:
        settings.FILE_UPLOAD_MAX_MEMORY_SIZE = 16  # written to disk by the upload handler
    with sides.on("hub"):
        response = client.post(
            reverse("exchange:import"), {"file": SimpleUploadedFile("travail.cartable", data)}
        )
        assert response.status_code == 302 and response["Location"] == reverse("exchange:history")
        history = client.get(response["Location"]).content.decode()
        assert "Applied bundle 1 from box-caen: 1 entries, 1 files." in history
        assert ReceivedEntry.objects.filter(peer=box).count() == 1
        again = client.post(
            reverse("exchange:import"), {"file": SimpleUploadedFile("travail.cartable", data)}
        )
        text = client.get(again["Location"]).content.decode()
    assert "Bundle 1 from box-caen was applied before: nothing changed." in text
    assert ReceivedEntry.objects.filter(peer=box).count() == 1
    assert AuditEvent.objects.filter(action="exchange.applied").count() == 1
    assert _leftovers() == []


@pytest.mark.parametrize(
    ("spoil", "message"),
    [
        (lambda data: b"PK\x03\x04" + data[4:], "This file is not a Cartable bundle."),
        (lambda data: data[:-10], "This bundle is incomplete (cut short)"),
        (lambda data: data + b"x", "This bundle has extra bytes at its end"),
        (
            lambda data: data[:-5] + bytes([data[-5] ^ 1]) + data[-4:],
            "This bundle was altered after it was signed",
        ),
    ],
    ids=["not a bundle", "truncated", "trailing", "tampered"],
)
def test_a_bad_bundle_is_refused_with_its_message_and_changes_nothing(
    client, sides, peers, course, learner, spoil, message: str
) -> None:
    hub, box = peers
    _work(course, learner)
    data = spoil(_bundle(client, hub))
    with sides.on("hub"):
        page = client.post(
            reverse("exchange:import"), {"file": SimpleUploadedFile("travail.cartable", data)}
        )
    assert page.status_code == 400
    assert message in page.content.decode()
    assert not ReceivedEntry.objects.exists()
    box.refresh_from_db()
    assert box.next_in == 1
    refused = Exchange.objects.get(direction="in")
    assert refused.result == "refused" and refused.size == len(data)
    assert _leftovers() == []


def test_a_bundle_for_another_box_is_refused(client, sides, peers, course, learner) -> None:
    hub, _box = peers
    _work(course, learner)
    data = _bundle(client, hub)  # addressed to the hub: the box itself opens it
    page = client.post(
        reverse("exchange:import"), {"file": SimpleUploadedFile("travail.cartable", data)}
    )
    assert page.status_code == 400
    assert "This bundle is addressed to another box or hub" in page.content.decode()
    assert not ReceivedEntry.objects.exists()


def test_a_missing_bundle_is_named(client, sides, peers, course, learner) -> None:
    hub, _box = peers
    _work(course, learner)
    _bundle(client, hub)  # number 1, lost
    second = _bundle(client, hub)
    with sides.on("hub"):
        page = client.post(
            reverse("exchange:import"), {"file": SimpleUploadedFile("t.cartable", second)}
        )
    assert page.status_code == 400
    assert "Bundle 1 from box-caen is missing: apply it first (this one is 2)." in (
        page.content.decode()
    )
    assert not ReceivedEntry.objects.exists()


# --- History --------------------------------------------------------------------------------


def test_the_history_lists_every_exchange_newest_first_in_pages(client, sides, peers) -> None:
    hub, _box = peers
    for sequence in range(1, 53):
        Exchange.objects.create(
            direction="out",
            peer=hub,
            kind="ack",
            sequence=sequence,
            size=1000 + sequence,
            sha256=f"{sequence:064x}",
            result="done",
        )
    Exchange.objects.create(
        direction="in",
        peer=None,
        kind="",
        size=12,
        sha256="f" * 64,
        result="refused",
        code="not_a_bundle",
        message="This file is not a Cartable bundle.",
    )
    first = client.get(reverse("exchange:history")).content.decode()
    assert "53 bundles" in first
    assert first.index("f" * 64) < first.index(f"{52:064x}")  # newest first
    assert "This file is not a Cartable bundle." in first
    assert f"{4:064x}" in first and f"{3:064x}" not in first  # 50 a page
    second = client.get(reverse("exchange:history") + "?page=2").content.decode()
    assert f"{3:064x}" in second and f"{1:064x}" in second and f"{4:064x}" not in second


# --- Learners -------------------------------------------------------------------------------


def test_learners_are_previewed_then_matched(client, sides, peers) -> None:
    _hub, box = peers
    Learner.objects.create(peer=box, box_username="alice", username="old", idnumber="1")
    Learner.objects.create(peer=box, box_username="bob", username="b.martin")
    csv = "box_username,username,idnumber\nalice,a.dupont,E1\nbob,b.martin,\nchloe,c.roy,E3\n"
    page = client.post(
        reverse("exchange:learners"),
        {"box": box.pk, "file": SimpleUploadedFile("comptes.csv", csv.encode())},
    )
    assert page.status_code == 200
    text = page.content.decode()
    assert "3 learners to match" in text
    assert "Replaced" in text and "Unchanged" in text and "New" in text
    assert Learner.objects.get(box_username="alice").username == "old"  # nothing yet
    assert not AuditEvent.objects.filter(action="exchange.learners_matched").exists()
    response = client.post(
        reverse("exchange:learners"), {"box": box.pk, "text": csv, "confirm": "1"}
    )
    assert response.status_code == 302
    assert dict(Learner.objects.values_list("box_username", "username")) == {
        "alice": "a.dupont",
        "bob": "b.martin",
        "chloe": "c.roy",
    }
    assert AuditEvent.objects.filter(action="exchange.learners_matched").count() == 1


def test_bad_lines_are_named_and_nothing_is_matched(client, sides, peers) -> None:
    _hub, box = peers
    csv = "box_username,username\nalice,a.dupont\nalice,a.autre\n,x\n"
    page = client.post(
        reverse("exchange:learners"),
        {"box": box.pk, "file": SimpleUploadedFile("comptes.csv", csv.encode())},
    )
    assert page.status_code == 400
    text = page.content.decode()
    assert "Line 3: “alice” is matched twice." in text
    assert "Line 4: a box username and a university account are needed." in text
    confirm = client.post(
        reverse("exchange:learners"), {"box": box.pk, "text": csv, "confirm": "1"}
    )
    assert confirm.status_code == 400
    assert not Learner.objects.exists()
    columns = client.post(
        reverse("exchange:learners"),
        {"box": box.pk, "file": SimpleUploadedFile("c.csv", b"nom,prenom\nA,B\n")},
    )
    assert "Line 1: the columns are box_username" in columns.content.decode()
    latin = client.post(
        reverse("exchange:learners"),
        {
            "box": box.pk,
            "file": SimpleUploadedFile("c.csv", "box_username,username\né,x\n".encode("latin-1")),
        },
    )
    assert "This file is not UTF-8 text." in latin.content.decode()
    assert not Learner.objects.exists()


def test_a_hub_is_not_a_box_to_match_learners_of(client, sides, peers) -> None:
    hub, _box = peers
    page = client.post(
        reverse("exchange:learners"),
        {"box": hub.pk, "file": SimpleUploadedFile("c.csv", b"box_username,username\na,b\n")},
    )
    assert page.status_code == 400
    assert not Learner.objects.exists()


def test_the_menu_links_the_exchange_for_administrators_only(client, staff) -> None:
    assert reverse("exchange:identity") in client.get(reverse("exchange:history")).content.decode()
    other = signed_in(staff).get(reverse("accounts:list")).content.decode()
    assert reverse("exchange:identity") not in other
    assert signed_in(staff).get(reverse("exchange:identity")).status_code == 403
