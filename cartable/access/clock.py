"""The box's clock. Boxes often run without a time server (and a Raspberry Pi has no
battery-backed clock), so staff are warned when the clock looks wrong and an administrator
can set it.

Looks wrong: earlier than the latest time in the audit log (since the clock was last set or
confirmed), or more than CARTABLE_CLOCK_DRIFT_DAYS days away from the last course import (or
the last time an administrator set or confirmed the clock, whichever is later). The reference
times cost three small indexed queries, read at most once a minute per process; comparing
them with the clock costs nothing.

Setting the system clock needs root. With CARTABLE_CLOCK_COMMAND set (e.g.
``sudo -n /usr/bin/date -s``, allowed by a sudoers rule: see docs/clock.md) the box runs it
with ``@<seconds since 1970>``; without it, the page shows the exact command to run.
"""

from __future__ import annotations

import shlex
import subprocess
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.access import gate
from cartable.accounts.models import Role, User
from cartable.audit.actions import record
from cartable.audit.models import AuditEvent

SET = "clock.set"
CONFIRMED = "clock.confirmed"
IMPORTED = "course.imported"
TOLERANCE = timedelta(minutes=5)  # clocks of two processes, a slow request
CACHE_SECONDS = 60


class ClockError(ValueError):
    """The clock cannot be set this way; the message is for the administrator."""


@dataclass(frozen=True)
class References:
    latest: datetime | None  # the latest time in the log since the clock was last checked
    checked: datetime | None  # when an administrator last set or confirmed it
    imported: datetime | None  # the last course import


def references() -> References:
    checked = (
        AuditEvent.objects.filter(action__in=(SET, CONFIRMED))
        .order_by("-seq")
        .values_list("seq", "at")
        .first()
    )
    since = AuditEvent.objects.all()
    if checked is not None:
        since = since.filter(seq__gte=checked[0])
    latest = since.order_by("-at").values_list("at", flat=True).first()
    imported = (
        AuditEvent.objects.filter(action=IMPORTED).order_by("-seq").values_list("at", flat=True)
    ).first()
    return References(latest, checked[1] if checked else None, imported)


_cache: dict[str, tuple[float, References]] = {}
_lock = threading.Lock()


def cached_references() -> References:
    """``references()``, read again at most once a minute in each process."""
    with _lock:
        found = _cache.get("refs")
        if found is not None and found[0] > time.monotonic():
            return found[1]
    refs = references()
    with _lock:
        _cache["refs"] = (time.monotonic() + CACHE_SECONDS, refs)
    return refs


def forget() -> None:
    """Read the references again at the next look (after the clock is set or confirmed)."""
    with _lock:
        _cache.clear()


def warnings(refs: References | None = None, moment: datetime | None = None) -> list[str]:
    """Why the clock looks wrong, in sentences for staff (none when it looks right)."""
    refs = refs or cached_references()
    moment = moment or gate.now()
    found = []
    shown = timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if refs.latest is not None and moment < refs.latest - TOLERANCE:
        found.append(
            _(
                "The box’s clock says %(now)s, earlier than the last event of the audit log "
                "(%(last)s): it is probably wrong."
            )
            % {"now": shown, "last": timezone.localtime(refs.latest).strftime("%Y-%m-%d %H:%M")}
        )
    known = [when for when in (refs.imported, refs.checked) if when is not None]
    if known:
        reference = max(known)
        days = settings.CLOCK_DRIFT_DAYS
        if abs(moment - reference) > timedelta(days=days):
            found.append(
                _(
                    "The box’s clock says %(now)s, more than %(days)d days from the last course "
                    "import or clock check (%(reference)s). If the date is wrong, set it; if it "
                    "is right, confirm it on the clock page."
                )
                % {
                    "now": shown,
                    "days": days,
                    "reference": timezone.localtime(reference).strftime("%Y-%m-%d"),
                }
            )
    return found


def command_for(moment: datetime) -> list[str]:
    """The command that sets the system clock to ``moment`` (CARTABLE_CLOCK_COMMAND, or the
    one an administrator runs by hand)."""
    base = shlex.split(settings.CLOCK_COMMAND or "") or ["sudo", "date", "-s"]
    return [*base, f"@{int(moment.timestamp())}"]


def manual_command(moment: datetime) -> str:
    return shlex.join(command_for(moment)) if not settings.CLOCK_COMMAND else ""


def _check_admin(actor: User) -> None:
    if actor.role != Role.ADMIN:
        raise ClockError(_("Only an administrator may set the box’s clock."))


def set_clock(*, actor: User, moment: datetime, request: HttpRequest | None = None) -> bool:
    """Set the system clock to ``moment`` with CARTABLE_CLOCK_COMMAND: True when it ran. Without
    the command, records the correction asked for and returns False (the page shows the
    command to run). Audited either way, after the clock moved."""
    _check_admin(actor)
    before = gate.now()
    details: dict[str, object] = {
        "asked": moment.astimezone(UTC).isoformat(),
        "clock_was": before.astimezone(UTC).isoformat(),
        "offset_seconds": int((moment - before).total_seconds()),
    }
    if not settings.CLOCK_COMMAND:
        with transaction.atomic():
            record("clock.correction_asked", actor=actor, details=details, request=request)
        return False
    command = command_for(moment)
    try:
        done = subprocess.run(  # noqa: S603 (the administrator's own setting, no shell)
            command, capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError) as error:
        outcome, message = -1, str(error)
    else:
        outcome, message = done.returncode, (done.stderr or done.stdout).strip()
    details.update(command=shlex.join(command), status=outcome, output=message[:300])
    with transaction.atomic():
        record(
            SET if outcome == 0 else "clock.set_failed",
            actor=actor,
            details=details,
            request=request,
        )
    forget()
    if outcome != 0:
        raise ClockError(
            _("The clock could not be set (%(command)s: %(message)s).")
            % {"command": shlex.join(command), "message": message or outcome}
        )
    return True


def confirm(*, actor: User, request: HttpRequest | None = None) -> None:
    """An administrator says the clock is right: the warnings start again from now."""
    _check_admin(actor)
    with transaction.atomic():
        record(
            CONFIRMED,
            actor=actor,
            details={"clock": gate.now().astimezone(UTC).isoformat()},
            request=request,
        )
    forget()
