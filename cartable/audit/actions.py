"""Writing to the audit log. Call ``record`` inside the transaction of the change it describes,
so that the change and its audit row are committed (or rolled back) together; call it late in
that transaction: on PostgreSQL the chain head stays locked from ``record`` until the commit.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import os
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.ipv6 import clean_ipv6_address

from cartable import compiled
from cartable.audit import chain
from cartable.audit.models import AuditEvent, ChainHead, Tally
from cartable.lib.behind import Behind
from cartable.lib.grouped import Grouped
from cartable.lib.nul import without_nul

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

    Three short statements, in the write lock's time on SQLite: lock the chain head (and see
    whether counts' periods are over: see ``record_repeated``; each such count adds its entry
    first), insert the entry, move the head; written in SQL of their own, as the ORM's
    building of them cost several times their running. The head file in the data folder is
    updated once the transaction is committed.
    """
    return record_entry(
        prepare(
            action,
            actor=actor,
            target=target,
            details=details,
            request=request,
            actor_name=actor_name,
            establishment_id=establishment_id,
        )
    )


@dataclass(frozen=True, slots=True)
class Entry:
    """An event's fields but its number, time and seal (``prepare``), and its details as the
    seal covers them (``chain.sealed_details``), made before the write lock."""

    fields: dict[str, Any]
    details_text: str | None = None

    @classmethod
    def of(cls, fields: dict[str, Any]) -> Entry:
        return cls(fields, chain.sealed_details(fields["details"]))

    def with_details(self, **values: Any) -> Entry:
        """The same entry with ``values`` added to its details: what is known only in the
        write transaction (the id of the row it made), added there."""
        details = without_nul(
            json.loads(chain.canonical_json({**self.fields["details"], **values}))
        )
        return Entry.of({**self.fields, "details": details})


def prepare(
    action: str,
    *,
    actor: Any | None,
    target: models.Model | None = None,
    details: dict[str, Any] | None = None,
    request: HttpRequest | None = None,
    actor_name: str | None = None,
    establishment_id: int | None = None,
) -> Entry:
    """What ``record`` appends, computed ahead (``record_entry`` appends it): a change that
    holds a write transaction short prepares its entry before the transaction opens."""
    return Entry.of(_fields(action, actor, target, details, request, actor_name, establishment_id))


def record_entry(entry: Entry) -> AuditEvent:
    """Append an entry made by ``prepare``: numbered, timed and sealed now (``record``)."""
    # No savepoint when nested: a failure here must fail the caller's transaction anyway,
    # and two queries fewer. Alone (autocommit), this is the transaction: on SQLite it takes
    # the write lock at once (IMMEDIATE), on PostgreSQL the head row's lock serialises appends.
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        head, due = _locked_head(due_by=now)
        if due:
            _flush(head, now)
        return _append(head, entry.fields, entry.details_text)


