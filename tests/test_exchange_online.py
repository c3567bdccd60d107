"""Online mode: the box pushes its bundles to the hub and pulls the hub's over HTTPS (a real
TLS server with a test CA), each request signed by the box's key, each bundle checked and
applied exactly as from a file. Refused requests (forged, stale, replayed, unknown, too large,
misaddressed) change nothing; a connection cut mid-upload applies nothing, and the next sync
completes; the same sync twice changes nothing."""

from __future__ import annotations

import io
import re
import shutil
import time
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction
from django.http import FileResponse, StreamingHttpResponse
from django.utils import translation

from cartable.accounts.models import Role
from cartable.assignments import actions as assignments
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course
from cartable.exchange import actions, api, courses, identity, online, outgoing
from cartable.exchange.matching import Match
from cartable.exchange.models import Exchange, Peer, ReceivedEntry, RequestNonce, SentEntry
from cartable.exchange.wire import request as signing
from cartable.exchange.wire.bundle import BundleError
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.grades.models import Grade
from cartable.outbox.actions import add
from cartable.outbox.models import Entry
from tests.assignwork import homework, pdf
from tests.conftest import make_user, signed_in
from tests.onlinehub import Hub

PUSH = "/exchange/api/v1/bundles"
PULL = "/exchange/api/v1/bundles/next"


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def hub(transactional_db, sides, peers, settings, tmp_path):
    """The hub's API on, served over HTTPS; the box trusts the test CA and knows the address."""
    settings.EXCHANGE_API_ENABLED = True
    server = Hub(sides, tmp_path)
    settings.EXCHANGE_CA_FILE = str(server.ca_file)
    hub_peer, _box = peers
    online.set_url(actor=None, peer=hub_peer, url=server.url)
    yield server
    server.stop()


@pytest.fixture
def work(institution):
    """One piece of the box's work for the hub's institution."""
    course = Course.objects.create(
        institution=institution, shortname="HIST", title="Histoire", source="moodle", source_id="42"
    )
    with transaction.atomic():
        return add("grade", course=course, payload={"score": "14.5"})


def the_hub(peers) -> Peer:
    return Peer.objects.get(pk=peers[0].pk)


def the_box(peers) -> Peer:
    return Peer.objects.get(pk=peers[1].pk)


def state() -> tuple:
    return (
        list(Exchange.objects.values().order_by("pk")),
        list(ReceivedEntry.objects.values().order_by("pk")),
        list(SentEntry.objects.values().order_by("pk")),
        list(Peer.objects.values().order_by("pk")),
    )


def box_key(sides) -> PrivateIdentity:
    with sides.on("box"):
        return identity.load()


def signed(sides, peers, method: str, path: str, body: bytes = b"", **changes) -> dict[str, str]:
    own = changes.pop("own", None) or box_key(sides)
    headers = signing.sign(
        own,
        method=method,
        path=path,
        hub=the_hub(peers).fingerprint,
        time=changes.pop("time", int(time.time())),
        content=signing.hashlib.sha256(body).hexdigest(),
    )
    return {**headers, **changes}


# --- The round trip -------------------------------------------------------------------------


def test_work_reaches_the_hub_and_the_acknowledgement_comes_back(hub, peers, work) -> None:
    synced = online.sync(actor=None, peer=the_hub(peers))
    assert synced.sent == [1] and synced.received == [1]
    received = ReceivedEntry.objects.get(peer=the_box(peers))
    assert received.entry_id == work.pk and received.payload["score"] == "14.5"
    assert SentEntry.objects.filter(peer=the_hub(peers), entry=work).exists()
    assert not actions.unacknowledged(the_hub(peers)).exists()
    rows = Exchange.objects.order_by("pk")
    assert [(r.peer.name, r.direction, r.kind, r.sequence, r.result, r.via) for r in rows] == [
        ("hub-lille", "out", "work", 1, "done", "online"),
        ("box-caen", "in", "work", 1, "done", "online"),
        ("box-caen", "out", "ack", 1, "done", "online"),
        ("hub-lille", "in", "ack", 1, "done", "online"),
    ]
    synced_event = AuditEvent.objects.get(action="exchange.synced")
    assert synced_event.details == {"sent": [1], "received": [1]}
    # Nothing kept once the other side has it (the hub forgets its ack at the next pull).
    assert outgoing.held(the_hub(peers)) == []


