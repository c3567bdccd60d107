"""Messages between learners and their teachers: who may write to whom, moderation by staff
(held until approved, never seen by anyone else, refusals audited with their reason), delivery
without moderation, unread counts, and the outbox entry of a message to a remote teacher."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cartable.accounts.models import Role, User
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Enrolment
from cartable.messaging import actions
from cartable.messaging.access import unread_count
from cartable.messaging.models import BODY_MAX, Conversation, Message, Policy
from cartable.outbox.models import Entry
from tests.conftest import build_course, make_user, signed_in

pytestmark = pytest.mark.django_db

BODY = "Bonjour, je n’ai pas compris l’exercice 3."


@pytest.fixture
def moderated(establishment) -> Policy:
    return Policy.objects.create(establishment=establishment, moderated=True)


def write(client, recipient: User, body: str = BODY, **extra: object):
    return client.post(
        "/messages/new/",
        {"recipient": recipient.pk, "subject": "Exercice 3", "body": body, **extra},
    )


# --- Who may write to whom -------------------------------------------------------------------


def test_it_delivers_a_learners_message_to_their_teacher_at_once_without_moderation(
    learner, teacher, course
) -> None:
    response = write(signed_in(learner), teacher, course=course.pk)
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/messages/{message.conversation_id}/"
    assert (message.author, message.recipient, message.course) == (learner, teacher, course)
    assert message.status == Message.Status.DELIVERED and message.delivered_at is not None
    event = AuditEvent.objects.get(action="message.sent")
    assert event.actor == learner
    assert event.details["to"] == "tess"
    assert BODY not in str(event.details) and "Exercice" not in event.target_label
    assert unread_count(teacher) == 1
    page = signed_in(teacher).get(f"/messages/{message.conversation_id}/")
    assert page.status_code == 200
    assert "l’exercice 3" in page.content.decode()
    message.refresh_from_db()
    assert message.read_at is not None
    assert unread_count(teacher) == 0


@pytest.mark.parametrize("whom", ["other_learner", "outsider_learner", "staff", "stranger"])
def test_it_lets_a_learner_write_only_to_their_own_teachers(
    request, learner, course, institution, whom: str
) -> None:
    if whom == "stranger":  # the teacher of a course the learner does not follow
        recipient = make_user("tom", Role.TEACHER, learner.establishment)
        other = build_course(institution, "GEO1")
        Enrolment.objects.create(user=recipient, course=other, role=Enrolment.Role.TEACHER)
    else:
        recipient = request.getfixturevalue(whom)
    response = write(signed_in(learner), recipient)
    assert response.status_code == 400
    assert not Message.objects.exists()
    with pytest.raises(actions.MessageError):
        actions.send(actor=learner, recipient=recipient, body=BODY)
    assert not Message.objects.exists() and not Conversation.objects.exists()


def test_it_lists_only_the_learners_teachers_as_recipients(learner, teacher, course) -> None:
    Course.objects.create(institution=course.institution, shortname="X", title="Brouillon")
    page = signed_in(learner).get("/messages/new/")
    text = page.content.decode()
    assert page.status_code == 200
    assert "Tess Roux" in text
    assert "Omar" not in text and "Sam Girard" not in text


def test_it_refuses_a_teacher_writing_to_a_learner_of_another_course(
    teacher, course, other_learner, other_course
) -> None:
    Enrolment.objects.create(user=other_learner, course=other_course)
    with pytest.raises(actions.MessageError):
        actions.send(actor=teacher, recipient=other_learner, body=BODY)
    assert write(signed_in(teacher), other_learner).status_code == 400
    assert not Message.objects.exists()


def test_it_refuses_a_course_the_two_do_not_share(learner, teacher, course, other_course) -> None:
    with pytest.raises(actions.MessageError, match="ne partagez pas"):
        actions.send(actor=learner, recipient=teacher, body=BODY, course=other_course)
    assert not Message.objects.exists()


def test_it_keeps_each_role_to_its_own_pages(staff, learner, teacher, course) -> None:
    actions.send(actor=learner, recipient=teacher, body=BODY)
    conversation = Conversation.objects.get()
    for address in ("/messages/", "/messages/new/", f"/messages/{conversation.pk}/"):
        assert signed_in(staff).get(address).status_code == 403
        assert Client().get(address).status_code == 302  # to the sign-in page
    for address in ("/messages/moderation/", "/messages/moderation/rule/"):
        assert signed_in(teacher).get(address).status_code == 403
        assert signed_in(learner).get(address).status_code == 403


def test_it_never_shows_a_conversation_to_another_learner(
    learner, other_learner, teacher, course
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    message = actions.send(actor=learner, recipient=teacher, body=BODY)
    client = signed_in(other_learner)
    assert client.get(f"/messages/{message.conversation_id}/").status_code == 404
    assert client.post(f"/messages/{message.conversation_id}/", {"body": "Moi"}).status_code == 404
    assert BODY not in client.get("/messages/").content.decode()
    assert Message.objects.count() == 1


# --- Moderation ------------------------------------------------------------------------------


def test_it_holds_a_message_until_staff_approve_it(
    moderated, learner, other_learner, teacher, staff, course
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    response = write(signed_in(learner), teacher)
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.status == Message.Status.PENDING and message.delivered_at is None
    assert AuditEvent.objects.filter(action="message.submitted", actor=learner).exists()
    assert not AuditEvent.objects.filter(action="message.sent").exists()
    # Nobody but its author and the staff sees it.
    teacher_client = signed_in(teacher)
    assert unread_count(teacher) == 0
    assert BODY not in teacher_client.get("/messages/").content.decode()
    assert teacher_client.get(f"/messages/{message.conversation_id}/").status_code == 404
    assert signed_in(other_learner).get(f"/messages/{message.conversation_id}/").status_code == 404
    own = signed_in(learner).get(f"/messages/{message.conversation_id}/").content.decode()
    assert "l’exercice 3" in own and "En attente de l’accord du personnel" in own
    queue = signed_in(staff).get("/messages/moderation/").content.decode()
    assert "Léa Moreau" in queue
    assert BODY in signed_in(staff).get(f"/messages/moderation/{message.pk}/").content.decode()

    decided = signed_in(staff).post(f"/messages/moderation/{message.pk}/", {"decision": "approve"})
    assert decided.status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.DELIVERED and message.decided_by == staff
    event = AuditEvent.objects.get(action="message.approved")
    assert event.actor == staff and event.details["from"] == "lea"
    assert unread_count(teacher) == 1
    assert (
        "l’exercice 3"
        in teacher_client.get(f"/messages/{message.conversation_id}/").content.decode()
    )
    assert signed_in(other_learner).get(f"/messages/{message.conversation_id}/").status_code == 404


def test_it_holds_a_teachers_message_too(moderated, learner, teacher, staff, course) -> None:
    message = actions.send(actor=teacher, recipient=learner, body="Relisez le chapitre 2.")
    assert message.is_pending
    assert unread_count(learner) == 0
    assert signed_in(learner).get(f"/messages/{message.conversation_id}/").status_code == 404
    actions.decide(actor=staff, message=message, approve=True)
    assert unread_count(learner) == 1


@pytest.mark.parametrize("shared", [True, False])
def test_it_never_delivers_a_refused_message_and_audits_the_reason(
    moderated, learner, teacher, staff, course, shared: bool
) -> None:
    message = actions.send(actor=learner, recipient=teacher, body=BODY)
    form = {"decision": "refuse", "reason": "Numéro de téléphone dans le message"}
    if shared:
        form["share_reason"] = "on"
    assert signed_in(staff).post(f"/messages/moderation/{message.pk}/", form).status_code == 302
    message.refresh_from_db()
    assert message.status == Message.Status.REFUSED and message.delivered_at is None
    event = AuditEvent.objects.get(action="message.refused")
    assert event.actor == staff
    assert event.details["reason"] == "Numéro de téléphone dans le message"
    assert event.details["shared"] is shared
    assert BODY not in str(event.details)
    assert unread_count(teacher) == 0
    assert signed_in(teacher).get(f"/messages/{message.conversation_id}/").status_code == 404
    seen = signed_in(learner).get("/messages/sent/").content.decode()
    assert "Refusé par le personnel" in seen
    assert ("Numéro de téléphone" in seen) is shared
    # Decided once: a second decision changes nothing.
    again = signed_in(staff).post(f"/messages/moderation/{message.pk}/", {"decision": "approve"})
    assert again.status_code == 400
    message.refresh_from_db()
    assert message.status == Message.Status.REFUSED


def test_it_asks_why_a_message_is_refused(moderated, learner, teacher, staff, course) -> None:
    message = actions.send(actor=learner, recipient=teacher, body=BODY)
    response = signed_in(staff).post(f"/messages/moderation/{message.pk}/", {"decision": "refuse"})
    assert response.status_code == 400
    assert "Dites pourquoi le message est refusé." in response.content.decode()
    message.refresh_from_db()
    assert message.is_pending
    with pytest.raises(actions.MessageError):
        actions.decide(actor=staff, message=message, approve=False, reason="  ")


def test_it_leaves_another_establishments_messages_to_its_own_staff(
    moderated, learner, teacher, outsider_staff, course
) -> None:
    message = actions.send(actor=learner, recipient=teacher, body=BODY)
    client = signed_in(outsider_staff)
    assert "Léa" not in client.get("/messages/moderation/").content.decode()
    assert client.get(f"/messages/moderation/{message.pk}/").status_code == 404
    assert (
        client.post(f"/messages/moderation/{message.pk}/", {"decision": "approve"}).status_code
        == 404
    )
    with pytest.raises(actions.MessageError):
        actions.decide(actor=outsider_staff, message=message, approve=True)
    message.refresh_from_db()
    assert message.is_pending


def test_it_keeps_unmoderated_messages_from_staff(learner, teacher, staff, course) -> None:
    message = actions.send(actor=learner, recipient=teacher, body=BODY)
    assert signed_in(staff).get(f"/messages/moderation/{message.pk}/").status_code == 404


def test_it_lets_staff_switch_moderation_on_for_their_establishment(
    staff, establishment, learner, teacher, course
) -> None:
    response = signed_in(staff).post("/messages/moderation/rule/", {"moderated": "on"})
    assert response.status_code == 302
    assert Policy.objects.get(establishment=establishment).moderated
    event = AuditEvent.objects.get(action="message.rule_changed")
    assert event.details == {"moderated": True, "attachments": False}
    assert event.establishment_id == establishment.pk
    assert actions.send(actor=learner, recipient=teacher, body=BODY).is_pending
    with pytest.raises(actions.MessageError):
        actions.set_policy(actor=learner, establishment=establishment, moderated=False)


# --- Hostile input ---------------------------------------------------------------------------


def test_it_keeps_a_message_as_plain_text(learner, teacher, course) -> None:
    body = "<script>alert(1)</script>\x00 <b>gras</b>\r\nligne 2"
    message = actions.send(actor=learner, recipient=teacher, body=body, subject="Su\x00jet")
    assert "\x00" not in message.body and message.subject == "Sujet"
    assert message.body == "<script>alert(1)</script> <b>gras</b>\nligne 2"
    page = signed_in(teacher).get(f"/messages/{message.conversation_id}/").content.decode()
    assert "<script>alert(1)" not in page and "<b>gras" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;b&gt;gras&lt;/b&gt;<br>ligne 2" in page


def test_it_refuses_an_empty_or_too_long_message(learner, teacher, course) -> None:
    client = signed_in(learner)
    assert write(client, teacher, body="x" * (BODY_MAX + 1)).status_code == 400
    assert write(client, teacher, body="   \x00  ").status_code == 400
    with pytest.raises(actions.MessageError):
        actions.send(actor=learner, recipient=teacher, body="x" * (BODY_MAX + 1))
    assert not Message.objects.exists()


# --- Replies and unread counts ---------------------------------------------------------------


def test_a_teacher_replies_in_the_same_conversation(learner, teacher, course) -> None:
    first = actions.send(actor=learner, recipient=teacher, body=BODY)
    response = signed_in(teacher).post(
        f"/messages/{first.conversation_id}/", {"body": "Regardez la page 12."}
    )
    assert response.status_code == 302
    reply = Message.objects.get(author=teacher)
    assert reply.conversation_id == first.conversation_id and reply.recipient == learner
    assert Conversation.objects.count() == 1
    home = signed_in(learner).get("/").content.decode()
    assert "1 message non lu" in home
    signed_in(learner).get(f"/messages/{first.conversation_id}/")
    assert "non lu" not in signed_in(learner).get("/").content.decode()


def test_it_shows_the_teacher_their_unread_messages_on_their_home(
    learner, other_learner, teacher, course
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    actions.send(actor=learner, recipient=teacher, body=BODY)
    actions.send(actor=other_learner, recipient=teacher, body="Et moi aussi.")
    assert "2 messages non lus" in signed_in(teacher).get("/").content.decode()
    inbox = signed_in(teacher).get("/messages/").content.decode()
    assert "Léa Moreau" in inbox and "Omar Haddad" in inbox


def test_it_reads_the_inbox_in_a_fixed_number_of_queries(
    institution, establishment, teacher, course
) -> None:
    def inbox_queries() -> int:
        client = signed_in(teacher)
        client.get("/messages/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/messages/").status_code == 200
        return len(queries)

    people = [make_user(f"l{n}", Role.LEARNER, establishment) for n in range(6)]
    for person in people[:2]:
        Enrolment.objects.create(user=person, course=course)
        actions.send(actor=person, recipient=teacher, body=BODY)
    few = inbox_queries()
    for person in people[2:]:
        Enrolment.objects.create(user=person, course=course)
        actions.send(actor=person, recipient=teacher, body=BODY)
    assert inbox_queries() == few <= 5  # session, user, conversations, may write


def test_it_counts_the_unread_in_one_query(learner, teacher, course) -> None:
    actions.send(actor=learner, recipient=teacher, body=BODY)
    with CaptureQueriesContext(connection) as queries:
        assert unread_count(teacher) == 1
    assert len(queries) == 1


# --- Remote teachers: the outbox -------------------------------------------------------------


@pytest.fixture
def remote_teacher(course) -> User:
    """The university's teacher: an account of no establishment."""
    remote = make_user("prof-univ", Role.TEACHER, None, first_name="Paule", last_name="Lenoir")
    Enrolment.objects.create(user=remote, course=course, role=Enrolment.Role.TEACHER)
    return remote