def _fields(
    action: str,
    actor: Any | None,
    target: models.Model | None,
    details: dict[str, Any] | None,
    request: HttpRequest | None,
    actor_name: str | None,
    establishment_id: int | None,
) -> dict[str, Any]:
    """An entry's fields, but its number, time and seal."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    name = actor_name or (actor.get_username() if actor is not None else SYSTEM)
    # Details go through JSON once, so that what is sealed is what the database gives back.
    plain_details = without_nul(json.loads(chain.canonical_json(details or {})))
    return {
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


def _append(head: ChainHead, fields: dict[str, Any], details_text: str | None = None) -> AuditEvent:
    """Seal and insert one entry after ``head`` (locked), and move the head (``details_text``:
    see ``Entry``)."""
    key = chain.appending_key(str(settings.HOME))
    if head.seq and head.key_id != key.id:
        log.error(
            "The audit key %s is not the one that sealed entry #%s: the entries before "
            "this one can no longer be checked. Was the data folder replaced?",
            key.path,
            head.seq,
        )
    fields = {**fields, "key_id": key.id, "seq": head.seq + 1}
    fields["at"] = timezone.now()  # taken under the lock: times follow the numbers
    fields["seal"] = chain.seal(
        key, [fields[name] for name in chain.FIELDS], head.seal, details_text
    )
    event = AuditEvent(**fields)
    _insert(event)
    _move_head(event.seq, event.seal, key.id)
    head.seq, head.seal, head.key_id = event.seq, event.seal, key.id
    transaction.on_commit(
        lambda: _committed(event.seq, event.seal), using=connection.alias, robust=True
    )
    return event


# --- Floods: counted, never dropped -----------------------------------------------------------

# Distinct things (pages, usernames) a count names; more are counted under OTHERS.
MAX_SAMPLES = 20
OTHERS = "…"


def record_repeated(
    action: str,
    *,
    actor: Any | None,
    about: str,
    details: dict[str, Any],
    request: HttpRequest | None,
    actor_name: str | None = None,
    establishment_id: int | None = None,
    target: models.Model | None = None,
) -> AuditEvent | None:
    """An event that can come in floods (a refused page, a failed sign-in): the first one
    from the same person and device address in CARTABLE_AUDIT_REPEAT_MINUTES is appended at
    once (and returned); the next ones are counted, by ``about`` (the page, the username),
    and one entry with the count is appended once the period is over: by the next entry
    written, whoever writes it, or by `cartable audit flush`. Nothing is dropped, and no
    sealed entry is ever rewritten."""
    fields = _fields(action, actor, target, details, request, actor_name, establishment_id)
    key = "|".join(
        str(part or "")
        for part in (
            fields["action"],
            fields["actor_id"],
            fields["establishment_id"],
            fields["ip_address"],
        )
    )
    with transaction.atomic(savepoint=False):
        now = timezone.now()
        # The head's lock serialises counting with appending; the same statement says whether
        # a count's period is over (most refusals: none is, and no query looks for them).
        head, due = _locked_head(due_by=now)
        if due:
            _flush(head, now)
        tally = Tally.objects.filter(key=key).first()
        if tally is not None:  # open: its period is not over (_flush ended the others)
            tally.count += 1
            tally.last_at = now
            tally.device = fields["device"]
            tally.samples = _counted(tally.samples, about)
            tally.save(update_fields=["count", "last_at", "device", "samples"])
            return None
        event = _append(head, fields)
        Tally.objects.create(
            key=key,
            action=fields["action"],
            actor_id=fields["actor_id"],
            actor_name=fields["actor_name"],
            establishment_id=fields["establishment_id"],
            ip_address=fields["ip_address"],
            device=fields["device"],
            first_seq=event.seq,
            opened_at=event.at,
            closes_at=event.at + timedelta(minutes=settings.AUDIT_REPEAT_MINUTES),
            last_at=event.at,
        )
        return event


def _counted(samples: dict[str, int], about: str) -> dict[str, int]:
    about = _text(about, 200)
    if about not in samples and len(samples) >= MAX_SAMPLES:
        about = OTHERS
    return {**samples, about: samples.get(about, 0) + 1}


def flush_repeated(*, everything: bool = False) -> int:
    """Append the counts whose period is over (``everything``: all of them, now). Returns how
    many entries were appended."""
    with transaction.atomic(savepoint=False):
        return _flush(_locked_head()[0], None if everything else timezone.now())


def _flush(head: ChainHead, now: datetime | None) -> int:
    """Under the head's lock: one entry for each count whose period ended by ``now`` (all when
    None); a period that counted nothing beyond its first entry adds none."""
    due = Tally.objects.order_by("closes_at", "pk")
    if now is not None:
        due = due.filter(closes_at__lte=now)
    written = 0
    for tally in due:
        if tally.count:
            _append(
                head,
                {
                    "actor_id": tally.actor_id,
                    "actor_name": tally.actor_name,
                    "establishment_id": tally.establishment_id,
                    "action": tally.action,
                    "target_type": "",
                    "target_id": "",
                    "target_label": "",
                    "details": json.loads(
                        chain.canonical_json(
                            {
                                "repeated": tally.count,
                                "after": tally.first_seq,
                                "until": chain.timestamp(tally.last_at),
                                "about": tally.samples,
                            }
                        )
                    ),
                    "ip_address": tally.ip_address,
                    "device": tally.device,
                },
            )
            written += 1
        tally.delete()
    return written


def _locked_head(due_by: datetime | None = None) -> tuple[ChainHead, bool]:
    """The chain head, locked (PostgreSQL; SQLite's transaction holds the write lock already),
    and whether a count's period ended by ``due_by`` (always True when None), in one
    statement."""
    connection_ = connections[DEFAULT_DB_ALIAS]
    found = _head_statement(connection_).fetch(
        connection_, None if due_by is None else connection_.ops.adapt_datetimefield_value(due_by)
    )
    if found is None:
        # A new database (or one whose head row was removed): start from its last entry.
        last = AuditEvent.objects.order_by("-seq").values_list("seq", "seal", "key_id").first()
        seq, seal, key_id = last if last is not None else (0, "", "")
        ChainHead.objects.bulk_create(
            [ChainHead(pk=ChainHead.ROW, seq=seq, seal=seal, key_id=key_id)],
            ignore_conflicts=True,
        )
        return ChainHead.objects.select_for_update().get(pk=ChainHead.ROW), True
    seq, seal, key_id, due = found
    return ChainHead(pk=ChainHead.ROW, seq=seq, seal=seal, key_id=key_id), bool(due)


@dataclass(frozen=True, slots=True)
class _HeadStatement:
    sql: str

    def fetch(self, connection_: Any, due_by: Any) -> tuple[Any, ...] | None:
        with connection_.cursor() as cursor:
            cursor.execute(self.sql, [due_by is None, due_by, ChainHead.ROW])
            row = cursor.fetchone()
        return tuple(row) if row is not None else None


def _head_statement(connection_: Any) -> _HeadStatement:
    key = (connection_.alias, connection_.vendor)
    found = _HEAD_STATEMENTS.get(key)
    if found is None:
        q = connection_.ops.quote_name
        tally, head = q(Tally._meta.db_table), q(ChainHead._meta.db_table)
        lock = " FOR UPDATE" if connection_.features.has_select_for_update else ""
        found = _HEAD_STATEMENTS[key] = _HeadStatement(
            f"SELECT {q('seq')}, {q('seal')}, {q('key_id')}, "  # noqa: S608 (names only)
            f"(%s OR EXISTS (SELECT 1 FROM {tally} WHERE {q('closes_at')} <= %s)) "
            f"FROM {head} WHERE {q('id')} = %s{lock}"
        )
    return found


_HEAD_STATEMENTS: dict[tuple[str, str], _HeadStatement] = {}
_INSERT_FIELDS = [f for f in AuditEvent._meta.concrete_fields if not f.primary_key]


def _insert(event: AuditEvent) -> None:
    """INSERT the entry (what ``AuditEvent.objects.create`` does, without the ORM's building
    of the statement: the values are prepared by the fields themselves)."""
    compiled.insert(event, _INSERT_FIELDS, compiled.prepared(event, _INSERT_FIELDS))


def _move_head(seq: int, seal: str, key_id: str) -> None:
    connection_ = connections[DEFAULT_DB_ALIAS]
    q = connection_.ops.quote_name
    sql = (
        f"UPDATE {q(ChainHead._meta.db_table)} SET {q('seq')} = %s, {q('seal')} = %s, "  # noqa: S608
        f"{q('key_id')} = %s WHERE {q('id')} = %s"
    )
    with connection_.cursor() as cursor:
        cursor.execute(sql, [seq, seal, key_id, ChainHead.ROW])


def _committed(seq: int, seal: str) -> None:
    """After the commit: make it durable, then move the head file forward. The threads of a
    process that commit together share the work (``_durable``): one fsync of the write-ahead
    log and one head file written for all of them, instead of one each, one after the other
    (the head file's lock is the whole box's)."""
    database = str(connection.settings_dict["NAME"]) if connection.vendor == "sqlite" else None
    _durable(_Committed(database, home(), seq, seal))


@dataclass(frozen=True, slots=True)
class _Committed:
    database: str | None  # the SQLite file whose write-ahead log holds the entry
    home: Path
    seq: int
    seal: str


def _make_durable(entries: list[_Committed]) -> None:
    """Every write-ahead log the entries were committed to flushed to disk, then each data
    folder's head file moved past them (the head file is never ahead of the database): here,
    or by the thread behind the requests (``move_heads_behind``)."""
    for database in dict.fromkeys(e.database for e in entries if e.database is not None):
        _sync_sqlite_wal(database)
    behind = _HEADS.behind
    if behind is not None:
        behind.submit(entries)
    else:
        _advance_heads(entries)


def _advance_heads(entries: list[_Committed]) -> None:
    for folder in dict.fromkeys(e.home for e in entries):
        written = [(e.seq, e.seal) for e in entries if e.home == folder]
        for alarm in chain.advance_head_many(folder, written, _seal_in_database):
            log.error(
                "The audit log lost its end: entry #%s, which the box had written, was deleted "
                "or replaced in the database (noticed while writing #%s). Run `cartable audit "
                "verify`.",
                alarm.seq,
                alarm.writing_seq,
            )


def _advance_heads_behind(entries: list[_Committed]) -> None:
    try:
        _advance_heads(entries)
    finally:
        connections[DEFAULT_DB_ALIAS].close()  # opened only to check a seal, seldom


_durable = Grouped(_make_durable)


@dataclass(slots=True)
class _Heads:
    behind: Behind[_Committed] | None = None


_HEADS = _Heads()


def move_heads_behind() -> None:
    """From now on, in this process, a request waits for its commit to be on disk (the
    write-ahead log's fsync) but not for the head file: a thread of its own moves it, once for
    every commit made meanwhile. For the web server's workers, whose requests would otherwise
    wait for a second flush (on an SD card, ~10 ms each: answer saves of a class at 50
    concurrent requests 164 -> 274 per second, bench/README.md). The head may lag the database
    a little longer, as it already may after a crash; it never leads it. ``flush_heads`` before
    the process stops."""
    if _HEADS.behind is None:
        _HEADS.behind = Behind(_advance_heads_behind, name="cartable-audit-head")


def flush_heads(timeout: float | None = None) -> bool:
    """Wait until the head file holds every commit made so far in this process; False when
    ``timeout`` (seconds) passed first."""
    behind = _HEADS.behind
    return True if behind is None else behind.flush(timeout)


def _seal_in_database(seq: int) -> str | None:
    return AuditEvent.objects.filter(seq=seq).values_list("seal", flat=True).first()


def _sync_sqlite_wal(name: str) -> None:
    """SQLite in WAL mode with synchronous=NORMAL makes a commit durable only at the next
    checkpoint: after a power cut the database may lose its last commits. The head file must
    never be ahead of the database (that would read as entries deleted), so the write-ahead log
    of database ``name`` is flushed to disk first. PostgreSQL's commits are durable already."""
    wal = Path(name + "-wal")
    try:
        fd = os.open(wal, os.O_RDONLY)
    except OSError:
        return  # an in-memory database (tests), or not in WAL mode
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
