"""Feedback back (hub → box): the grades, comments and feedback files a teacher gives on the hub
to a box's learners go out in a signed, encrypted, numbered bundle; the box checks it whole and
records each grade through its own grading actions, so that the learner sees it; once only,
then acknowledged, and the hub stops sending it."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cartable.accounts.models import Institution, Role
from cartable.assignments import actions as assignments
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity
from cartable.exchange import actions, identity
from cartable.exchange.matching import Match
from cartable.exchange.models import Exchange, ParkedEntry, Peer, ReceivedEntry, SentEntry
from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.grades.models import FeedbackFile, Grade
from tests.assignwork import PDF, homework, pdf
from tests.conftest import build_course, make_user, signed_in
from tests.exchangesides import Sides

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def graded(peers, course, teacher, establishment):
    """On the hub (one database for both sides here): the box's learner "lea" is the
    university's "lea.moreau", whom the hub's teacher grades, with a corrected copy."""
    _hub, box = peers
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311")
    work.refresh_from_db()
    university_lea = make_user("lea.moreau", Role.LEARNER, establishment)
    actions.match_learners(
        actor=None, peer=box, matches=[Match("lea", username="lea.moreau", idnumber="21904512")]
    )
    assignments.grade(
        actor=teacher,
        activity=work,
        learner=university_lea,
        points=15,
        feedback="Très bien argumenté.",
        uploads=[pdf("corrige.pdf")],
    )
    return work


def feedback_out(sides: Sides, box: Peer, path: Path) -> Exchange:
    with sides.on("hub"):
        return actions.export(actor=None, peer=box, kind="feedback", destination=path)


def state() -> tuple:
    return (
        list(Grade.objects.values().order_by("pk")),
        list(FeedbackFile.objects.values().order_by("pk")),
        list(ReceivedEntry.objects.values().order_by("pk")),
        list(Peer.objects.values().order_by("pk")),
        AuditEvent.objects.exclude(action="exchange.refused").count(),
    )


def test_the_learner_sees_the_hubs_grade_comment_and_file(
    sides, peers, graded, learner, stick: Path
) -> None:
    hub, box = peers
    out = feedback_out(sides, box, stick / "feedback-1")
    assert (out.kind, out.sequence, out.entries, out.files) == ("feedback", 1, 2, 1)
    assert not Grade.objects.filter(user=learner).exists()

    applied = actions.apply(actor=None, path=stick / "feedback-1")
    assert not applied.again and applied.skipped == 0
    grade = Grade.objects.get(user=learner, activity=graded)
    assert grade.grade == 15 and "Très bien argumenté." in grade.feedback
    assert grade.released_at is not None and grade.graded_by is None
    copy = grade.files.get()
    assert copy.filename == "corrige.pdf"
    assert copy.blob_id == Grade.objects.get(user__username="lea.moreau").files.get().blob_id
    page = signed_in(learner).get(
        reverse("assignments:assignment", args=[graded.course_id, graded.pk])
    )
    text = page.content.decode()
    assert "15 out of 20" in text and "Très bien argumenté." in text and "corrige.pdf" in text
    download = signed_in(learner).get(
        reverse("assignments:feedback_file", args=[graded.course_id, graded.pk, copy.pk])
    )
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    event = AuditEvent.objects.filter(action="exchange.applied").last()
    assert event.details["kind"] == "feedback" and event.details["skipped"] == 0
    assert AuditEvent.objects.filter(action="grade.recorded", details__learner="lea").exists()
    hub.refresh_from_db()
    assert hub.next_in == 2


def test_applying_feedback_twice_or_again_in_a_later_bundle_changes_nothing(
    sides, peers, graded, learner, stick: Path
) -> None:
    _hub, box = peers
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    before = state()
    out = io.StringIO()
    call_command("exchange", "import", str(stick / "f1"), stdout=out)
    assert "was applied before: nothing changed" in out.getvalue()
    assert state() == before
    # Not acknowledged yet: the hub sends the same entries again; the box takes them once.
    again = feedback_out(sides, box, stick / "f2")
    assert (again.sequence, again.entries) == (2, 2)
    actions.apply(actor=None, path=stick / "f2")
    grades, files = before[0], before[1]
    assert list(Grade.objects.values().order_by("pk")) == grades
    assert list(FeedbackFile.objects.values().order_by("pk")) == files


def test_the_box_acknowledges_and_the_hub_stops_sending(
    sides, peers, graded, learner, stick: Path
) -> None:
    hub, box = peers
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    ack = actions.export(actor=None, peer=hub, kind="ack", destination=stick / "a1")
    assert (ack.kind, ack.entries) == ("ack", 2)
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "a1")
    assert SentEntry.objects.filter(peer=box).count() == 2
    assert feedback_out(sides, box, stick / "f2").entries == 0


def test_feedback_for_what_the_box_does_not_hold_is_left_out_and_said(
    sides, peers, graded, teacher, establishment, institution, stick: Path
) -> None:
    _hub, box = peers
    # A learner matched to this box but not enrolled in the course on the box.
    make_user("noe", Role.LEARNER, establishment)
    hub_noe = make_user("noe.petit", Role.LEARNER, establishment)
    actions.match_learners(
        actor=None,
        peer=box,
        matches=[Match("lea", username="lea.moreau"), Match("noe", username="noe.petit")],
    )
    assignments.grade(actor=teacher, activity=graded, learner=hub_noe, points=9)
    # Another institution's course: never the hub's to grade on this box.
    elsewhere = build_course(Institution.objects.create(slug="univ-caen", name="Caen"), "X1")
    foreign = homework(elsewhere, title="Autre")
    Activity.objects.filter(pk=foreign.pk).update(source_key="assign-311")
    assignments.grade(actor=teacher, activity=foreign, learner=Grade.objects.first().user, points=3)
    feedback_out(sides, box, stick / "f1")
    out = io.StringIO()
    call_command("exchange", "import", str(stick / "f1"), stdout=out)
    assert "2 grades were left out" in out.getvalue()
    assert not Grade.objects.filter(user__username="noe").exists()
    assert not Grade.objects.filter(user__username="lea", activity=foreign).exists()
    assert Grade.objects.get(user__username="lea", activity=graded).grade == 15


def refused_on_box(path: Path, code: str, message: str) -> None:
    before = state()
    with pytest.raises(CommandError) as error:
        call_command("exchange", "import", str(path), stdout=io.StringIO())
    assert message in str(error.value)
    assert state() == before
    last = Exchange.objects.filter(result="refused").order_by("pk").last()
    assert (last.code, last.message) == (code, str(error.value))
    assert AuditEvent.objects.filter(action="exchange.refused").last().details["code"] == code


def test_a_tampered_feedback_bundle_is_refused(sides, peers, graded, learner, stick) -> None:
    _hub, box = peers
    path = stick / "f1"
    feedback_out(sides, box, path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x40
    path.write_bytes(bytes(data))
    refused_on_box(path, "tampered", "altered after it was signed")
    assert not Grade.objects.filter(user=learner).exists()


def test_feedback_for_another_box_is_refused(sides, peers, graded, learner, stick) -> None:
    _hub, box = peers
    feedback_out(sides, box, stick / "f1")
    with sides.on("hub"), pytest.raises(BundleError) as error:  # the hub is not its recipient
        actions.apply(actor=None, path=stick / "f1")
    assert error.value.code == "wrong_recipient"
    assert not Grade.objects.filter(user=learner).exists()


def test_an_old_feedback_bundle_is_refused_as_a_replay(
    sides, peers, graded, learner, stick
) -> None:
    _hub, box = peers
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    # Numbered 1 again, other bytes (written again by the hub): a replay.
    Peer.objects.filter(pk=box.pk).update(next_out=1)
    Exchange.objects.filter(direction="out").delete()
    feedback_out(sides, box, stick / "again-1")
    refused_on_box(stick / "again-1", "replayed", "Bundle 1 from hub-lille was already applied")


def test_a_missing_feedback_bundle_is_named(sides, peers, graded, learner, stick) -> None:
    _hub, box = peers
    feedback_out(sides, box, stick / "f1")
    feedback_out(sides, box, stick / "f2")
    refused_on_box(stick / "f2", "missing", "Bundle 1 from hub-lille is missing")
    assert not Grade.objects.filter(user=learner).exists()


def test_a_box_sends_no_feedback_and_a_hub_no_work(sides, peers, stick) -> None:
    hub, box = peers
    with pytest.raises(actions.Refused, match="does not go to"):
        actions.export(actor=None, peer=hub, kind="feedback", destination=stick / "x")
    with sides.on("hub"), pytest.raises(actions.Refused, match="does not go to"):
        actions.export(actor=None, peer=box, kind="work", destination=stick / "y")
    # A "feedback" bundle written by a box is refused by the hub.
    path = stick / "odd"
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("hub"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", b"")],
        )
    with sides.on("hub"), pytest.raises(BundleError) as error:
        actions.apply(actor=None, path=path)
    assert error.value.code == "unexpected_kind"


@pytest.mark.parametrize(
    "line",
    [
        # Feedback brings grades back, nothing else.
        b'{"id": 1, "kind": "submission", "created_at": "2026-12-02T10:00:00+00:00",'
        b' "payload": {}}\n',
        b'{"id": 1, "kind": "grade", "created_at": "2026-12-02T10:00:00+00:00",'
        b' "payload": {"feedback_files": [{"sha256": "' + b"a" * 64 + b'"}]}}\n',
    ],
)
def test_signed_but_malformed_feedback_is_refused(sides, peers, learner, stick, line) -> None:
    path = stick / "bad"
    with sides.on("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("box"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", line)],
        )
    refused_on_box(path, "bad_content", "is not what a “feedback” bundle carries")


def test_a_forged_feedback_bundle_is_refused(sides, peers, learner, stick) -> None:
    forger = PrivateIdentity.generate()
    path = stick / "forged"
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=forger,
            recipient=sides.public("box"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", b"")],
        )
    hub_fp = sides.public("hub").fingerprint
    path.write_bytes(path.read_bytes().replace(forger.public.fingerprint.encode(), hub_fp.encode()))
    refused_on_box(path, "bad_signature", "may be forged")


def hub_line(number: int, **payload) -> bytes:
    base = {
        "course": {"source": "", "id": "", "shortname": "HIST101"},
        "activity": {"key": "assign-311", "kind": "assign", "title": "Lettre"},
        "user": {"username": "lea"},
    }
    line = {
        "id": number,
        "kind": "grade",
        "created_at": "2026-12-02T10:00:00+00:00",
        "payload": {**base, **payload},
    }
    return (json.dumps(line) + "\n").encode()


@pytest.mark.parametrize(
    "payload",
    [
        {"grade": "quinze", "max": 20, "feedback_html": ""},
        {"grade": 25, "max": 20, "feedback_html": "<p>Trop</p>"},  # past the assignment's 20
        {"grade": True, "max": 20},
        {"grade": 12, "max": 20, "user": {"username": "nobody"}},
        {"grade": 12, "max": 20, "user": "lea"},
        {"grade": 12, "max": 20, "activity": {"key": ""}},
        {"feedback_files": "corrige.pdf"},
    ],
)
def test_hostile_feedback_from_the_hub_is_left_out_not_applied(
    sides, peers, course, learner, stick, payload
) -> None:
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311")
    path = stick / "hostile"
    with sides.on("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("box"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", hub_line(7, **payload))],
        )
    applied = actions.apply(actor=None, path=path)
    assert applied.skipped == 1
    assert not Grade.objects.exists()
    assert ReceivedEntry.objects.get().entry_id == 7  # received, so acknowledged: not resent


def test_a_grade_for_a_course_not_on_the_box_waits_for_it_not_applied(
    sides, peers, course, learner, stick
) -> None:
    """Course bundles are numbered on their own: the course may come later (issue 12)."""
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311")
    path = stick / "early"
    line = hub_line(7, grade=12, max=20, course={"source": "moodle", "id": "999"})
    with sides.on("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("box"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", line)],
        )
    applied = actions.apply(actor=None, path=path)
    assert (applied.skipped, applied.parked) == (0, 1)
    assert not Grade.objects.exists()
    assert ParkedEntry.objects.get().course_source_id == "999"
    assert ReceivedEntry.objects.get().entry_id == 7  # received, so acknowledged: not resent


def test_the_hubs_comment_is_sanitised_on_the_box(sides, peers, course, learner, stick) -> None:
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311")
    path = stick / "f1"
    line = hub_line(
        3, grade=11, max=20, feedback_html='<p onclick="x()">Revoir</p><script>alert(1)</script>'
    )
    with sides.on("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=sides.public("box"),
            sequence=1,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", line)],
        )
    assert actions.apply(actor=None, path=path).skipped == 0
    grade = Grade.objects.get(user=learner)
    assert grade.grade == 11 and "Revoir" in grade.feedback
    assert "script" not in grade.feedback and "onclick" not in grade.feedback
