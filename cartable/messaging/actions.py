"""Writing, moderating and reading messages: each write in one transaction with its audit row
(never the subject nor the body in the log: who wrote to whom, when, and staff's decisions with
their reasons), and an outbox entry where the university should deliver the message."""

from __future__ import annotations

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import Establishment, Role, User
from cartable.assignments import checks
from cartable.assignments.actions import upload_limit
from cartable.assignments.rules import accepted, accepts
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.models import Course
from cartable.lib.nul import without_nul
from cartable.messaging import access
from cartable.messaging.models import (
    ATTACHMENT_MAX_BYTES,
    ATTACHMENT_TYPES,
    BODY_MAX,
    REASON_MAX,
    SUBJECT_MAX,
    Conversation,
    Message,
    Policy,
)
from cartable.outbox import actions as outbox
from cartable.outbox.models import Entry


class MessageError(ValueError):
    """A message that cannot be sent or decided; the text is for the user, translated."""


def _plain(text: str) -> str:
    """Plain text as typed: no NUL (PostgreSQL keeps none), Windows line ends made plain,
    spaces around trimmed."""
    return str(without_nul(text)).replace("\r\n", "\n").replace("\r", "\n").strip()


def policy_of(establishment_id: int | None) -> Policy:
    """The rule for the messages of an establishment's learners (unsaved default: delivered at
    once, no file)."""
    found = (
        Policy.objects.filter(establishment_id=establishment_id).first()
        if establishment_id is not None
        else None
    )
    return found or Policy()


def attachment_limit() -> int:
    return min(ATTACHMENT_MAX_BYTES, upload_limit())


def attachments_allowed(author: User, recipient: User) -> bool:
    """Whether a message between these two may carry a file: the learner's establishment's
    rule says."""
    learner, _teacher = access.pair(author, recipient)
    return policy_of(learner.establishment_id).attachments


def send(
    *,
    actor: User,
    recipient: User,
    body: str,
    subject: str = "",
    course: Course | None = None,
    upload: UploadedFile[bytes] | None = None,
    request: HttpRequest | None = None,
) -> Message:
    """A message from ``actor`` to ``recipient`` (with ``upload`` attached, where allowed):
    waiting for staff when the learner's establishment moderates messages, delivered at once
    otherwise."""
    body, subject = _plain(body), " ".join(_plain(subject).split())
    if not body:
        raise MessageError(_("Write a message."))
    if len(body) > BODY_MAX:
        raise MessageError(_("A message holds at most %(count)d characters.") % {"count": BODY_MAX})
    if len(subject) > SUBJECT_MAX:
        raise MessageError(
            _("A subject holds at most %(count)d characters.") % {"count": SUBJECT_MAX}
        )
    if not access.may_write(actor, recipient):
        raise MessageError(_("You may write only to the teachers or learners of your courses."))
    learner, teacher = access.pair(actor, recipient)
    if course is not None and not access.shared_courses(learner, teacher).filter(pk=course.pk):
        raise MessageError(_("This course is not one you share with this person."))
    policy = policy_of(learner.establishment_id)
    if upload is not None and not policy.attachments:
        raise MessageError(_("Messages carry no attachment."))
    try:
        # The uploads' own checks (name, size, type by content), then the types a message takes.
        with checks.checked(
            [upload] if upload is not None else [], rule=accepted("*"), limit=attachment_limit()
        ) as files:
            rule = accepted(ATTACHMENT_TYPES)
            for found in files:
                if not accepts(rule, found.filename, found.mimetype):
                    raise MessageError(
                        _(
                            "“%(name)s” cannot be attached: a message takes documents and "
                            "pictures only (%(types)s)."
                        )
                        % {"name": found.filename, "types": rule.shown()}
                    )
            return _create(
                actor, recipient, learner, teacher, policy.moderated, subject, body, course,
                files[0] if files else None, request,
            )  # fmt: skip
    except checks.Refused as refused:
        raise MessageError(refused.message) from None


def _create(
    actor: User,
    recipient: User,
    learner: User,
    teacher: User,
    moderated: bool,
    subject: str,
    body: str,
    course: Course | None,
    attached: checks.Checked | None,
    request: HttpRequest | None,
) -> Message:
    with transaction.atomic():
        blob = None
        if attached is not None:  # as an assignment's file: into the content store
            with attached.path.open("rb") as stream:
                blob = blobs.add(stream)
        conversation, _created = Conversation.objects.get_or_create(
            learner=learner, teacher=teacher
        )
        now = timezone.now()
        message = Message.objects.create(
            conversation=conversation,
            author=actor,
            recipient=recipient,
            course=course,
            subject=subject,
            body=body,
            status=Message.Status.PENDING if moderated else Message.Status.DELIVERED,
            delivered_at=None if moderated else now,
            attachment=blob,
            attachment_name=attached.filename if attached else "",
            attachment_type=attached.mimetype if attached else "",
            attachment_size=attached.size if attached else 0,
        )
        record(
            "message.submitted" if moderated else "message.sent",
            actor=actor,
            target=message,
            details={
                "to": recipient.username,
                "conversation": conversation.pk,
                "course": course.pk if course is not None else None,
                "length": len(body),
                **({"file": blob.sha256} if blob is not None else {}),
            },
            request=request,
            establishment_id=learner.establishment_id,
        )
        if not moderated:
            _carry(message, learner, teacher)
    return message


