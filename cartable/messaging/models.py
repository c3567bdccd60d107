"""Messages between a learner and their teachers: one conversation per learner and teacher,
messages in it, and each establishment's choice of having staff approve every message first.

A message is plain text (shown escaped), with at most one attached file where the
establishment allows files (checked as assignments' files are). Who may write to whom is in
``access.py``; every change goes through ``actions.py``."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Establishment
from cartable.catalog.models import Blob, Course

SUBJECT_MAX = 200
BODY_MAX = 5000
REASON_MAX = 1000
# What a message may carry, where the establishment allows a file: documents and pictures, at
# most ATTACHMENT_MAX_BYTES (and never more than an assignment's upload limit).
ATTACHMENT_TYPES = "document image"
ATTACHMENT_MAX_BYTES = 10 * 1024 * 1024


class Policy(models.Model):
    """An establishment's rule for messages; no row: delivered at once."""

    establishment = models.OneToOneField(
        Establishment, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    # Each message, both ways, waits for the approval of the learner's establishment's staff.
    moderated = models.BooleanField(_("staff approve every message before delivery"), default=False)
    # Learners and teachers may attach one file (of ATTACHMENT_TYPES) to a message.
    attachments = models.BooleanField(_("a file may be attached to a message"), default=False)
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("message rule")
        verbose_name_plural = _("message rules")

    def __str__(self) -> str:
        return f"messages of establishment #{self.establishment_id}"


class Conversation(models.Model):
    """The messages between one learner and one teacher, whatever the course."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    teacher = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("conversation")
        verbose_name_plural = _("conversations")
        constraints = [
            models.UniqueConstraint(fields=["learner", "teacher"], name="conversation_pair_unique")
        ]
        indexes = [models.Index(fields=["teacher", "learner"])]

    def __str__(self) -> str:
        return f"conversation #{self.pk}"


class Message(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for staff approval")
        DELIVERED = "delivered", _("Delivered")
        REFUSED = "refused", _("Refused by staff")

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="messages"
    )
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    # What the message is about, if the author said; kept if the course goes.
    course = models.ForeignKey(
        Course, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    subject = models.CharField(_("subject"), max_length=SUBJECT_MAX, blank=True)
    body = models.TextField(_("message"))
    # One file, stored by its hash; its name as sent (cleaned) and its type from its content.
    attachment = models.ForeignKey(
        Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    attachment_name = models.CharField(max_length=255, blank=True)
    attachment_type = models.CharField(max_length=127, blank=True)
    attachment_size = models.PositiveBigIntegerField(default=0)
    status = models.CharField(max_length=16, choices=Status, default=Status.PENDING)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)  # by the recipient
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True)  # why staff refused it
    reason_shared = models.BooleanField(default=False)  # shown to the author

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        indexes = [
            models.Index(fields=["recipient", "status", "read_at"]),
            models.Index(fields=["conversation", "created_at"]),
            models.Index(fields=["status", "created_at"]),
        ]

    def __str__(self) -> str:
        # In the audit log: never the subject or the body.
        return f"message #{self.pk}"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING

    @property
    def is_refused(self) -> bool:
        return self.status == self.Status.REFUSED
