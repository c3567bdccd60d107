"""Who may write to whom, and who sees which messages: written once, used by the pages and
the actions.

A learner writes to the teachers of their courses (published courses where the learner is
enrolled as a learner and the teacher as a teacher), never to another learner nor to staff; a
teacher writes to the learners of their courses. A message is seen by its author (with its
state: waiting, delivered, refused) and, once delivered, by its recipient; before that by the
staff of the learner's establishment who moderate it, and by nobody else.
"""

from __future__ import annotations

from django.db import connections, router
from django.db.models import Q, QuerySet
from django.http import Http404

from cartable.accounts.models import Role, User
from cartable.catalog.models import Course, Enrolment
from cartable.messaging.models import Conversation, Message


def _courses_as(user: User, role: str) -> QuerySet[Course]:
    return Course.objects.published().filter(
        pk__in=Enrolment.objects.filter(user=user, role=role).values("course_id")
    )


def own_courses(user: User) -> QuerySet[Course]:
    """The published courses through which ``user`` has correspondents."""
    if user.role == Role.LEARNER:
        return _courses_as(user, Enrolment.Role.LEARNER)
    if user.role == Role.TEACHER:
        return _courses_as(user, Enrolment.Role.TEACHER)
    return Course.objects.none()


def correspondents(user: User) -> QuerySet[User]:
    """Whom ``user`` may write to: a learner their courses' teachers, a teacher their courses'
    learners (active accounts only)."""
    if not user.is_active or user.role not in (Role.LEARNER, Role.TEACHER):
        return User.objects.none()
    other_role, enrolment_role = (
        (Role.TEACHER, Enrolment.Role.TEACHER)
        if user.role == Role.LEARNER
        else (Role.LEARNER, Enrolment.Role.LEARNER)
    )
    return (
        User.objects.filter(
            role=other_role,
            is_active=True,
            pk__in=Enrolment.objects.filter(
                role=enrolment_role, course__in=own_courses(user)
            ).values("user_id"),
        )
        .exclude(pk=user.pk)
        .order_by("last_name", "first_name", "username")
    )


def may_write(author: User, recipient: User) -> bool:
    return correspondents(author).filter(pk=recipient.pk).exists()


def pair(author: User, recipient: User) -> tuple[User, User]:
    """(learner, teacher) of a message from ``author`` to ``recipient``."""
    return (author, recipient) if author.role == Role.LEARNER else (recipient, author)


def shared_courses(learner: User, teacher: User) -> QuerySet[Course]:
    """The published courses ``learner`` follows and ``teacher`` teaches."""
    return _courses_as(learner, Enrolment.Role.LEARNER).filter(
        pk__in=_courses_as(teacher, Enrolment.Role.TEACHER).values("pk")
    )


def seen_by(user: User, prefix: str = "") -> Q:
    """The messages ``user`` may read among their own conversations: those they wrote, and
    those delivered to them."""
    return Q(**{f"{prefix}author": user}) | Q(
        **{f"{prefix}recipient": user, f"{prefix}status": Message.Status.DELIVERED}
    )


def conversations(user: User) -> QuerySet[Conversation]:
    """``user``'s conversations (as their learner or their teacher)."""
    if user.role == Role.LEARNER:
        return Conversation.objects.filter(learner=user)
    if user.role == Role.TEACHER:
        return Conversation.objects.filter(teacher=user)
    return Conversation.objects.none()


def conversation_for(user: User, conversation_id: int) -> Conversation:
    """One of ``user``'s conversations holding a message they may read; 404 otherwise (a
    conversation started by a message still waiting for approval is not the recipient's yet)."""
    found = (
        conversations(user)
        .filter(pk=conversation_id)
        .filter(pk__in=Message.objects.filter(seen_by(user)).values("conversation_id"))
        .select_related("learner", "teacher")
        .first()
    )
    if found is None:
        raise Http404
    return found


def unread_count(user: User) -> int:
    """Messages delivered to ``user`` and not opened yet: one small query (an index), in
    portable SQL (the learner home asks on every view; the ORM took longer to build the
    count than the database to run it)."""
    table = Message._meta.db_table
    with connections[router.db_for_read(Message)].cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} "  # noqa: S608 (the name from the model, values as parameters)
            "WHERE recipient_id = %s AND status = %s AND read_at IS NULL",
            [user.pk, Message.Status.DELIVERED],
        )
        return int(cursor.fetchone()[0])


def moderates(user: User, message: Message) -> bool:
    """Staff of the learner's establishment (administrators everywhere) decide on a message."""
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.STAFF
        and user.establishment_id is not None
        and message.conversation.learner.establishment_id == user.establishment_id
    )


def moderated_messages(user: User) -> QuerySet[Message]:
    """The messages staff may read: those that went, or go, through moderation (waiting, or
    decided by staff) of their establishment's learners. A message delivered at once, without
    moderation, is never theirs to read."""
    went_through = Q(status=Message.Status.PENDING) | Q(decided_at__isnull=False)
    messages = Message.objects.filter(went_through)
    if user.role == Role.ADMIN:
        return messages
    if user.role != Role.STAFF or user.establishment_id is None:
        return Message.objects.none()
    return messages.filter(conversation__learner__establishment_id=user.establishment_id)