def test_the_same_sync_twice_changes_nothing(hub, peers, work) -> None:
    online.sync(actor=None, peer=the_hub(peers))
    before = state()
    synced = online.sync(actor=None, peer=the_hub(peers))
    assert synced.sent == [] and synced.received == []
    assert state() == before
    assert AuditEvent.objects.filter(action="exchange.synced").count() == 1


def test_the_command_syncs_and_says_so(hub, peers, work) -> None:
    out = io.StringIO()
    call_command("exchange", "sync", "--to", "hub-lille", stdout=out)
    assert "Synced with hub-lille: 1 bundles sent, 1 applied." in out.getvalue()
    with pytest.raises(CommandError, match="No hub named"):
        call_command("exchange", "sync", "--to", "box-caen")


def test_feedback_is_pulled_applied_and_acknowledged(
    hub, sides, peers, course, teacher, learner, establishment, monkeypatch
) -> None:
    """The hub's teacher grades the box's learner (the university's "lea.moreau"); the box's
    sync brings the grade, comment and file back, and acknowledges them."""
    box = the_box(peers)
    # One database for both sides: the hub's own grade entries would also be the box's work
    # (and, acknowledged as such, no longer owed as feedback). The box sends no work here.
    owed = actions.unacknowledged
    monkeypatch.setattr(
        actions,
        "unacknowledged",
        lambda peer: Entry.objects.none() if peer.role == Peer.Role.HUB else owed(peer),
    )
    graded = homework(course, title="Lettre")
    Activity.objects.filter(pk=graded.pk).update(source_key="assign-311")
    graded.refresh_from_db()
    university_lea = make_user("lea.moreau", Role.LEARNER, establishment)
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    assignments.grade(
        actor=teacher,
        activity=graded,
        learner=university_lea,
        points=15,
        feedback="Très bien argumenté.",
        uploads=[pdf("corrige.pdf")],
    )
    online.sync(actor=None, peer=the_hub(peers))
    grade = Grade.objects.get(user=learner, activity=graded)
    assert grade.grade == 15 and "Très bien argumenté." in grade.feedback
    assert grade.files.get().filename == "corrige.pdf"
    feedback = Exchange.objects.get(direction="in", kind="feedback")
    assert (feedback.peer.name, feedback.result, feedback.via) == ("hub-lille", "done", "online")
    # Acknowledged: the hub no longer owes the box its grade entries.
    assert not actions.unacknowledged(box).exists()
    assert SentEntry.objects.filter(peer=box).count() == 2
    before = state()
    assert online.sync(actor=None, peer=the_hub(peers)).received == []
    assert state() == before


# --- A connection cut, a sync stopped -------------------------------------------------------


