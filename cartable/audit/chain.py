"""The seal of each audit entry, and what is kept outside the database.

Each entry's *seal* is an HMAC-SHA256, under a key kept in the data folder, of a canonical
serialisation of the entry's fields, its number and the seal of the entry before it. Someone
with access to the database alone can read the seals but cannot make new ones: changing,
inserting, deleting or renumbering an entry breaks the chain from there on.

Two small files live in the data folder, beside the database (never inside it):

``audit_key``
    32 random bytes (hex), made on first use, readable by the owner only. Losing it makes the
    log uncheckable; replacing it shows as entries "sealed with another key".
``audit_head``
    The number and seal of the last entry the box wrote, updated after each commit. Deleting
    the end of the log cannot be seen in the chain itself; it is seen here. The file may lag
    the database (a crash between commit and update), never lead it. Two slots, written in
    turn, each checked by its SHA-256: a crash while writing one leaves the other.

This module knows nothing of models: values in, bytes out.
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import hashlib
import json
import os
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import constant_time, hashes, hmac

from cartable.lib import disk
from cartable.lib.home import write_once

FORMAT = "cartable-audit/1"
KEY_FILE = "audit_key"
HEAD_FILE = "audit_head"
NEXT_HEAD_FILE = ".audit_head.next"  # the head file being written (``write_head``)
KEY_BYTES = 32

# The sealed fields, in the order they are serialised. ``seq`` numbers entries 1, 2, 3… with
# no gap (the database's ids may have gaps: a rolled-back insert still uses an id on PostgreSQL).
FIELDS = (
    "seq",
    "key_id",
    "at",
    "actor_id",
    "actor_name",
    "establishment_id",
    "action",
    "target_type",
    "target_id",
    "target_label",
    "details",
    "ip_address",
    "device",
)


class KeyMissing(Exception):
    """The key file is not there (and the caller did not ask to create it)."""


class HeadUnreadable(Exception):
    """The head file exists but cannot be read: it was damaged, or written by hand."""


# --- The key --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Key:
    secret: bytes
    path: Path

    @functools.cached_property
    def id(self) -> str:
        """A short fingerprint stored in each entry: tells "another key" from "changed"."""
        return _mac(self.secret, b"cartable audit key id")[:16]


_keys: dict[Path, Key] = {}


def key_path(home: Path) -> Path:
    return Path(home) / KEY_FILE


def load_key(home: Path, *, create: bool) -> Key:
    """The box's audit key. ``create``: make it when missing, and read it once per process
    (appends); otherwise read it now, and report it missing (checks: a lost key is reported,
    never silently replaced)."""
    path = key_path(home)
    cached = _keys.get(path)
    if cached is not None and create:
        return cached
    if not path.exists():
        if not create:
            raise KeyMissing(str(path))
        _create_key(path)
    text = path.read_text(encoding="ascii").strip()
    try:
        secret = bytes.fromhex(text)
    except ValueError:
        secret = b""
    if len(secret) != KEY_BYTES:
        raise ValueError(f"{path} does not hold a {KEY_BYTES}-byte key in hex")
    key = Key(secret, path)
    _keys[path] = key
    return key


def appending_key(home: str) -> Key:
    """``load_key(home, create=True)``, found by the data folder's name as settings give it:
    every entry appended needs it, and making paths cost more than the lookup."""
    found = _appending.get(home)
    if found is None:
        found = _appending[home] = load_key(Path(home), create=True)
    return found


_appending: dict[str, Key] = {}


def forget_keys() -> None:
    """Drop the keys read so far (tests move the data folder)."""
    _keys.clear()
    _appending.clear()


def _create_key(path: Path) -> None:
    write_once(path, secrets.token_bytes(KEY_BYTES).hex() + "\n")


# --- Seals ----------------------------------------------------------------------------------


def _mac(secret: bytes, data: bytes) -> str:
    mac = hmac.HMAC(secret, hashes.SHA256())
    mac.update(data)
    return mac.finalize().hex()


def timestamp(value: datetime) -> str:
    """UTC, to the microsecond, one spelling: what the database gives back is what was sealed."""
    if value.tzinfo is None:
        raise ValueError("audit times must be aware")
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical_json(value: Any) -> str:
    """JSON with sorted keys and no spaces; NaN and infinities refused (not JSON)."""
    return json.dumps(
        value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False
    )


def canonical_numbers(value: Any) -> Any:
    """Numbers as PostgreSQL's jsonb gives them back, whatever the database: integral values as
    exact integers (1e100 and 1.0 come back as 10**100 and 1; -0.0 as 0), others as floats."""
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int | float):
        number = Decimal(repr(value)).normalize()
        exponent = number.as_tuple().exponent
        if isinstance(exponent, int) and exponent >= 0:
            return int(number)
        return float(number)
    if isinstance(value, dict):
        return {key: canonical_numbers(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [canonical_numbers(item) for item in value]
    return value


def serialise(values: Sequence[Any], previous_seal: str, details_text: str | None = None) -> bytes:
    """The bytes an entry's seal covers. ``values`` are the entry's FIELDS, in order, as the
    database holds them. A JSON array: no value can be crafted to shift into its neighbour.
    Written element by element, which is what encoding it whole gives (canonical JSON has no
    spaces: its elements joined by commas), so that the details may come encoded already
    (``details_text``: their ``sealed_details``, made before the write lock)."""
    fields = dict(zip(FIELDS, values, strict=True))
    fields["at"] = timestamp(fields["at"])
    if details_text is None:
        details_text = sealed_details(fields["details"])
    parts = [canonical_json(FORMAT), canonical_json(previous_seal)]
    for name, value in fields.items():
        parts.append(details_text if name == "details" else canonical_json(value))
    return f"[{','.join(parts)}]".encode()


def sealed_details(details: Any) -> str:
    """An entry's details as its seal covers them (see ``serialise``)."""
    return canonical_json(canonical_numbers(details))


