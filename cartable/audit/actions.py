"""Writing to the audit log. Call ``record`` inside the transaction of the change it describes,
so that the change and its audit row are committed (or rolled back) together; call it late in
that transaction: on PostgreSQL the chain head stays locked from ``record`` until the commit.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from cartable.audit import chain
from cartable.audit.models import AuditEvent, ChainHead

SYSTEM = "system"

log = logging.getLogger(__name__)


def client_address(request: HttpRequest | None) -> str | None:
    # The box is reached directly on its LAN (no proxy to trust), so REMOTE_ADDR is the device.
    if request is None:
        return None
    try:
        address = ipaddress.ip_address(str(request.META.get("REMOTE_ADDR") or ""))
    except ValueError:
        return None  # a Unix socket, or a test client: no address to keep
    # Sealed in the spelling the database gives back (Django's and PostgreSQL's for IPv6).
    if address.version == 6:
        return clean_ipv6_address(str(address))
    return str(address)


def client_device(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return _text(request.META.get("HTTP_USER_AGENT", ""), 255)


def _text(value: Any, limit: int) -> str:
    # PostgreSQL refuses NUL in text; the limits are the columns'.
    return str(value).replace("\x00", "")[:limit]


def _without_nul(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, dict):
        return {_without_nul(key): _without_nul(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_nul(item) for item in value]
    return value


def _establishment_id(actor: Any | None, target: models.Model | None) -> int | None:
    """What the entry is about: the target's establishment, else the actor's."""
    if target is not None:
        if target._meta.label_lower == "accounts.establishment":
            return int(target.pk)
        found = getattr(target, "establishment_id", None)
        if found is not None:
            return int(found)
    return getattr(actor, "establishment_id", None)


def home() -> Path:
    return Path(settings.HOME)


def record(
    action: str,
    *,
    actor: Any | None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
    establishment_id: int | None = None,
) -> AuditEvent:
    """Append one event. ``actor`` is a user, or None for the box itself (command line, jobs).
    The establishment the event is about is the target's, else the actor's, unless given.

    Three small queries: lock the chain head, insert the entry, move the head. The head file in
    the data folder is updated once the transaction is committed.
    """
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = actor_name or (actor.get_username() if actor is not None else SYSTEM)
    # Details go through JSON once, so that what is sealed is what the database gives back.
    plain_details = _without_nul(json.loads(chain.canonical_json(details or {})))
    key = chain.load_key(home(), create=True)
    fields: dict[str, Any] = {
        "key_id": key.id,
        "actor_id": actor.pk if actor is not None else None,
        "actor_name": _text(name, 150),
        "establishment_id": establishment_id or _establishment_id(actor, target),
        "action": _text(action, 64),
        "target_type": target._meta.label_lower[:64] if target is not None else "",
        "target_id": _text(target.pk, 64) if target is not None else "",
        "target_label": _text(target, 255) if target is not None else "",
        "details": plain_details,
        "ip_address": client_address(request),
        "device": client_device(request),
    }
    # No savepoint when nested: a failure here must fail the caller's transaction anyway,
    # and two queries fewer. Alone (autocommit), this is the transaction: on SQLite it takes
    # the write lock at once (IMMEDIATE), on PostgreSQL the head row's lock serialises appends.
    with transaction.atomic(savepoint=False):
        head = _locked_head()
        if head.seq and head.key_id != key.id:
            log.error(
                "The audit key %s is not the one that sealed entry #%s: the entries before "
                "this one can no longer be checked. Was the data folder replaced?",
                key.path,
                head.seq,
            )
        fields["seq"] = head.seq + 1
        fields["at"] = timezone.now()  # taken under the lock: times follow the numbers
        fields["seal"] = chain.seal(key, [fields[name] for name in chain.FIELDS], head.seal)
        event = AuditEvent.objects.create(**fields)
        ChainHead.objects.filter(pk=ChainHead.ROW).update(
            seq=event.seq, seal=event.seal, key_id=key.id
        )
        transaction.on_commit(
            lambda: _committed(event.seq, event.seal), using=connection.alias, robust=True
        )
    return event


def _locked_head() -> ChainHead:
    head = ChainHead.objects.select_for_update().filter(pk=ChainHead.ROW).first()
    if head is None:
        # A new database (or one whose head row was removed): start from its last entry.
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "seal", "key_id").first()
        seq, seal, key_id = last if last is not None else (0, "", "")
        ChainHead.objects.bulk_create(
            [ChainHead(pk=ChainHead.ROW, seq=seq, seal=seal, key_id=key_id)],
            ignore_conflicts=True,
        )
        head = ChainHead.objects.select_for_update().get(pk=ChainHead.ROW)
    return head


def _committed(seq: int, seal: str) -> None:
    """After the commit: make it durable, then move the head file forward."""
    _sync_sqlite_wal()
    alarm = chain.advance_head(home(), seq, seal, _seal_in_database)
    if alarm is not None:
        log.error(
            "The audit log lost its end: entry #%s, which the box had written, was deleted or "
            "replaced in the database (noticed while writing #%s). Run `cartable audit verify`.",
            alarm.seq,
            alarm.writing_seq,
        )


def _seal_in_database(seq: int) -> str | None:
    return AuditEvent.objects.filter(seq=seq).values_list("seal", flat=True).first()


def _sync_sqlite_wal() -> None:
    """SQLite in WAL mode with synchronous=NORMAL makes a commit durable only at the next
    checkpoint: after a power cut the database may lose its last commits. The head file must
    never be ahead of the database (that would read as entries deleted), so the write-ahead log
    is flushed to disk first. PostgreSQL's commits are durable already."""
    if connection.vendor != "sqlite":
        return
    name = str(connection.settings_dict["NAME"])
    wal = Path(name + "-wal")
    try:
        fd = os.open(wal, os.O_RDONLY)
    except OSError:
        return  # an in-memory database (tests), or not in WAL mode
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
