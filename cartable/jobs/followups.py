"""Durable follow-ups: what must follow a commit is recorded as a ``FollowUp`` row inside the
committing transaction and run right after the commit; rows a crash left are run by the next
worker (and by `cartable import` and `cartable reindex --repair`). Handlers are idempotent and
register by kind, as jobs' handlers do."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction

from cartable.jobs.models import FollowUp

logger = logging.getLogger(__name__)

Handler = Callable[[dict[str, Any]], None]
HANDLERS: dict[str, Handler] = {}
MAX_ATTEMPTS = 3


def register(kind: str, handler: Handler) -> None:
    HANDLERS[kind] = handler


def add(kind: str, payload: dict[str, Any]) -> None:
    """Record ``kind`` to do after the current transaction commits (and do it then). Must be
    called inside the transaction whose work it follows."""
    if kind not in HANDLERS:
        raise ValueError(f"no handler for follow-ups of kind {kind!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a follow-up is recorded inside the transaction it follows")
    row = FollowUp.objects.create(kind=kind, payload=payload)
    transaction.on_commit(lambda: run_rows([row.pk]), robust=True)


def _key(row: FollowUp) -> tuple[str, str]:
    return row.kind, json.dumps(row.payload, sort_keys=True)


def run_rows(pks: list[int] | None = None) -> int:
    """Run the follow-ups ``pks`` (all waiting ones when None), each distinct one once; return
    how many distinct ones ran. A follow-up that fails is tried again later, at most
    ``MAX_ATTEMPTS`` times, then dropped with an error in the log."""
    rows = FollowUp.objects.order_by("id")
    if pks is not None:
        rows = rows.filter(pk__in=pks)
    groups: dict[tuple[str, str], list[FollowUp]] = {}
    for row in rows:
        groups.setdefault(_key(row), []).append(row)
    done = 0
    for (kind, _payload), same in groups.items():
        ids = [row.pk for row in same]
        handler = HANDLERS.get(kind)
        attempts = max(row.attempts for row in same) + 1
        FollowUp.objects.filter(pk__in=ids).update(attempts=attempts)
        try:
            if handler is None:
                raise LookupError(f"no handler for follow-ups of kind {kind!r}")
            handler(same[0].payload)
        except Exception:
            logger.exception("follow-up %s %s failed (attempt %d)", kind, same[0].payload, attempts)
            if attempts >= MAX_ATTEMPTS:
                logger.error("follow-up %s %s given up", kind, same[0].payload)
                FollowUp.objects.filter(pk__in=ids).delete()
            continue
        FollowUp.objects.filter(pk__in=ids).delete()
        done += 1
    return done