def test_it_puts_a_message_to_a_remote_teacher_in_the_outbox(
    learner, remote_teacher, course
) -> None:
    message = actions.send(actor=learner, recipient=remote_teacher, body=BODY, subject="Ex. 3")
    entry = Entry.objects.get()
    assert entry.kind == "message" and entry.course == course and entry.user == learner
    assert entry.payload["message"]["to"] == "prof-univ"
    assert entry.payload["message"]["body"] == BODY
    assert entry.payload["message"]["id"] == message.pk
    assert entry.payload["user"] == {"username": "lea"}


def test_it_leaves_messages_to_local_teachers_and_from_teachers_out_of_the_outbox(
    learner, teacher, remote_teacher, course
) -> None:
    actions.send(actor=learner, recipient=teacher, body=BODY)
    actions.send(actor=remote_teacher, recipient=learner, body="Réponse")
    assert not Entry.objects.exists()


def test_it_puts_a_moderated_message_in_the_outbox_only_once_approved(
    moderated, learner, remote_teacher, staff, course
) -> None:
    message = actions.send(actor=learner, recipient=remote_teacher, body=BODY)
    assert not Entry.objects.exists()
    refused = actions.send(actor=learner, recipient=remote_teacher, body="Autre")
    actions.decide(actor=staff, message=refused, approve=False, reason="Hors sujet")
    assert not Entry.objects.exists()
    actions.decide(actor=staff, message=message, approve=True)
    assert list(Entry.objects.values_list("kind", "payload__message__id")) == [
        ("message", message.pk)
    ]


def test_it_reads_a_conversation_in_a_fixed_number_of_queries(learner, teacher, course) -> None:
    def thread_queries() -> int:
        client = signed_in(learner)
        address = f"/messages/{Conversation.objects.get().pk}/"
        client.get(address)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address).status_code == 200
        return len(queries)

    for number in range(2):
        actions.send(actor=teacher, recipient=learner, body=f"Message {number}")
    few = thread_queries()
    for number in range(8):
        actions.send(actor=learner, recipient=teacher, body=f"Réponse {number}")
        actions.send(actor=teacher, recipient=learner, body=f"Message {number}")
    # session, user, the conversation, may answer, files allowed, its messages, read marks
    assert thread_queries() == few <= 9
