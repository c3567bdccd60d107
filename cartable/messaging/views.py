"""Messages pages: a learner's or a teacher's inbox, what they sent, a conversation, writing;
staff's moderation queue, a decision, and their establishment's rule."""

from __future__ import annotations

from django.contrib import messages as notices
from django.db.models import Count, Max, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cartable.accounts.access import role_required, signed_in, staff_only
from cartable.accounts.models import STAFF_ROLES, Establishment, Role, User
from cartable.catalog import blobs
from cartable.messaging import access, actions
from cartable.messaging.forms import DecisionForm, PolicyForm, ReplyForm, WriteForm
from cartable.messaging.models import Message

correspondent = role_required(Role.LEARNER, Role.TEACHER)


def _user(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


@correspondent
def inbox(request: HttpRequest) -> HttpResponse:
    """The user's conversations, newest first, with what is unread in each (one query)."""
    user = _user(request)
    seen = access.seen_by(user, "messages__")
    rows = list(
        access.conversations(user)
        .annotate(
            seen=Count("messages", filter=seen),
            last_at=Max("messages__created_at", filter=seen),
            unread=Count(
                "messages",
                filter=Q(
                    messages__recipient=user,
                    messages__status=Message.Status.DELIVERED,
                    messages__read_at__isnull=True,
                ),
            ),
        )
        .filter(seen__gt=0)
        .select_related("learner", "teacher")
        .order_by("-last_at", "-pk")
    )
    for row in rows:
        row.other = row.teacher if user.role == Role.LEARNER else row.learner  # type: ignore[attr-defined]
    return render(
        request,
        "messaging/inbox.html",
        {
            "conversations": rows,
            "unread": sum(row.unread for row in rows),
            "may_write": access.correspondents(user).exists(),
        },
    )


@correspondent
def sent(request: HttpRequest) -> HttpResponse:
    """What the user wrote, with where each message stands."""
    user = _user(request)
    written = (
        Message.objects.filter(author=user)
        .select_related("recipient", "course")
        .order_by("-created_at", "-pk")[:200]
    )
    return render(request, "messaging/sent.html", {"written": written})


@correspondent
def write(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    people = access.correspondents(user)
    initial = {}
    wanted = request.GET.get("to", "")
    if wanted.isascii() and wanted.isdigit():
        initial["recipient"] = int(wanted)
    form = WriteForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        people=people,
        courses=access.own_courses(user).order_by("title"),
        # The learner's establishment decides; for a teacher, their own's offers the field
        # and the learner's still decides when the message is sent.
        attachments=actions.policy_of(user.establishment_id).attachments,
    )
    if request.method == "POST" and form.is_valid():
        try:
            message = actions.send(
                actor=user,
                recipient=form.cleaned_data["recipient"],
                subject=form.cleaned_data["subject"],
                body=form.cleaned_data["body"],
                course=form.cleaned_data["course"],
                upload=form.cleaned_data.get("attachment"),
                request=request,
            )
        except actions.MessageError as error:
            form.add_error(None, str(error))
        else:
            notices.success(request, _notice(message))
            return redirect("messaging:thread", conversation_id=message.conversation_id)
    return render(
        request,
        "messaging/write.html",
        {"form": form, "nobody": not people.exists()},
        status=400 if form.errors else 200,
    )


def _notice(message: Message) -> str:
    if message.is_pending:
        return _("Your message waits for the staff’s approval before it is delivered.")
    return _("Your message is delivered.")


@correspondent
def thread(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """A conversation: what the user may read of it (read on opening), and the answer form."""
    user = _user(request)
    conversation = access.conversation_for(user, conversation_id)
    other = conversation.teacher if user.role == Role.LEARNER else conversation.learner
    may_answer = access.may_write(user, other)
    form = ReplyForm(
        request.POST or None,
        request.FILES or None,
        attachments=may_answer and actions.attachments_allowed(user, other),
    )
    if request.method == "POST":
        if not may_answer:
            raise Http404  # no course links them any more
        if form.is_valid():
            try:
                message = actions.send(
                    actor=user,
                    recipient=other,
                    body=form.cleaned_data["body"],
                    upload=form.cleaned_data.get("attachment"),
                    request=request,
                )
            except actions.MessageError as error:
                form.add_error(None, str(error))
            else:
                notices.success(request, _notice(message))
                return redirect("messaging:thread", conversation_id=conversation.pk)
    shown = list(
        conversation.messages.filter(access.seen_by(user))
        .select_related("author", "course")
        .order_by("created_at", "pk")
    )
    if request.method == "GET":
        actions.mark_read(reader=user, conversation=conversation)
    return render(
        request,
        "messaging/thread.html",
        {
            "conversation": conversation,
            "other": other,
            "shown": shown,
            "form": form if may_answer else None,
        },
        status=400 if form.errors else 200,
    )


# --- Staff: moderation ----------------------------------------------------------------------


@staff_only
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    waiting = (
        access.moderated_messages(user)
        .filter(status=Message.Status.PENDING)
        .select_related("author", "recipient")
        .order_by("created_at", "pk")
    )
    return render(
        request,
        "messaging/queue.html",
        {"waiting": waiting, "moderated": actions.policy_of(user.establishment_id).moderated},
    )


@staff_only
def decide(request: HttpRequest, message_id: int) -> HttpResponse:
    user = _user(request)
    message = (
        access.moderated_messages(user)
        .select_related("author", "recipient", "course", "decided_by", "conversation__learner")
        .filter(pk=message_id)
        .first()
    )
    if message is None:
        raise Http404
    form = DecisionForm(request.POST or None) if message.is_pending else None
    if request.method == "POST":
        if form is None:
            return render(
                request, "messaging/decide.html", {"message": message, "form": None}, status=400
            )
        if form.is_valid():
            approve = form.cleaned_data["decision"] == "approve"
            try:
                actions.decide(
                    actor=user,
                    message=message,
                    approve=approve,
                    reason=form.cleaned_data["reason"],
                    share_reason=form.cleaned_data["share_reason"],
                    request=request,
                )
            except actions.MessageError as error:
                form.add_error(None, str(error))
            else:
                notices.success(
                    request, _("Message delivered.") if approve else _("Message refused.")
                )
                return redirect("messaging:queue")
    return render(
        request,
        "messaging/decide.html",
        {"message": message, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


@staff_only
def policy(request: HttpRequest) -> HttpResponseBase:
    """The rule for the messages of the staff member's own establishment."""
    user = _user(request)
    establishment = (
        Establishment.objects.filter(pk=user.establishment_id).first()
        if user.establishment_id is not None
        else None
    )
    if establishment is None:
        raise Http404  # an administrator of no establishment
    current = actions.policy_of(establishment.pk)
    form = PolicyForm(
        request.POST or None,
        initial={"moderated": current.moderated, "attachments": current.attachments},
    )
    if request.method == "POST" and form.is_valid():
        actions.set_policy(
            actor=user,
            establishment=establishment,
            moderated=form.cleaned_data["moderated"],
            attachments=form.cleaned_data["attachments"],
            request=request,
        )
        notices.success(request, _("Saved."))
        return redirect("messaging:policy")
    return render(request, "messaging/policy.html", {"form": form, "establishment": establishment})


@signed_in
@require_safe
def attachment(request: HttpRequest, message_id: int) -> HttpResponseBase:
    """A message's file, as a download only: to its author, to its recipient once delivered,
    and to the staff who moderate it; 404 for anyone else."""
    user = _user(request)
    if user.role in STAFF_ROLES:
        found = access.moderated_messages(user)
    else:
        found = Message.objects.filter(
            access.seen_by(user), conversation__in=access.conversations(user)
        )
    message = found.filter(pk=message_id, attachment__isnull=False).first()
    if message is None or message.attachment_id is None:
        raise Http404
    return blobs.download(message.attachment_id, message.attachment_name, message.attachment_type)
