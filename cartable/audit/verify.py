"""Checking the chain: every seal, every link, and the end against the head kept outside the
database. Streams through the entries in order (constant memory) and stops at the first bad one.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.audit import chain
from cartable.audit.models import AuditEvent, ChainHead

# How far back a renumbering is looked for, to tell "deleted and renumbered" from "changed".
RENUMBERING_SEARCH = 10_000

# Why a check failed; the exit status of `cartable audit verify` follows it.
TAMPERED = "tampered"
UNCHECKABLE = "uncheckable"

Row = tuple[Any, ...]  # (id, FIELDS..., seal)


@dataclass(frozen=True)
class Report:
    checked: int  # entries whose seal and link were good
    last_seq: int
    problem: str | None = None  # one sentence, in the active language
    kind: str | None = None  # TAMPERED or UNCHECKABLE
    seq: int | None = None  # the entry named

    @property
    def intact(self) -> bool:
        return self.problem is None


def _rows() -> Iterator[Row]:
    fields = ("id", *chain.FIELDS, "seal")
    # Ordered by number, then id: should numbers repeat (the unique index dropped), both show.
    query = AuditEvent.objects.order_by("seq", "id").values_list(*fields)
    return iter(query.iterator(chunk_size=2000))


def _values(row: Row, seq: int | None = None) -> list[Any]:
    values = list(row[1:-1])
    if seq is not None:
        values[0] = seq
    return values


def _seal_of(row: Row) -> str:
    return str(row[-1])


def _seq_of(row: Row) -> int:
    return int(row[1])


def _key_id_of(row: Row) -> str:
    return str(row[2])


def verify(home: Path, *, check_end: bool = True) -> Report:
    """Check the log. ``check_end``: also compare its end with the heads (the head file, and
    the chain head row), which is how deletions at the end are seen."""
    # The heads are read before the entries: whatever they name was committed before the scan
    # started, so it must be in it (entries committed later may follow; they must verify too).
    try:
        head_file = chain.read_head(home)
    except chain.HeadUnreadable as error:
        return Report(
            0,
            0,
            _(
                "The audit head file %(path)s cannot be read: it was damaged or written by "
                "hand. The end of the log cannot be checked."
            )
            % {"path": str(error)},
            UNCHECKABLE,
        )
    head_row = ChainHead.objects.filter(pk=ChainHead.ROW).values_list("seq", "seal").first()
    try:
        key = chain.load_key(home, create=False)
    except chain.KeyMissing as error:
        if not AuditEvent.objects.exists():
            return Report(0, 0)
        return Report(
            0,
            0,
            _(
                "The audit key %(path)s is missing: no entry can be checked. Restore it from "
                "a backup of the data folder."
            )
            % {"path": str(error)},
            UNCHECKABLE,
        )
    wanted = {head.seq for head in (head_file,) if head is not None}
    if head_row is not None:
        wanted.add(int(head_row[0]))
    report, seals = _check_chain(key, _rows(), wanted)
    if not report.intact or not check_end:
        return report
    return _check_end(report, head_file, head_row, seals)


def _check_chain(
    key: chain.Key, rows: Iterator[Row], wanted: set[int]
) -> tuple[Report, dict[int, str]]:
    """Walk the chain. Returns the report and the seals of the entries numbered in ``wanted``
    (the ones the heads name)."""
    seals: dict[int, str] = {}
    previous_seq, previous_seal, checked = 0, "", 0
    row = next(rows, None)
    while row is not None:
        seq = _seq_of(row)
        following = next(rows, None)
        if seq == previous_seq and seq > 0:
            return _tampered(
                checked,
                previous_seq,
                seq,
                _("Entry #%(seq)d appears twice: one of the two was inserted.") % {"seq": seq},
            ), seals
        if seq > previous_seq + 1:
            return _tampered(
                checked, previous_seq, previous_seq + 1, _gap(previous_seq, seq)
            ), seals
        if _key_id_of(row) != key.id:
            return _tampered(
                checked,
                previous_seq,
                seq,
                _(
                    "Entry #%(seq)d was sealed with another key (%(found)s) than the one in "
                    "%(path)s (%(expected)s): the key file was replaced or lost, or the "
                    "database comes from another box."
                )
                % {
                    "seq": seq,
                    "found": _key_id_of(row),
                    "path": key.path,
                    "expected": key.id,
                },
            ), seals
        if seq != previous_seq + 1 or not chain.seal_matches(
            key, _values(row), previous_seal, _seal_of(row)
        ):
            return _tampered(
                checked, previous_seq, seq, _diagnose(key, row, following, previous_seal)
            ), seals
        if seq in wanted:
            seals[seq] = _seal_of(row)
        previous_seq, previous_seal, checked = seq, _seal_of(row), checked + 1
        row = following
    return Report(checked, previous_seq), seals


def _tampered(checked: int, last_seq: int, seq: int, message: str) -> Report:
    return Report(checked, last_seq, message, TAMPERED, seq)


def _gap(previous_seq: int, seq: int) -> str:
    first, last = previous_seq + 1, seq - 1
    if first == last:
        return _(
            "Entry #%(first)d is missing: it was deleted (the log goes from #%(before)d to "
            "#%(after)d)."
        ) % {"first": first, "before": previous_seq, "after": seq}
    return _(
        "Entries #%(first)d to #%(last)d are missing: they were deleted (the log goes from "
        "#%(before)d to #%(after)d)."
    ) % {"first": first, "last": last, "before": previous_seq, "after": seq}


def _diagnose(key: chain.Key, row: Row, following: Row | None, previous_seal: str) -> str:
    """The entry's seal is wrong. The entry after it tells what happened to it."""
    seq = _seq_of(row)
    if following is not None and _seq_of(following) == seq + 1:
        after = _values(following)
        if chain.seal_matches(key, after, _seal_of(row), _seal_of(following)):
            # The next entry still links to this entry's seal: only its content changed.
            return _("Entry #%(seq)d was changed: its content no longer matches its seal.") % {
                "seq": seq
            }
        if chain.seal_matches(key, _values(following, seq), previous_seal, _seal_of(following)):
            # The next entry is the one that had this number: this one was slipped in.
            return _(
                "Entry #%(seq)d was inserted: the box did not write it, and the entries after "
                "it were renumbered."
            ) % {"seq": seq}
        for shift in range(1, RENUMBERING_SEARCH + 1):
            if chain.seal_matches(
                key, _values(following, seq + 1 + shift), _seal_of(row), _seal_of(following)
            ):
                return ngettext(
                    "An entry was deleted before entry #%(seq)d, and the entries after it were "
                    "renumbered to hide the gap.",
                    "%(count)d entries were deleted before entry #%(seq)d, and the entries "
                    "after them were renumbered to hide the gap.",
                    shift,
                ) % {"seq": seq, "count": shift}
    return _(
        "Entry #%(seq)d does not match its seal: it was changed, or written by someone without "
        "the key."
    ) % {"seq": seq}