class CutCable(io.RawIOBase):
    """A bundle's file that gives half its bytes, then the cable is pulled."""

    def __init__(self, path: Path, mode: str) -> None:
        self.data = path.read_bytes()
        self.given = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        if self.given:
            raise ConnectionResetError("cable pulled")
        self.given = True
        return self.data[: len(self.data) // 2]


def test_a_cut_mid_upload_applies_nothing_and_the_next_sync_completes(
    hub, peers, work, monkeypatch
) -> None:
    monkeypatch.setattr(online, "_body", CutCable)
    with pytest.raises(online.SyncError) as cut:
        online.sync(actor=None, peer=the_hub(peers))
    assert cut.value.code == "connection"
    hub.wait_for(2)  # a pull (nothing yet), then the push the hub saw end short
    assert not Exchange.objects.filter(direction="in").exists()
    assert not ReceivedEntry.objects.exists()
    refused = AuditEvent.objects.get(action="exchange.api_refused")
    assert refused.details["code"] == "truncated_upload"
    # The box keeps bundle 1, numbered and recorded, to send again.
    assert [n for n, _ in outgoing.held(the_hub(peers))] == [1]

    monkeypatch.setattr(online, "_body", Path.open)
    synced = online.sync(actor=None, peer=the_hub(peers))
    assert synced.sent == [1] and synced.received == [1]
    assert SentEntry.objects.filter(entry=work).exists()
    assert Exchange.objects.filter(direction="out", peer=the_hub(peers)).count() == 1


def test_a_bundle_sent_again_after_a_lost_answer_is_applied_once(
    hub, peers, work, tmp_path
) -> None:
    """The hub applied the bundle but its answer was lost: the box still holds it, sends it
    again, and the hub says it had it."""
    original = outgoing.write
    kept = tmp_path / "kept"

    def write_and_keep(peer, kind):
        sequence, path = original(peer, kind)
        if peer.name == "hub-lille":  # the box's bundle, not the hub's
            shutil.copy(path, kept)
        return sequence, path

    outgoing.write = write_and_keep  # type: ignore[assignment]
    try:
        online.sync(actor=None, peer=the_hub(peers))
    finally:
        outgoing.write = original  # type: ignore[assignment]
    shutil.copy(kept, outgoing.path_of(the_hub(peers), 1))
    before = ReceivedEntry.objects.count()
    synced = online.sync(actor=None, peer=the_hub(peers))
    assert synced.sent == [1]
    assert ReceivedEntry.objects.count() == before == 1
    assert Exchange.objects.filter(direction="in", peer=the_box(peers)).count() == 1
    assert outgoing.held(the_hub(peers)) == []


def test_a_cut_mid_download_applies_nothing_and_the_next_sync_fetches_the_same_bundle(
    hub, peers, work, monkeypatch
) -> None:
    """The hub's server drops the connection halfway through its acknowledgement: the box
    applies nothing; the next sync fetches the same bundle (its number kept, not rewritten)."""

    def dropped(stream, content_type):
        data = stream.read()
        stream.close()

        def halfway():
            yield data[: len(data) // 2]
            raise ConnectionAbortedError("server gone")

        return StreamingHttpResponse(halfway(), content_type=content_type)

    monkeypatch.setattr(api, "FileResponse", dropped)
    with pytest.raises(online.SyncError) as cut:
        online.sync(actor=None, peer=the_hub(peers))
    assert cut.value.code == "connection"
    hub.wait_for(2)
    assert not Exchange.objects.filter(direction="in", peer=the_hub(peers)).exists()
    assert not SentEntry.objects.exists()
    assert [n for n, _ in outgoing.held(the_box(peers))] == [1]

    monkeypatch.setattr(api, "FileResponse", FileResponse)
    synced = online.sync(actor=None, peer=the_hub(peers))
    assert synced.received == [1]
    assert SentEntry.objects.filter(entry=work).exists()
    assert Exchange.objects.filter(direction="out", peer=the_box(peers)).count() == 1


def test_a_bundle_the_hub_wrote_to_a_file_is_not_fetched_online(
    hub, sides, peers, work, tmp_path
) -> None:
    with sides.on("hub"):
        actions.export(actor=None, peer=the_box(peers), kind="ack", destination=tmp_path / "ack-1")
    with pytest.raises(online.SyncError) as elsewhere:
        online.sync(actor=None, peer=the_hub(peers))
    assert elsewhere.value.code == "elsewhere"
    assert "written to a file" in elsewhere.value.message
    # Imported from its file, the sync goes on from there.
    actions.apply(actor=None, path=tmp_path / "ack-1")
    online.sync(actor=None, peer=the_hub(peers))
    assert SentEntry.objects.filter(entry=work).exists()


# --- Refused requests -----------------------------------------------------------------------


def test_a_forged_request_signature_is_refused(hub, sides, peers, work) -> None:
    before = state()
    forger = PrivateIdentity.generate()
    headers = signed(sides, peers, "GET", PULL + "?sequence=1", own=forger)
    headers[signing.PEER] = the_box(peers).fingerprint  # claims to be the box
    status, data, _ = hub.request("GET", PULL + "?sequence=1", headers)
    assert (status, data["code"]) == (401, "bad_request_signature")
    assert state() == before and not RequestNonce.objects.exists()
    assert AuditEvent.objects.get(action="exchange.api_refused").details["code"] == (
        "bad_request_signature"
    )


def test_a_request_signed_for_another_path_is_refused(hub, sides, peers) -> None:
    headers = signed(sides, peers, "GET", PULL + "?sequence=5")
    status, data, _ = hub.request("GET", PULL + "?sequence=1", headers)
    assert (status, data["code"]) == (401, "bad_request_signature")


def test_a_stale_request_is_refused(hub, sides, peers) -> None:
    before = state()
    headers = signed(sides, peers, "GET", PULL + "?sequence=1", time=int(time.time()) - 600)
    status, data, _ = hub.request("GET", PULL + "?sequence=1", headers)
    assert (status, data["code"]) == (401, "stale")
    assert "clock" in data["message"]
    assert state() == before


def test_a_replayed_request_is_refused(hub, sides, peers, work) -> None:
    online.sync(actor=None, peer=the_hub(peers))
    headers = signed(sides, peers, "GET", PULL + "?sequence=2")
    assert hub.request("GET", PULL + "?sequence=2", headers)[0] == 204
    before = state()
    status, data, _ = hub.request("GET", PULL + "?sequence=2", headers)
    assert (status, data["code"]) == (401, "replayed_request")
    assert state() == before


def test_an_unknown_peer_is_refused(hub, sides, peers, work) -> None:
    before = state()
    stranger = PrivateIdentity.generate()
    headers = signed(sides, peers, "GET", PULL + "?sequence=1", own=stranger)
    status, data, _ = hub.request("GET", PULL + "?sequence=1", headers)
    assert (status, data["code"]) == (401, "unknown_peer")
    assert state() == before


def test_a_hub_cannot_call_as_a_box(hub, sides, peers) -> None:
    """The hub's own key (a registered peer, but a hub) is not a caller."""
    with sides.on("hub"):
        own = identity.load()
    headers = signed(sides, peers, "GET", PULL + "?sequence=1", own=own)
    assert hub.request("GET", PULL + "?sequence=1", headers)[1]["code"] == "unknown_peer"


def test_an_oversized_body_is_refused_before_it_is_read(hub, sides, peers, settings) -> None:
    settings.EXCHANGE_API_MAX_BYTES = 64 * 1024
    before = state()
    body = b"x" * (64 * 1024 + 1)
    status, _, _ = hub.request("POST", PUSH, signed(sides, peers, "POST", PUSH, body), body)
    assert status == 413
    assert state() == before


def test_the_box_says_its_bundle_is_too_large(hub, peers, work, settings) -> None:
    settings.EXCHANGE_API_MAX_BYTES = 64 * 1024
    Entry.objects.filter(pk=work.pk).update(payload={"text": "x" * 100_000})
    with pytest.raises(online.SyncError) as refused:
        online.sync(actor=None, peer=the_hub(peers))
    assert refused.value.code == "too_large"
    assert not Exchange.objects.filter(direction="in").exists()


def test_a_body_not_the_one_signed_is_refused(hub, sides, peers, work) -> None:
    body = b"CARTBND1 not the signed one"
    headers = signed(sides, peers, "POST", PUSH, b"another body")
    status, data, _ = hub.request("POST", PUSH, headers, body)
    assert (status, data["code"]) == (400, "body_mismatch")
    assert not Exchange.objects.filter(direction="in").exists()


def test_a_bundle_for_another_recipient_is_refused(
    hub, sides, peers, institution, tmp_path
) -> None:
    """The box's own, signed bundle, addressed to another hub: refused, recorded, no change."""
    other = PrivateIdentity.generate().public
    elsewhere = actions.add_peer(
        actor=None,
        name="hub-caen",
        role=Peer.Role.HUB,
        key_text=other.text(),
        fingerprint=other.fingerprint,
        institution=institution,
    )
    path = tmp_path / "misaddressed"
    actions.export(actor=None, peer=elsewhere, kind="work", destination=path)
    body = path.read_bytes()
    status, data, _ = hub.request("POST", PUSH, signed(sides, peers, "POST", PUSH, body), body)
    assert (status, data["result"], data["code"]) == (422, "refused", "wrong_recipient")
    refused = Exchange.objects.get(direction="in")
    assert (refused.result, refused.code, refused.via) == ("refused", "wrong_recipient", "online")
    assert not ReceivedEntry.objects.exists()
    assert the_box(peers).next_in == 1


def test_another_boxs_bundle_is_not_accepted_from_this_box(
    hub, sides, peers, work, tmp_path
) -> None:
    """A bundle the box wrote is accepted only from the box: sent under another registered
    box's signed request, it is from an unknown sender."""
    other = PrivateIdentity.generate()
    actions.add_peer(
        actor=None,
        name="box-rennes",
        role=Peer.Role.BOX,
        key_text=other.public.text(),
        fingerprint=other.public.fingerprint,
    )
    path = tmp_path / "work-1"
    actions.export(actor=None, peer=the_hub(peers), kind="work", destination=path)
    body = path.read_bytes()
    headers = signed(sides, peers, "POST", PUSH, body, own=other)
    status, data, _ = hub.request("POST", PUSH, headers, body)
    assert (status, data["code"]) == (422, "unknown_sender")
    assert not ReceivedEntry.objects.exists()


def test_an_unsigned_request_or_a_session_gives_no_access(
    hub, sides, peers, staff, settings
) -> None:
    status, data, _ = hub.request("GET", PULL + "?sequence=1", {})
    assert (status, data["code"]) == (401, "unsigned")
    response = signed_in(staff).get(PULL, {"sequence": "1"})
    assert response.status_code == 401 and response.json()["code"] == "unsigned"
    response = signed_in(staff).post(PUSH, b"x", content_type="application/octet-stream")
    assert response.status_code == 401
    settings.EXCHANGE_API_ENABLED = False
    assert signed_in(staff).get(PULL, {"sequence": "1"}).status_code == 404


def test_a_sequence_the_hub_never_wrote_is_refused(hub, sides, peers) -> None:
    headers = signed(sides, peers, "GET", PULL + "?sequence=9")
    status, data, _ = hub.request("GET", PULL + "?sequence=9", headers)
    assert (status, data["code"]) == (409, "ahead")


@pytest.mark.parametrize(
    ("query", "status", "code"),
    [("?sequence=1&course=9", 409, "ahead"), ("?sequence=1&course=x", 400, "bad_sequence")],
)
def test_a_course_number_the_hub_never_reached_or_not_a_number_is_refused(
    hub, sides, peers, query, status, code
) -> None:
    headers = signed(sides, peers, "GET", PULL + query)
    answer, data, _ = hub.request("GET", PULL + query, headers)
    assert (answer, data["code"]) == (status, code)


def test_a_box_over_its_rate_is_refused(hub, sides, peers, settings) -> None:
    settings.EXCHANGE_API_RATE_PER_MINUTE = 2
    for _ in range(2):
        assert (
            hub.request(
                "GET", PULL + "?sequence=1", signed(sides, peers, "GET", PULL + "?sequence=1")
            )[0]
            == 204
        )
    status, data, _ = hub.request(
        "GET", PULL + "?sequence=1", signed(sides, peers, "GET", PULL + "?sequence=1")
    )
    assert (status, data["code"]) == (429, "rate_limited")


# --- The box's side: addresses and certificates ----------------------------------------------


@pytest.mark.parametrize(
    "url",
    ["http://hub.example.org", "ftp://hub.example.org", "https://", "hub.example.org",
     "https://user@hub.example.org", "https://hub.example.org/?x=1"],
)  # fmt: skip
def test_a_hub_is_reached_over_https_only(db, peers, url) -> None:
    with pytest.raises(actions.Refused):
        online.set_url(actor=None, peer=the_hub(peers), url=url)
    assert the_hub(peers).url == ""


def test_http_to_this_machine_and_https_are_accepted(db, peers) -> None:
    assert online.check_url("http://127.0.0.1:8000") == "http://127.0.0.1:8000"
    hub = online.set_url(actor=None, peer=the_hub(peers), url="https://hub.univ-lille.fr/cartable/")
    assert hub.url == "https://hub.univ-lille.fr/cartable"
    event = AuditEvent.objects.get(action="exchange.peer_url")
    assert event.details["url"] == "https://hub.univ-lille.fr/cartable"
    with pytest.raises(actions.Refused):
        online.set_url(actor=None, peer=the_box(peers), url="https://box.example.org")


def test_a_hub_whose_certificate_is_not_trusted_is_not_spoken_to(
    hub, peers, work, settings
) -> None:
    settings.EXCHANGE_CA_FILE = ""  # the system's CAs: the test CA is not among them
    with pytest.raises(online.SyncError) as refused:
        online.sync(actor=None, peer=the_hub(peers))
    assert refused.value.code == "tls"
    assert not Exchange.objects.filter(direction="in").exists()


def test_no_address_is_said(db, peers) -> None:
    with pytest.raises(online.SyncError) as missing:
        online.sync(actor=None, peer=the_hub(peers))
    assert missing.value.code == "no_url"


# --- The signed text (pure) -----------------------------------------------------------------


def test_a_signature_covers_method_path_hub_time_nonce_and_body() -> None:
    own, hub_fp = PrivateIdentity.generate(), "AAAA-BBBB-CCCC-DDDD-EEEE"
    headers = signing.sign(
        own, method="post", path="/p?x=1", hub=hub_fp, time=1000, content="a" * 64
    )
    parsed = signing.parse(headers)
    signing.check(parsed, own.public, method="POST", path="/p?x=1", hub=hub_fp, now=1100, skew=300)
    for change in (
        {"method": "GET"},
        {"path": "/p?x=2"},
        {"hub": "BBBB-BBBB-CCCC-DDDD-EEEE"},
    ):
        arguments = {"method": "POST", "path": "/p?x=1", "hub": hub_fp, **change}
        with pytest.raises(signing.RequestError, match="signature"):
            signing.check(parsed, own.public, now=1000, skew=300, **arguments)
    with pytest.raises(signing.RequestError) as stale:
        signing.check(
            parsed, own.public, method="POST", path="/p?x=1", hub=hub_fp, now=1301, skew=300
        )
    assert stale.value.code == "stale"


@pytest.mark.parametrize(
    ("header", "value", "code"),
    [
        (signing.PEER, "", "unsigned"),
        (signing.PEER, "not-a-fingerprint", "bad_request"),
        (signing.TIME, "-5", "bad_request"),
        (signing.NONCE, "XYZ", "bad_request"),
        (signing.CONTENT, "0" * 63, "bad_request"),
        (signing.SIGNATURE, "!!!", "bad_request"),
        (signing.SIGNATURE, "AAAA", "bad_request"),
    ],
)
def test_malformed_signing_headers_are_refused(header, value, code) -> None:
    headers = signing.sign(
        PrivateIdentity.generate(), method="GET", path="/", hub="AAAA-BBBB-CCCC-DDDD-EEEE", time=1
    )
    headers[header] = value
    with pytest.raises(signing.RequestError) as refused:
        signing.parse(headers)
    assert refused.value.code == code


# --- The page holds the code ----------------------------------------------------------------

PAGE = (Path(__file__).resolve().parent.parent / "docs/exchange.md").read_text(encoding="utf-8")


def test_the_page_lists_every_refusal_of_a_request_with_its_status() -> None:
    rows = re.findall(r"^\| (\d{3}) \| `([a-z_]+)` \|", PAGE, flags=re.MULTILINE)
    assert {code: int(status) for status, code in rows} == api.STATUS
    with translation.override("en"):
        assert set(api.messages()) == set(api.STATUS)


def test_the_page_names_the_headers_and_the_signed_text() -> None:
    for header in signing.HEADERS:
        assert f"| `{header}` |" in PAGE
    assert f"`{signing.VERSION}`" in PAGE
    assert f"`POST {online.PUSH}`" in PAGE and f"`GET {online.PULL}?sequence=N&course=M`" in PAGE


def test_a_refused_course_bundle_holds_up_nothing_and_resend_all_brings_a_new_one(
    hub, peers, work, monkeypatch
) -> None:
    """A course bundle the box refuses (files it lost) stops neither the work going out nor its
    acknowledgement coming back; it is served again, the same, until the hub's staff ask for
    every file again: then the next sync fetches a new course bundle, not the old one."""
    courses.offer(actor=None, peer=the_box(peers), course=work.course)

    def lacking(reader):
        raise BundleError("course_missing_files", "1 files", kind="course", count=1)

    monkeypatch.setattr(courses, "read", lacking)
    for _round in range(2):
        with pytest.raises(online.SyncError) as refused:
            online.sync(actor=None, peer=the_hub(peers))
        assert refused.value.code == "course_missing_files"
    assert not actions.unacknowledged(the_hub(peers)).exists()  # the work went, acknowledged
    assert (the_hub(peers).next_in, the_hub(peers).course_in) == (2, 0)
    courses.resend_all(actor=None, peer=the_box(peers))
    with pytest.raises(online.SyncError):
        online.sync(actor=None, peer=the_hub(peers))
    rows = Exchange.objects.filter(kind="course").order_by("pk")
    assert [(r.direction, r.sequence, r.result) for r in rows] == [
        ("out", 1, "done"),
        ("in", 1, "refused"),
        ("in", 1, "refused"),  # the same bundle, kept for the box
        ("out", 2, "done"),
        ("in", 2, "refused"),  # the new one
    ]
    assert len({r.sha256 for r in rows if r.sequence == 1}) == 1
