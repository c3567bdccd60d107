"""Writing to the audit log. Call ``record`` inside the transaction of the change it describes,
so that the change and its audit row are committed (or rolled back) together."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.http import HttpRequest
from django.utils import timezone

from cartable.audit.models import AuditEvent

SYSTEM = "system"


def client_address(request: HttpRequest | None) -> str | None:
    # The box is reached directly on its LAN (no proxy to trust), so REMOTE_ADDR is the device.
    if request is None:
        return None
    return request.META.get("REMOTE_ADDR") or None


def client_device(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("HTTP_USER_AGENT", ""))[:255]


def record(
    action: str,
    *,
    actor: Any | None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, or None for the box itself (command line, jobs)."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = actor_name or (actor.get_username() if actor is not None else SYSTEM)
    return AuditEvent.objects.create(
        at=timezone.now(),
        actor=actor,
        actor_name=name[:150],
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        target_label=str(target)[:255] if target is not None else "",
        details=details or {},
        ip_address=client_address(request),
        device=client_device(request),
    )
