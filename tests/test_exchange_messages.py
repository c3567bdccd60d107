"""A remote teacher's message (hub → box): written on the hub to a box's learner, it travels in
the box's feedback bundle and is written on the box as that teacher's, through the messaging
actions: held for staff where the learner's establishment moderates messages, audited, once
only, and never for a learner that teacher does not teach."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from cartable.accounts.models import Institution, Role, User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Enrolment
from cartable.exchange import actions
from cartable.exchange.matching import Match
from cartable.exchange.models import Exchange, Peer, ReceivedEntry, SentEntry
from cartable.messaging import access
from cartable.messaging import actions as messaging
from cartable.messaging.models import BODY_MAX, Message, Policy
from cartable.outbox.models import Entry
from tests.conftest import build_course, make_user, signed_in
from tests.exchangesides import Sides

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def remote(course) -> User:
    """The university's teacher: on the box, an account of no establishment teaching the
    course (one database for both sides here, so the same account). The course is the
    university's: known by its Moodle id."""
    Course.objects.filter(pk=course.pk).update(source="moodle", source_id="311")
    teacher = make_user("prof-univ", Role.TEACHER, None, first_name="Paule", last_name="Lenoir")
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    return teacher


@pytest.fixture
def hub_lea(peers, course) -> User:
    """On the hub, the university's account of the box's learner "lea"."""
    _hub, box = peers
    account = make_user("lea.moreau", Role.LEARNER, None)
    Enrolment.objects.create(user=account, course=course, role=Enrolment.Role.LEARNER)
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    return account


def feedback_out(sides: Sides, box: Peer, path: Path) -> Exchange:
    with sides.on("hub"):
        return actions.export(actor=None, peer=box, kind="feedback", destination=path)


def box_messages(learner: User) -> list[Message]:
    return list(Message.objects.filter(recipient=learner).order_by("pk"))


def test_the_learner_reads_the_remote_teachers_message_at_once_without_moderation(
    sides, peers, remote, hub_lea, learner, course, stick: Path
) -> None:
    _hub, box = peers
    messaging.send(actor=remote, recipient=hub_lea, subject="Votre lettre", body="Bien reçu.")
    out = feedback_out(sides, box, stick / "f1")
    assert (out.kind, out.entries) == ("feedback", 1)
    entry = Entry.objects.get(kind="message", user=hub_lea)
    assert entry.payload["message"]["from"] == "prof-univ"

    applied = actions.apply(actor=None, path=stick / "f1")
    assert (applied.skipped, applied.skipped_messages) == (0, 0)
    (message,) = box_messages(learner)
    assert (message.author, message.status, message.course) == (remote, "delivered", course)
    assert (message.subject, message.body) == ("Votre lettre", "Bien reçu.")
    assert access.unread_count(learner) == 1
    page = signed_in(learner).get(reverse("messaging:thread", args=[message.conversation_id]))
    assert page.status_code == 200 and "Bien reçu." in page.content.decode()
    sent = AuditEvent.objects.get(action="message.sent", details__to="lea")
    assert sent.actor == remote
    # Written by the teacher on the box: nothing goes back to the hub in the work bundle.
    assert not Entry.objects.filter(kind="message", user=learner).exists()


def test_a_moderating_establishment_holds_it_until_staff_approve(
    sides, peers, remote, hub_lea, learner, establishment, staff, stick: Path
) -> None:
    _hub, box = peers
    Policy.objects.create(establishment=establishment, moderated=True)
    messaging.send(actor=remote, recipient=hub_lea, body="Rendez-vous jeudi.")
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")

    (message,) = box_messages(learner)
    assert message.status == "pending" and message.delivered_at is None
    assert access.unread_count(learner) == 0
    page = signed_in(learner).get(reverse("messaging:thread", args=[message.conversation_id]))
    assert page.status_code == 404
    assert AuditEvent.objects.filter(action="message.submitted", actor=remote).exists()

    messaging.decide(actor=staff, message=message, approve=True)
    assert access.unread_count(learner) == 1
    page = signed_in(learner).get(reverse("messaging:thread", args=[message.conversation_id]))
    assert "Rendez-vous jeudi." in page.content.decode()
    assert AuditEvent.objects.filter(action="message.approved", actor=staff).exists()


def test_applied_twice_or_sent_again_it_is_one_message(
    sides, peers, remote, hub_lea, learner, stick: Path
) -> None:
    hub, box = peers
    messaging.send(actor=remote, recipient=hub_lea, body="Une seule fois.")
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    assert actions.apply(actor=None, path=stick / "f1").again
    # Not acknowledged yet: the hub sends it again; the box writes it once.
    assert feedback_out(sides, box, stick / "f2").entries == 1
    actions.apply(actor=None, path=stick / "f2")
    assert len(box_messages(learner)) == 1
    assert Entry.objects.filter(kind="message", user=hub_lea).count() == 1
    ack = actions.export(actor=None, peer=hub, kind="ack", destination=stick / "a1")
    assert ack.entries == 1
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "a1")
    assert SentEntry.objects.filter(peer=box).count() == 1
    assert feedback_out(sides, box, stick / "f3").entries == 0


