"""The log as CSV, streamed: rows are read from the database in chunks and written out one by
one, so memory stays flat on millions of entries. Cells that a spreadsheet would run as a
formula are quoted."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.audit import chain
from cartable.audit.labels import label
from cartable.audit.models import AuditEvent
from cartable.lib.spreadsheet import Lines, safe

FIELDS = (
    "seq",
    "at",
    "actor_name",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "ip_address",
    "device",
    "details",
    "seal",
)


def header() -> list[str]:
    return [
        _("Number"),
        _("When (%(zone)s)") % {"zone": settings.TIME_ZONE},
        _("Who"),
        _("Action"),
        _("What"),
        _("Type of target"),
        _("Target id"),
        _("On"),
        _("Address"),
        _("Device"),
        _("Details"),
        _("Seal"),
    ]


def row(values: tuple[Any, ...]) -> list[str]:
    seq, at, who, action, target_type, target_id, target_label, ip, device, details, seal = values
    return [
        safe(cell)
        for cell in (
            seq,
            timezone.localtime(at).strftime("%Y-%m-%d %H:%M:%S"),
            who,
            action,
            label(action),
            target_type,
            target_id,
            target_label,
            ip,
            device,
            chain.canonical_json(details) if details else "",
            seal,
        )
    ]


CHUNK = 64 * 1024


def chunks(events: QuerySet[AuditEvent]) -> Iterator[str]:
    """The header, then one CSV line per entry, oldest first, in pieces of about 64 KiB."""
    writer = csv.writer(Lines())
    pending = [writer.writerow(header())]
    size = 0
    rows: Iterable[tuple[Any, ...]] = (
        events.order_by("seq").values_list(*FIELDS).iterator(chunk_size=2000)
    )
    for values in rows:
        line = writer.writerow(row(values))
        pending.append(line)
        size += len(line)
        if size >= CHUNK:
            yield "".join(pending)
            pending, size = [], 0
    yield "".join(pending)