def seal(
    key: Key, values: Sequence[Any], previous_seal: str, details_text: str | None = None
) -> str:
    return _mac(key.secret, serialise(values, previous_seal, details_text))


def seal_matches(key: Key, values: Sequence[Any], previous_seal: str, expected: str) -> bool:
    actual = seal(key, values, previous_seal).encode("ascii")
    return constant_time.bytes_eq(actual, str(expected).encode("utf-8", "replace"))


# --- The head file --------------------------------------------------------------------------


@dataclass(frozen=True)
class Alarm:
    """The box saw its own last entry vanish from the database (kept until reset-head)."""

    noticed_at: str
    seq: int  # the entry the head named, gone or replaced
    seal: str
    writing_seq: int  # the entry being written when it was noticed


@dataclass(frozen=True)
class Head:
    seq: int
    seal: str
    alarm: Alarm | None = None


def head_path(home: Path) -> Path:
    return Path(home) / HEAD_FILE


# The head file holds two slots of SLOT_BYTES, each one line of JSON (the head and a write
# counter, ``generation``) and a line with the SHA-256 of that JSON, padded with spaces. A head
# is written over the older slot, in place, then flushed: a crash mid-write tears that slot
# only, and its checksum no longer matches, so the other (the head before) is read. In place,
# a head costs one write and one flush of the file's data; a new file renamed over the old one
# cost two more changes of the folder, each a commit of the file system's journal (answer saves
# of a class: 392 -> 458 per second with no head written at all, on the bench machine).
SLOT_BYTES = 512
SLOTS = 2


@dataclass(frozen=True)
class _Slot:
    generation: int
    head: Head


def read_head(home: Path) -> Head | None:
    """The head the box last wrote, None when it has written none yet."""
    path = head_path(home)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as error:
        raise HeadUnreadable(f"{path}: {error.strerror}") from None
    newest = _newest(raw)
    if newest is not None:
        return newest[1].head
    head = _first_format(raw)  # a box's head file from before the slots: one JSON object
    if head is None:
        raise HeadUnreadable(str(path))
    return head


def write_head(home: Path, head: Head) -> None:
    """Record ``head``: over the older slot of the head file, in place, flushed to disk. A
    head file of the first format, damaged beyond both slots, or missing is replaced whole
    instead: a complete new file, flushed, then renamed over the old one, so a crash leaves the
    old head or the new one. Called under ``head_lock`` only (one writer: the new file has one
    name, and what a crash left of it is written over next time)."""
    path = head_path(home)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CLOEXEC)
    except FileNotFoundError:
        fd = None
    if fd is not None:
        try:
            newest = _newest(os.pread(fd, SLOTS * SLOT_BYTES + 1, 0))
            if newest is not None:
                index, slot = newest
                disk.write_at(fd, _slot_bytes(head, slot.generation + 1), (1 - index) * SLOT_BYTES)
                disk.flush_data(fd)
                return
        finally:
            os.close(fd)
    _replace_whole(path, head)