def test_markup_and_nul_stay_plain_text(
    sides, peers, remote, hub_lea, learner, stick: Path, monkeypatch
) -> None:
    _hub, box = peers
    messaging.send(actor=remote, recipient=hub_lea, body="avant")
    hostile(box, hub_lea, subject="Sujet", body="<script>alert(1)</script>NUL<b>gras</b>")
    # NUL bytes in the bundle itself (the hub's PostgreSQL keeps none): a hostile hub's.
    written = actions._entry_line
    monkeypatch.setattr(
        actions,
        "_entry_line",
        lambda entry: written(entry).replace(b"NUL", b"\\u0000").replace(b"Sujet", b"Sujet\\u0000"),
    )
    feedback_out(sides, box, stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    (message,) = box_messages(learner)
    assert message.body == "<script>alert(1)</script><b>gras</b>" and message.subject == "Sujet"
    page = signed_in(learner).get(reverse("messaging:thread", args=[message.conversation_id]))
    text = page.content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "<script>alert" not in text


def hostile(box: Peer, hub_account: User, **message: object) -> None:
    """What a hostile or mistaken hub could send: the entry's message rewritten."""
    actions.owe_messages(box)
    entry = Entry.objects.filter(kind="message", user=hub_account).order_by("pk").last()
    entry.payload = {**entry.payload, "message": {**entry.payload["message"], **message}}
    entry.save(update_fields=["payload"])


def test_what_the_box_must_not_write_is_left_out_and_counted(
    sides, peers, remote, hub_lea, learner, teacher, course, other_establishment, stick: Path
) -> None:
    _hub, box = peers
    # A learner of another establishment on the box, matched, whom that teacher does not teach.
    make_user("omar", Role.LEARNER, other_establishment)
    hub_omar = make_user("omar.haddad", Role.LEARNER, None)
    elsewhere = build_course(Institution.objects.create(slug="univ-caen", name="Caen"), "X1")
    Course.objects.filter(pk=elsewhere.pk).update(source="moodle", source_id="311")
    for user, role in ((hub_omar, "learner"), (remote, "teacher")):
        Enrolment.objects.create(user=user, course=elsewhere, role=role)
    # A matched learner with no account on the box.
    hub_nina = make_user("nina.roy", Role.LEARNER, None)
    Enrolment.objects.create(user=hub_nina, course=course, role=Enrolment.Role.LEARNER)
    actions.match_learners(
        actor=None,
        peer=box,
        matches=[
            Match("lea", username="lea.moreau"),
            Match("omar", username="omar.haddad"),
            Match("nina", username="nina.absente"),
        ],
    )
    Entry.objects.all().delete()
    messaging.send(actor=remote, recipient=hub_omar, body="Pas pour cette boîte.")
    messaging.send(actor=remote, recipient=hub_lea, body="Trop long")
    hostile(box, hub_lea, body="x" * (BODY_MAX + 1))
    messaging.send(actor=remote, recipient=hub_lea, body="Inconnu")
    hostile(box, hub_lea, **{"from": "personne"})
    # The box's own teacher is never written for by the hub.
    Enrolment.objects.filter(user=teacher).delete()
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    messaging.send(actor=teacher, recipient=hub_lea, body="Usurpé")
    messaging.send(actor=remote, recipient=hub_lea, body="Celui-ci passe.")
    out = feedback_out(sides, box, stick / "f1")
    assert out.entries == 5

    output = io.StringIO()
    call_command("exchange", "import", str(stick / "f1"), stdout=output)
    assert "4 messages were left out" in output.getvalue()
    assert "grades were left out" not in output.getvalue()
    assert [m.body for m in Message.objects.filter(recipient__username__in=["lea", "omar"])] == [
        "Celui-ci passe."
    ]
    event = AuditEvent.objects.filter(action="exchange.applied").last()
    assert (event.details["skipped"], event.details["skipped_messages"]) == (0, 4)
    assert ReceivedEntry.objects.filter(kind="message").count() == 5


def test_a_tampered_bundle_writes_no_message(
    sides, peers, remote, hub_lea, learner, stick: Path
) -> None:
    _hub, box = peers
    messaging.send(actor=remote, recipient=hub_lea, body="Altéré en route.")
    path = stick / "f1"
    feedback_out(sides, box, path)
    data = bytearray(path.read_bytes())
    data[-5] ^= 0x40
    path.write_bytes(bytes(data))
    with pytest.raises(CommandError) as error:
        call_command("exchange", "import", str(path), stdout=io.StringIO())
    assert "altered after it was signed" in str(error.value)
    assert box_messages(learner) == []
    assert not ReceivedEntry.objects.exists()
    assert AuditEvent.objects.filter(action="exchange.refused").last().details["code"] == (
        "tampered"
    )