def decide(
    *,
    actor: User,
    message: Message,
    approve: bool,
    reason: str = "",
    share_reason: bool = False,
    request: HttpRequest | None = None,
) -> Message:
    """Staff approve a waiting message (delivered now) or refuse it with a reason (never
    delivered; its author sees it was refused, and why only if ``share_reason``)."""
    reason = _plain(reason)
    if not approve and not reason:
        raise MessageError(_("Say why the message is refused."))
    if len(reason) > REASON_MAX:
        raise MessageError(
            _("A reason holds at most %(count)d characters.") % {"count": REASON_MAX}
        )
    with transaction.atomic():
        locked = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation__learner", "conversation__teacher", "author", "recipient")
            .get(pk=message.pk)
        )
        if not access.moderates(actor, locked):
            raise MessageError(_("This message is not one you moderate."))
        if not locked.is_pending:
            raise MessageError(_("This message was decided already."))
        now = timezone.now()
        locked.decided_by, locked.decided_at = actor, now
        if approve:
            locked.status, locked.delivered_at = Message.Status.DELIVERED, now
        else:
            locked.status, locked.reason, locked.reason_shared = (
                Message.Status.REFUSED,
                reason,
                share_reason,
            )
        locked.save(
            update_fields=[
                "status",
                "delivered_at",
                "decided_by",
                "decided_at",
                "reason",
                "reason_shared",
            ]
        )
        learner, teacher = locked.conversation.learner, locked.conversation.teacher
        details: dict[str, object] = {
            "from": locked.author.username,
            "to": locked.recipient.username,
            "conversation": locked.conversation_id,
        }
        if not approve:
            details |= {"reason": reason, "shared": share_reason}
        record(
            "message.approved" if approve else "message.refused",
            actor=actor,
            target=locked,
            details=details,
            request=request,
            establishment_id=learner.establishment_id,
        )
        if approve:
            _carry(locked, learner, teacher)
    return locked


def _carry(message: Message, learner: User, teacher: User) -> None:
    """A delivered learner's message to a remote teacher travels to the university: an outbox
    entry, which the exchange carries in the next work bundle to the hub of its course's
    institution. A teacher is remote when their account belongs to no establishment (the
    university's teacher, not the establishment's): they may never sign in to the box."""
    if message.author_id != learner.pk or teacher.establishment_id is not None:
        return
    course = message.course or access.shared_courses(learner, teacher).order_by("pk").first()
    if course is None:
        return  # no longer linked by any course: nothing names the university to carry it to
    outbox.add(
        Entry.Kind.MESSAGE,
        course=course,
        user=learner,
        payload={
            "message": {
                "id": message.pk,
                "to": teacher.username,
                "subject": message.subject,
                "body": message.body,
                "sent_at": (message.delivered_at or message.created_at).isoformat(),
            },
            # Named as a submission's files are, so that the work bundle carries the file.
            "files": [
                {
                    "filename": message.attachment_name,
                    "sha256": message.attachment_id,
                    "size": message.attachment_size,
                    "mimetype": message.attachment_type,
                }
            ]
            if message.attachment_id
            else [],
        },
    )


def mark_read(*, reader: User, conversation: Conversation) -> int:
    """The messages delivered to ``reader`` in the conversation, read now (opening it)."""
    return Message.objects.filter(
        conversation=conversation,
        recipient=reader,
        status=Message.Status.DELIVERED,
        read_at__isnull=True,
    ).update(read_at=timezone.now())


def set_policy(
    *,
    actor: User,
    establishment: Establishment,
    moderated: bool,
    attachments: bool = False,
    request: HttpRequest | None = None,
) -> Policy:
    if actor.role not in (Role.STAFF, Role.ADMIN) or (
        actor.role == Role.STAFF and actor.establishment_id != establishment.pk
    ):
        raise MessageError(_("Only the establishment’s staff set how its messages go."))
    with transaction.atomic():
        policy, _created = Policy.objects.select_for_update().get_or_create(
            establishment=establishment
        )
        if (policy.moderated, policy.attachments) != (moderated, attachments):
            policy.moderated, policy.attachments = moderated, attachments
            policy.save(update_fields=["moderated", "attachments", "changed_at"])
            record(
                "message.rule_changed",
                actor=actor,
                target=establishment,
                details={"moderated": moderated, "attachments": attachments},
                request=request,
            )
    return policy