def _replace_whole(path: Path, head: Head) -> None:
    content = _slot_bytes(head, 1) + _blank_slot()
    tmp = path.with_name(NEXT_HEAD_FILE)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
        try:
            os.fchmod(fd, 0o600)  # also when a crash left the file with other rights
            disk.write_at(fd, content, 0)
            os.fsync(fd)
        finally:
            os.close(fd)
        tmp.replace(path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _slot_bytes(head: Head, generation: int) -> bytes:
    data: dict[str, Any] = {
        "format": FORMAT,
        "generation": generation,
        "seq": head.seq,
        "seal": head.seal,
    }
    if head.alarm is not None:
        data["alarm"] = head.alarm.__dict__
    text = canonical_json(data).encode("utf-8")
    line = text + b"\n" + hashlib.sha256(text).hexdigest().encode("ascii") + b"\n"
    if len(line) > SLOT_BYTES:
        raise ValueError(f"an audit head of {len(line)} bytes does not fit in its slot")
    return line.ljust(SLOT_BYTES, b" ")


def _blank_slot() -> bytes:
    return b" " * (SLOT_BYTES - 1) + b"\n"


def _newest(raw: bytes) -> tuple[int, _Slot] | None:
    """The slot last written (its index) among those whole, None when the file holds no
    whole slot (or is not made of slots)."""
    if len(raw) != SLOTS * SLOT_BYTES:
        return None
    found = [
        (index, slot)
        for index in range(SLOTS)
        if (slot := _parse_slot(raw[index * SLOT_BYTES : (index + 1) * SLOT_BYTES])) is not None
    ]
    return max(found, key=lambda pair: pair[1].generation) if found else None


def _parse_slot(raw: bytes) -> _Slot | None:
    lines = raw.rstrip(b" \n").split(b"\n")
    if len(lines) != 2:
        return None
    text, digest = lines
    expected = hashlib.sha256(text).hexdigest().encode("ascii")
    if not constant_time.bytes_eq(digest, expected):
        return None
    try:
        data = json.loads(text)
        generation = int(data["generation"])
    except (ValueError, KeyError, TypeError):
        return None
    head = _head_of(data)
    return _Slot(generation, head) if head is not None else None


def _first_format(raw: bytes) -> Head | None:
    try:
        return _head_of(json.loads(raw))
    except ValueError:
        return None


def _head_of(data: Any) -> Head | None:
    try:
        alarm = data.get("alarm")
        return Head(
            seq=int(data["seq"]),
            seal=str(data["seal"]),
            alarm=Alarm(
                noticed_at=str(alarm["noticed_at"]),
                seq=int(alarm["seq"]),
                seal=str(alarm["seal"]),
                writing_seq=int(alarm["writing_seq"]),
            )
            if alarm
            else None,
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


@contextlib.contextmanager
def head_lock(home: Path) -> Iterator[None]:
    """One writer of the head file at a time, across processes (the lock file is opened as it
    is: truncating it would change it, a write to the disk's journal for nothing)."""
    fd = os.open(Path(home) / ".audit_head.lock", os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def advance_head(
    home: Path, seq: int, seal_: str, seal_in_database: Callable[[int], str | None]
) -> Alarm | None:
    """Record that entry ``seq`` (sealed ``seal_``) is committed. Called after each commit.

    Commits from several processes may reach here out of order: the head only moves forward.
    When it would move back, either another process got further (its entry is in the database)
    or the end of the log was deleted and the box is writing over it: then an alarm is kept in
    the head file, so that the deletion stays visible however long the log grows again.
    Returns the alarm raised now, if any.
    """
    alarms = advance_head_many(home, [(seq, seal_)], seal_in_database)
    return alarms[0] if alarms else None


def advance_head_many(
    home: Path,
    entries: Sequence[tuple[int, str]],
    seal_in_database: Callable[[int], str | None],
) -> list[Alarm]:
    """``advance_head`` for several committed entries (number, seal) at once, as if it were
    called for each in the order of their numbers, under one lock and with the file written
    once at most (each write is an fsync and a rename): what the grouped commits of a
    process's threads need. Returns the alarms raised now."""
    with head_lock(home):
        try:
            current = read_head(home)
        except HeadUnreadable:
            current = None
        before, alarms = current, []
        checked: int | None = None  # the head's entry, found in the database already
        for seq, seal_ in sorted(entries):
            if current is None or seq > current.seq:
                current = Head(seq, seal_, current.alarm if current else None)
                continue
            if current.alarm is not None:
                continue
            if seq == current.seq and seal_ == current.seal:
                continue
            if checked == current.seq:
                continue
            found = seal_in_database(current.seq)
            if found is not None and constant_time.bytes_eq(found.encode(), current.seal.encode()):
                checked = current.seq
                continue
            alarm = Alarm(
                noticed_at=timestamp(datetime.now(UTC)),
                seq=current.seq,
                seal=current.seal,
                writing_seq=seq,
            )
            current = Head(current.seq, current.seal, alarm)
            alarms.append(alarm)
        if current is not None and current != before:
            write_head(home, current)
        return alarms