def _check_end(
    report: Report,
    head_file: chain.Head | None,
    head_row: tuple[int, str] | None,
    seals: dict[int, str],
) -> Report:
    last = report.last_seq

    def problem(message: str, seq: int) -> Report:
        return Report(report.checked, last, message, TAMPERED, seq)

    if head_file is not None and head_file.alarm is not None:
        alarm = head_file.alarm
        return problem(
            _(
                "On %(when)s, while writing entry #%(writing)d, the box found that entry "
                "#%(seq)d, which it had written before, had been deleted or replaced in the "
                "database: the end of the log was deleted. Once this is investigated, "
                "`cartable audit reset-head` clears this alarm."
            )
            % {"when": _local(alarm.noticed_at), "seq": alarm.seq, "writing": alarm.writing_seq},
            alarm.seq,
        )
    heads = []
    if head_file is not None:
        heads.append((head_file.seq, head_file.seal))
    if head_row is not None:
        heads.append((int(head_row[0]), str(head_row[1])))
    for seq, seal in heads:
        if seq > last:
            return problem(
                _(
                    "Entries after #%(last)d are missing: the box had written up to "
                    "#%(head)d. The end of the log was deleted (or the database was restored "
                    "from an older backup)."
                )
                % {"last": last, "head": seq},
                last + 1,
            )
        if seq and seals.get(seq) != seal:
            return problem(
                _(
                    "Entry #%(seq)d is not the one the box wrote: the end of the log was "
                    "deleted and written again."
                )
                % {"seq": seq},
                seq,
            )
    return report


def _local(stamp: str) -> str:
    try:
        moment = datetime.fromisoformat(stamp.replace("Z", "+00:00"))
    except ValueError:
        return stamp
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S")
