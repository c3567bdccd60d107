"""Registering peers, writing bundles and applying them: each in one transaction, audited.

A work bundle (box → hub) carries the outbox entries of the hub's institution that the hub has
not acknowledged yet, with the submitted files they name; a feedback bundle (hub → box) the
hub's grade entries (grades, comments, feedback files given on the hub), its teachers'
gradings of quiz attempts (``boxquiz``) and its teachers' messages for that box's learners,
which the box records through its own grading and messaging actions; an acknowledgement (either way) names the entries received, which the
sender then marks sent. Applying checks
everything (frame, signature, recipient, sequence, every member's bytes) before it touches
the database, then writes in one transaction; the same bundle twice changes nothing."""

from __future__ import annotations

import io
import json
import os
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import Institution, Role, User, normalize_username
from cartable.assignments import actions as assignments
from cartable.assignments.checks import Refused as AssignmentRefused
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Blob, Course
from cartable.exchange import boxquiz, courses, hubquiz, hubwork, identity, merging, parking
from cartable.exchange.matching import Match
from cartable.exchange.messages import of as message_of
from cartable.exchange.models import Exchange, Learner, Peer, ReceivedEntry, SentEntry
from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError
from cartable.exchange.wire.keys import (
    KeyTextError,
    PrivateIdentity,
    PublicIdentity,
    normalise_fingerprint,
    parse_public,
)
from cartable.grades import actions as grades
from cartable.grades.models import Grade
from cartable.jobs import sweep
from cartable.lib import crash, scratch
from cartable.lib.html import sanitise
from cartable.lib.nul import without_nul
from cartable.messaging import access as messaging_access
from cartable.messaging import actions as messaging
from cartable.messaging.models import Message
from cartable.outbox import actions as outbox
from cartable.outbox.models import Entry

ENTRIES = "entries.jsonl"
PARKED = "parked"  # counted with the kinds of entries left out (see _take)
ACK = "ack.json"
BLOBS = "blobs/"
# Which kind of bundle each role of peer may send us, and which we may send it.
ACCEPTED = {Peer.Role.BOX: {"work", "ack"}, Peer.Role.HUB: {"ack", "feedback", "course"}}
SENT = {Peer.Role.HUB: {"work", "ack"}, Peer.Role.BOX: {"feedback", "ack", "course"}}
# Entries a bundle of each kind may carry: feedback brings grades and teachers' messages back,
# nothing else.
CARRIES = {
    "work": set(Entry.Kind.values),
    "feedback": {Entry.Kind.GRADE.value, Entry.Kind.MESSAGE.value, Entry.Kind.ATTEMPT.value},
}
# A teacher's message to a learner (hub → box) names its author ("from"); a learner's message
# to a remote teacher (box → hub) its recipient ("to").
TEACHER_MESSAGE = Q(kind=Entry.Kind.MESSAGE, payload__message__has_key="from")
# A teacher's grading of a question of a quiz attempt (an essay), given on the hub.
TEACHER_GRADING = Q(kind=Entry.Kind.ATTEMPT, payload__has_key="graded_by")


class Refused(Exception):
    """An operation refused, with the sentence to show."""


# Told, as a bundle is written or read, its stage ("written"; "checked" then "applied"), the
# bytes done in that stage and the bytes it has in all: for a progress bar.
Progress = Callable[[str, int, int], None]


def public_of(peer: Peer) -> PublicIdentity:
    return PublicIdentity(bytes.fromhex(peer.signing_key), bytes.fromhex(peer.encryption_key))


# --- Peers ----------------------------------------------------------------------------------


def add_peer(
    *,
    actor: User | None,
    name: str,
    role: str,
    key_text: str,
    fingerprint: str,
    institution: Institution | None = None,
) -> Peer:
    """Register a peer's public keys, once staff have checked its fingerprint: the typed one
    must be the key's."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,63}", name):
        raise Refused(_("A peer’s name is lowercase letters, digits and dashes."))
    try:
        public = parse_public(key_text)
    except KeyTextError:
        raise Refused(
            _("This is not a Cartable public key (it starts with “cartable1:”).")
        ) from None
    if normalise_fingerprint(fingerprint) != public.fingerprint:
        raise Refused(
            _(
                "The fingerprint typed does not match this key: check both with the peer "
                "before registering it."
            )
        )
    if role == Peer.Role.HUB and institution is None:
        raise Refused(_("A hub receives the work of one institution: name it."))
    if public.fingerprint == identity.load(create=True).public.fingerprint:
        raise Refused(_("This key is this box’s own."))
    with transaction.atomic():
        if Peer.objects.filter(name=name).exists():
            raise Refused(_("A peer named “%(name)s” exists already.") % {"name": name})
        if Peer.objects.filter(fingerprint=public.fingerprint).exists():
            raise Refused(_("This key is registered already."))
        peer = Peer.objects.create(
            name=name,
            role=role,
            signing_key=public.signing.hex(),
            encryption_key=public.encryption.hex(),
            fingerprint=public.fingerprint,
            institution=institution,
        )
        record(
            "exchange.peer_added",
            actor=actor,
            target=peer,
            details={
                "name": name,
                "role": role,
                "fingerprint": public.fingerprint,
                "institution": institution.slug if institution else None,
            },
        )
    return peer


def match_learners(*, actor: User | None, peer: Peer, matches: list[Match]) -> int:
    """Set (or replace) the university accounts of a box's learners, in one transaction; the
    work of the accounts the hub made for them before moves to those (``merging``)."""
    if peer.role != Peer.Role.BOX:
        raise Refused(_("Learners are matched for a box, not a hub."))
    with transaction.atomic():
        for match in matches:
            Learner.objects.update_or_create(
                peer=peer,
                box_username=match.box_username,
                defaults={
                    # Moodle's usernames are lowercase, as the hub's accounts are.
                    "username": normalize_username(match.username),
                    "idnumber": match.idnumber,
                    "email": match.email,
                },
            )
        # The work held by accounts the hub made for these learners moves to their matched
        # accounts (exchange.merging).
        merged = merging.merge_matched(
            actor=actor,
            peer=peer,
            box_usernames=[m.box_username for m in matches if normalize_username(m.username)],
        )
        record(
            "exchange.learners_matched",
            actor=actor,
            target=peer,
            details={"count": len(matches), "merged": merged},
        )
    return len(matches)


# --- Writing bundles ------------------------------------------------------------------------


def _entry_line(entry: Entry) -> bytes:
    return (
        json.dumps(
            {
                "id": entry.pk,
                "kind": entry.kind,
                "created_at": entry.created_at.isoformat(),
                "payload": entry.payload,
            },
            ensure_ascii=False,
            sort_keys=True,
        ).encode("utf-8")
        + b"\n"
    )


def _files_of(payload: dict[str, Any]) -> list[str]:
    """The files an entry names: a submission's, a grade's feedback files."""
    found = []
    for key in ("files", "feedback_files"):
        files = payload.get(key) or []
        if isinstance(files, list):
            found += [str(f["sha256"]) for f in files if isinstance(f, dict) and "sha256" in f]
    return found


def unacknowledged(peer: Peer) -> Any:
    """The outbox entries a peer is owed, not acknowledged yet: a hub, its institution's; a
    box (on the hub), the grades given to its learners (matched by university username) and
    the messages their teachers wrote to them."""
    if peer.role == Peer.Role.BOX:
        owed = Entry.objects.filter(
            Q(kind=Entry.Kind.GRADE) | TEACHER_MESSAGE | TEACHER_GRADING, hubwork.held_by(peer)
        )
    elif peer.institution_id is None:
        return Entry.objects.none()
    else:
        owed = Entry.objects.filter(course__institution_id=peer.institution_id)
    return owed.exclude(pk__in=SentEntry.objects.values("entry_id")).order_by("pk")


def owe_messages(peer: Peer) -> int:
    """On the hub, before a box's feedback: each message delivered from a teacher to one of
    the box's learners put once in the outbox (kind ``message``, its author in ``from``), so
    that it travels, and is acknowledged, as the grades do. The number added."""
    usernames = list(hubwork.usernames(peer))
    if not usernames:
        return 0
    added = 0
    with transaction.atomic():
        known = {
            found
            for found in Entry.objects.filter(
                TEACHER_MESSAGE, user__username__in=usernames
            ).values_list("payload__message__id", flat=True)
            if isinstance(found, int)
        }
        waiting = (
            Message.objects.filter(
                status=Message.Status.DELIVERED,
                recipient__username__in=usernames,
                recipient=F("conversation__learner"),
                author=F("conversation__teacher"),
            )
            .exclude(pk__in=known)
            .select_related("author", "recipient", "course")
            .order_by("pk")
        )
        for message in waiting:
            learner, teacher = message.recipient, message.author
            course = (
                message.course
                or messaging_access.shared_courses(learner, teacher).order_by("pk").first()
            )
            if course is None:
                continue  # no course names the box's institution: nothing to carry it by
            outbox.add(
                Entry.Kind.MESSAGE,
                course=course,
                user=learner,
                payload={
                    "message": {
                        "id": message.pk,
                        "from": teacher.username,
                        "subject": message.subject,
                        "body": message.body,
                        "sent_at": (message.delivered_at or message.created_at).isoformat(),
                    }
                },
            )
            added += 1
    return added


def _work_members(peer: Peer, folder: Path) -> tuple[list[bundle.Member], int, int]:
    path = folder / ENTRIES
    wanted: dict[str, None] = {}
    count = 0
    names: dict[str, str] = {}
    if peer.role == Peer.Role.BOX:
        names = hubwork.usernames(peer)
    with path.open("wb") as out:
        for entry in unacknowledged(peer).iterator(chunk_size=500):
            user = (entry.payload.get("user") or {}).get("username")
            if peer.role == Peer.Role.BOX and user in names:
                # The box knows its learner by the box's username, not the university's.
                entry.payload = {**entry.payload, "user": {"username": names[user]}}
            out.write(_entry_line(entry))
            count += 1
            for sha in _files_of(entry.payload):
                wanted[sha] = None
    store = blobs.store()
    members = [bundle.member_from_path(ENTRIES, path)]
    for sha in wanted:
        if not store.exists(sha):
            raise Refused(
                _("A submitted file is missing from the content store: %(sha)s.") % {"sha": sha}
            )
        members.append(bundle.Member(BLOBS + sha, store.size(sha), sha, partial(store.open, sha)))
    return members, count, len(wanted)


def _ack_members(peer: Peer) -> tuple[list[bundle.Member], list[int], list[str]]:
    ids = list(
        ReceivedEntry.objects.filter(peer=peer, ack_pending=True)
        .order_by("entry_id")
        .values_list("entry_id", flat=True)
    )
    held = courses.pending_blobs(peer)  # a box: the course files it now holds
    data = json.dumps({"entries": ids, **({"blobs": held} if held else {})}).encode("utf-8")
    return [bundle.member_from_bytes(ACK, data)], ids, held


PART_PREFIX = ".cartable-"
PART_SUFFIX = ".part"


def _unrecorded(path: Path, own: PrivateIdentity, peer: Peer, kind: str, sequence: int) -> bool:
    """Whether ``path`` is this box's bundle of ``kind`` for ``peer`` with the number not used
    yet, that no history row records: the file of an export stopped (a crash, a power cut)
    after its bundle was put in place but before its transaction committed. Its number is
    still free, and writing the bundle again in its place is what the stopped export meant."""
    manifest = bundle.signed_manifest(path, own.public)
    return (
        manifest is not None
        and manifest.recipient == peer.fingerprint
        and manifest.kind == kind
        and manifest.sequence == sequence
        and not Exchange.objects.filter(
            direction=Exchange.Direction.OUT, peer=peer, sha256=bundle.file_sha256(path)
        ).exists()
    )


def counter_of(kind: str) -> str:
    """The peer's field numbering the bundles of ``kind`` it is sent: course bundles on their
    own, every other kind together."""
    return "next_course_out" if kind == "course" else "next_out"


def same_numbering(kind: str) -> Q:
    """The history rows numbered as bundles of ``kind`` are."""
    return Q(kind="course") if kind == "course" else ~Q(kind="course")


def export(
    *,
    actor: User | None,
    peer: Peer,
    kind: str,
    destination: Path,
    progress: Progress | None = None,
) -> Exchange:
    """Write the next bundle of ``kind`` for ``peer`` to ``destination``. The file is written
    aside with no database lock held (learners keep working), then renamed into place in the
    short transaction that takes its sequence number and records it: a failure leaves neither
    a file nor a used number."""
    if kind not in SENT[Peer.Role(peer.role)]:
        raise Refused(
            _("A “%(kind)s” bundle does not go to %(peer)s.") % {"kind": kind, "peer": peer.name}
        )
    own = identity.load(create=True)
    destination = Path(destination)
    if kind == "feedback":
        owe_messages(peer)
    counter = counter_of(kind)
    sequence = getattr(Peer.objects.get(pk=peer.pk), counter)
    if destination.exists() and not _unrecorded(destination, own, peer, kind, sequence):
        raise Refused(_("%(path)s exists already.") % {"path": destination})
    if not destination.parent.is_dir():
        raise Refused(_("No folder %(path)s.") % {"path": destination.parent})
    # What an export killed before its end left beside its bundle (no live export holds it).
    scratch.sweep_incoming(destination.parent, PART_PREFIX, PART_SUFFIX)
    # Locked while this process writes it, as a blob coming in is.
    fd, tmp = scratch.locked_temp_file(destination.parent, PART_PREFIX, PART_SUFFIX)
    out = os.fdopen(fd, "wb")
    renamed = committed = False
    acked: list[int] = []
    held: list[str] = []
    try:
        with (
            out,
            # In the data folder, never beside the bundle: the entries are written there in
            # clear while the bundle is made, and a stick must hold nothing readable. Locked,
            # so that a sweep removes it only once this process is gone.
            sweep.workdir("exchange-") as work,
        ):
            if kind in CARRIES:
                members, entries, files = _work_members(peer, Path(work))
            elif kind == "course":
                members, entries, files = courses.members(peer, Path(work))
            else:
                members, acked, held = _ack_members(peer)
                entries, files = len(acked), 0
            sha = bundle.write(
                out,
                kind=kind,
                sender=own,
                recipient=public_of(peer),
                sequence=sequence,
                created=timezone.now().isoformat(),
                members=members,
                progress=partial(progress, "written") if progress is not None else None,
            )
            out.flush()
            os.fsync(out.fileno())
            crash.point("export_written")
            with transaction.atomic():
                locked = Peer.objects.select_for_update().get(pk=peer.pk)
                if getattr(locked, counter) != sequence:
                    raise Refused(
                        _(
                            "Another bundle for %(peer)s was written meanwhile: write this "
                            "one again."
                        )
                        % {"peer": peer.name}
                    )
                setattr(locked, counter, sequence + 1)
                locked.save(update_fields=[counter])
                for start in range(0, len(acked), 500):
                    ReceivedEntry.objects.filter(
                        peer=locked, entry_id__in=acked[start : start + 500]
                    ).update(ack_pending=False)
                if held:
                    courses.reported(locked, held)
                done = Exchange.objects.create(
                    direction=Exchange.Direction.OUT,
                    peer=locked,
                    kind=kind,
                    sequence=sequence,
                    size=tmp.stat().st_size,
                    sha256=sha,
                    result=Exchange.Result.DONE,
                    entries=entries,
                    files=files,
                )
                record(
                    "exchange.exported",
                    actor=actor,
                    target=locked,
                    details={
                        "kind": kind,
                        "sequence": sequence,
                        "sha256": sha,
                        "size": done.size,
                        "entries": entries,
                        "files": files,
                    },
                )
                crash.point("export_before_commit")
                tmp.replace(destination)
                renamed = True
                crash.point("export_renamed")  # in place, not recorded: written again
            committed = True
            crash.point("export_after_commit")
    except BaseException:
        if renamed and not committed:
            destination.unlink(missing_ok=True)
        raise
    finally:
        tmp.unlink(missing_ok=True)
    return done


# --- Applying bundles -----------------------------------------------------------------------


@dataclass(frozen=True)
class Applied:
    exchange: Exchange
    again: bool  # the same bundle was applied before: nothing changed
    # Feedback: grades for a course, activity or learner this box does not hold, left out.
    skipped: int = 0
    # Feedback: teachers' messages this box does not write (see _message_back), left out.
    skipped_messages: int = 0
    # Feedback: grades for a course or activity not on this box yet, for a learner on it,
    # kept until that course arrives and is approved (exchange.parking).
    parked: int = 0
    # Course: what became of each course (exchange.courses.apply_course).
    courses: list[dict[str, Any]] | None = None
    # Work, on the hub: submissions for a course, activity or learner the hub does not hold,
    # kept as received but not recorded for grading (exchange.hubwork).
    left_out: int = 0
    # Work, on the hub: finished quiz attempts the hub cannot rebuild (exchange.hubquiz).
    left_out_attempts: int = 0


@dataclass(frozen=True)
class WorkEntry:
    id: int
    kind: str
    created_at: datetime
    payload: dict[str, Any]


def _content_error(kind: str, detail: str) -> BundleError:
    return BundleError("bad_content", detail, kind=kind)


MAX_LINE = 16 * 1024 * 1024
MAX_ACK = 64 * 1024 * 1024


def _lines(chunks: Iterator[bytes], kind: str) -> Iterator[bytes]:
    """A member's lines, from its chunks: memory holds a line, not the member."""
    pending = b""
    for chunk in chunks:
        pending += chunk
        *lines, pending = pending.split(b"\n")
        yield from (line for line in lines if line.strip())
        if len(pending) > MAX_LINE:
            raise _content_error(kind, "a line is too long")
    if pending.strip():
        yield pending


def _work_entries(reader: bundle.Reader) -> Iterator[WorkEntry]:
    """The entries of a work or feedback bundle, checked one by one as they are read."""
    kind = reader.manifest.kind
    members = {m.name for m in reader.manifest.members}
    if ENTRIES not in members or any(
        m.name != ENTRIES and m.name != BLOBS + m.sha256 for m in reader.manifest.members
    ):
        raise _content_error(kind, "unexpected members")
    kinds = CARRIES[kind]
    for line in _lines(reader.read(ENTRIES), kind):
        try:
            item = json.loads(line)
            entry = WorkEntry(
                id=item["id"],
                kind=item["kind"],
                created_at=datetime.fromisoformat(item["created_at"]),
                payload=without_nul(item["payload"]),
            )
        except (ValueError, KeyError, TypeError) as error:
            raise _content_error(kind, f"bad entry line: {error}") from error
        if (
            type(entry.id) is not int
            or entry.id < 1
            or entry.kind not in kinds
            or entry.created_at.tzinfo is None
            or not isinstance(entry.payload, dict)
        ):
            raise _content_error(kind, f"bad entry {entry.id!r}")
        for sha in _files_of(entry.payload):
            if BLOBS + sha not in members:
                raise _content_error(kind, f"entry {entry.id} names a file not in the bundle")
        yield entry


def _check_work(reader: bundle.Reader) -> int:
    """Read every entry once before anything is written; their number."""
    seen: set[int] = set()
    for entry in _work_entries(reader):
        if entry.id in seen:
            raise _content_error(reader.manifest.kind, "entries repeat")
        seen.add(entry.id)
    return len(seen)


def _ack_ids(reader: bundle.Reader) -> tuple[list[int], list[str]]:
    """The entries an acknowledgement names, and the course files it says the box holds."""
    if [m.name for m in reader.manifest.members] != [ACK]:
        raise _content_error("ack", "unexpected members")
    if reader.manifest.members[0].size > MAX_ACK:
        raise _content_error("ack", "the acknowledgement is too large")
    try:
        data = json.loads(b"".join(reader.read(ACK)))
        ids = data["entries"]
    except (ValueError, KeyError, TypeError) as error:
        raise _content_error("ack", "not an acknowledgement") from error
    if not isinstance(ids, list) or any(type(i) is not int or i < 1 for i in ids):
        raise _content_error("ack", "not a list of entry numbers")
    return ids, courses.held_in_ack(data)


class _Stream(io.RawIOBase):
    """A member's decrypted chunks as a file, for the content store."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks
        self._left = b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        while not self._left:
            try:
                self._left = next(self._chunks)
            except StopIteration:
                return 0
        size = min(len(buffer), len(self._left))
        buffer[:size] = self._left[:size]
        self._left = self._left[size:]
        return size


def _sender_key(fingerprint: str) -> PublicIdentity | None:
    peer = Peer.objects.filter(fingerprint=fingerprint).first()
    return public_of(peer) if peer is not None else None


def _only(sender: Peer, fingerprint: str) -> PublicIdentity | None:
    return public_of(sender) if fingerprint == sender.fingerprint else None


class _Meter:
    """Feeds ``progress`` from a reader's decrypted chunks, stage after stage (each counts
    the members' bytes anew); a stage that needed fewer bytes (files already in the content
    store) ends full."""

    def __init__(self, reader: bundle.Reader, progress: Progress | None) -> None:
        self.reader, self.progress = reader, progress
        self.total = sum(m.size for m in reader.manifest.members)
        self.stage, self.done = "", 0

    def _chunk(self, size: int) -> None:
        self.done += size
        if self.progress is not None:
            self.progress(self.stage, min(self.done, self.total), self.total)

    def start(self, stage: str) -> None:
        self.stage, self.done = stage, 0
        if self.progress is not None:
            self.reader.progress = self._chunk
            self.progress(stage, 0, self.total)

    def end(self) -> None:
        if self.progress is not None and self.done < self.total:
            self.progress(self.stage, self.total, self.total)


def apply(
    *,
    actor: User | None,
    path: Path,
    sender: Peer | None = None,
    progress: Progress | None = None,
) -> Applied:
    """Check a bundle whole, then apply it in one transaction. A refused bundle changes
    nothing but the history and the audit log, which record the refusal; its BundleError
    (a stable code, a message from ``messages.of``) is raised again. ``sender``: only that
    peer's bundles are accepted (online, the peer who sent it), others are from an unknown
    sender."""
    crash.point("apply_start")
    path = Path(path)
    size = path.stat().st_size
    sha = bundle.file_sha256(path)
    peer: Peer | None = None
    manifest: bundle.Manifest | None = None
    try:
        reader = bundle.open_bundle(
            path,
            identity=identity.load(create=True),
            sender_key=_sender_key if sender is None else partial(_only, sender),
        )
        manifest = reader.manifest
        peer = Peer.objects.get(fingerprint=manifest.sender)
        names = {"peer": peer.name, "sequence": manifest.sequence, "kind": manifest.kind}
        if manifest.kind not in ACCEPTED[Peer.Role(peer.role)]:
            raise BundleError("unexpected_kind", manifest.kind, **names)
        before = Exchange.objects.filter(
            same_numbering(manifest.kind),
            peer=peer,
            direction=Exchange.Direction.IN,
            sequence=manifest.sequence,
            result=Exchange.Result.DONE,
        ).first()
        if before is not None and before.sha256 == sha:
            return Applied(before, again=True)
        _in_sequence(peer, manifest, replayed=before is not None, names=names)
        meter = _Meter(reader, progress)
        meter.start("checked")
        reader.check()  # every byte decrypted and checked before anything is written
        if manifest.kind == "course":
            meter.start("applied")
            done, outcomes = courses.apply_course(actor, reader, peer, sha, size)
            meter.end()
            return Applied(done, again=False, courses=outcomes)
        if manifest.kind in CARRIES:
            reader.progress = None  # the entries, read again: checked already
            count = _check_work(reader)
            crash.point("apply_checked")
            meter.start("applied")
            applied = _apply_work(actor, reader, peer, sha, size, count)
        else:
            meter.start("applied")
            ids, held = _ack_ids(reader)
            crash.point("apply_checked")
            applied = _apply_ack(actor, peer, manifest, sha, size, ids, held)
        meter.end()
        return applied
    except BundleError as error:
        _refused(actor, error, peer, manifest, sha, size)
        raise


def _refused(
    actor: User | None,
    error: BundleError,
    peer: Peer | None,
    manifest: bundle.Manifest | None,
    sha: str,
    size: int,
) -> None:
    with transaction.atomic():
        Exchange.objects.create(
            direction=Exchange.Direction.IN,
            peer=peer,
            kind=manifest.kind if manifest else "",
            sequence=manifest.sequence if manifest else None,
            size=size,
            sha256=sha,
            result=Exchange.Result.REFUSED,
            code=error.code,
            message=message_of(error),
        )
        record(
            "exchange.refused",
            actor=actor,
            target=peer,
            details={"code": error.code, "detail": str(error), "sha256": sha, "size": size},
        )


def _in_sequence(
    peer: Peer, manifest: bundle.Manifest, *, replayed: bool, names: dict[str, Any]
) -> None:
    """Refuse a bundle out of its sequence. Work, feedback and acknowledgements: the next
    expected, strictly (a gap names the missing bundle). Course bundles, numbered on their
    own: any later than the last applied, as each carries the offered courses whole and so
    supersedes every earlier one (one refused or lost leaves no gap)."""
    sequence = manifest.sequence
    if manifest.kind == "course":
        if replayed or sequence <= peer.course_in:
            raise BundleError("replayed", str(sequence), **names)
        return
    if replayed or sequence < peer.next_in:
        raise BundleError("replayed", str(sequence), **names)
    if sequence > peer.next_in:
        raise BundleError("missing", str(peer.next_in), missing=peer.next_in, **names)


def _advance(peer: Peer, sequence: int, kind: str = "") -> Peer:
    """Take ``sequence`` as applied, in the apply's transaction (refused when another apply
    won the race)."""
    locked = Peer.objects.select_for_update().get(pk=peer.pk)
    if kind == "course":
        if sequence <= locked.course_in:
            raise BundleError("replayed", str(sequence), peer=peer.name, sequence=sequence)
        locked.course_in = sequence
        locked.save(update_fields=["course_in"])
        return locked
    if locked.next_in != sequence:
        raise BundleError("replayed", str(sequence), peer=peer.name, sequence=sequence)
    locked.next_in = sequence + 1
    locked.save(update_fields=["next_in"])
    return locked


def _done(
    actor: User | None,
    peer: Peer,
    kind: str,
    sequence: int,
    sha: str,
    size: int,
    entries: int,
    files: int,
    **more: Any,
) -> Exchange:
    done = Exchange.objects.create(
        direction=Exchange.Direction.IN,
        peer=peer,
        kind=kind,
        sequence=sequence,
        size=size,
        sha256=sha,
        result=Exchange.Result.DONE,
        entries=entries,
        files=files,
    )
    record(
        "exchange.applied",
        actor=actor,
        target=peer,
        details={
            "kind": kind,
            "sequence": sequence,
            "sha256": sha,
            "size": size,
            "entries": entries,
            "files": files,
            **more,
        },
    )
    return done


def _apply_work(
    actor: User | None, reader: bundle.Reader, peer: Peer, sha: str, size: int, count: int
) -> Applied:
    sequence = reader.manifest.sequence
    files = [m for m in reader.manifest.members if m.name.startswith(BLOBS)]
    store = blobs.store()
    # The files go to the content store first, with no database lock held: it is named by
    # hashes and idempotent, and a file without its row is harmless (the next apply adds it).
    for member in files:
        if not store.exists(member.sha256):
            store.put_stream(
                io.BufferedReader(_Stream(reader.read(member.name))),
                expected_sha256=member.sha256,
            )
    crash.point("apply_stored")
    kind = reader.manifest.kind
    skipped: dict[str, int] = {
        Entry.Kind.GRADE: 0,
        Entry.Kind.MESSAGE: 0,
        Entry.Kind.SUBMISSION: 0,
        Entry.Kind.ATTEMPT: 0,
        PARKED: 0,
    }
    with transaction.atomic():
        peer = _advance(peer, sequence)
        for member in files:
            Blob.objects.get_or_create(sha256=member.sha256, defaults={"size": member.size})
        batch: list[WorkEntry] = []
        for entry in _work_entries(reader):
            batch.append(entry)
            if len(batch) == 500:
                _take(peer, sequence, batch, skipped)
                batch = []
        _take(peer, sequence, batch, skipped)
        more = (
            {
                "skipped": skipped[Entry.Kind.GRADE],
                "skipped_messages": skipped[Entry.Kind.MESSAGE],
                "parked": skipped[PARKED],
            }
            if kind == "feedback"
            else {
                "left_out": skipped[Entry.Kind.SUBMISSION],
                "left_out_attempts": skipped[Entry.Kind.ATTEMPT],
            }
        )
        done = _done(actor, peer, kind, sequence, sha, size, count, len(files), **more)
        crash.point("apply_before_commit")
    crash.point("apply_after_commit")
    return Applied(
        done,
        again=False,
        skipped=skipped[Entry.Kind.GRADE],
        skipped_messages=skipped[Entry.Kind.MESSAGE],
        parked=skipped[PARKED],
        left_out=skipped[Entry.Kind.SUBMISSION],
        left_out_attempts=skipped[Entry.Kind.ATTEMPT],
    )


def _take(peer: Peer, sequence: int, entries: list[WorkEntry], skipped: dict[str, int]) -> None:
    """Keep a batch of entries; a box gives the hub's feedback to its learners, a hub records a
    box's submissions for its teachers to grade (``hubwork``); each entry once: one sent
    again is only acknowledged again. Counts in ``skipped`` by kind those left out, and under
    ``PARKED`` the grades that wait for their course (``parking``)."""
    new = _receive(peer, sequence, entries)
    if peer.role == Peer.Role.BOX:
        found: hubwork.Found = {}
        skipped[Entry.Kind.SUBMISSION] += hubwork.record_work(peer, new, found)
        for entry in new:
            if entry.kind == Entry.Kind.ATTEMPT:
                skipped[Entry.Kind.ATTEMPT] += hubquiz.record_attempt(peer, entry, found) is False
        return
    if peer.role != Peer.Role.HUB:
        return
    for entry in new:
        if entry.kind == Entry.Kind.GRADE:
            parking.supersede(peer, entry)
            key = parking.waits(peer, entry.payload)
            if key is not None:
                skipped[PARKED] += parking.park(peer, entry, key)
                continue
        skipped[
            Entry.Kind.MESSAGE if entry.kind == Entry.Kind.MESSAGE else Entry.Kind.GRADE
        ] += not _feedback(peer, entry)


def _feedback(peer: Peer, entry: WorkEntry) -> bool:
    """Give one feedback entry from the hub back on the box; False when it is left out."""
    if entry.kind == Entry.Kind.MESSAGE:
        return _message_back(peer, entry)
    if entry.kind == Entry.Kind.ATTEMPT:
        return boxquiz.give_back(peer, entry.payload)
    return _give_back(peer, entry)


def apply_parked(*, actor: User | None, course: Course) -> dict[str, int]:
    """Give back the feedback entries parked for ``course`` (``exchange.parking``) once it
    is on the box and approved (published; nothing before), through the same code as a
    feedback bundle's entries; in the caller's transaction, audited. Those whose activity or
    learner's enrolment is still missing stay parked; the others go, given or left out.
    Twice changes nothing. Called by the review's approval, a course bundle with nothing to
    review, and staff's enrolments."""
    counts = {"given": 0, "left_out": 0, "waiting": 0}
    published = Course.objects.filter(pk=course.pk, status=Course.Status.PUBLISHED)
    if not course.source_id or not published.exists():
        return counts
    with transaction.atomic():
        for item in parking.for_course(course):
            entry = WorkEntry(item.entry_id, item.kind, item.created_at, item.payload)
            if (
                parking.waits(item.peer, entry.payload) is not None
                or boxquiz.target(item.peer, entry.payload) is None
            ):
                counts["waiting"] += 1
                continue
            given = _feedback(item.peer, entry)
            item.delete()
            counts["given" if given else "left_out"] += 1
        if counts["given"] or counts["left_out"]:
            record("exchange.parked_applied", actor=actor, target=course, details=counts)
    return counts


def _receive(peer: Peer, sequence: int, entries: list[WorkEntry]) -> list[WorkEntry]:
    """Keep entries not received before, and return them; ask again for the acknowledgement
    of the others (the sender sends again what it has not seen acknowledged)."""
    known = set(
        ReceivedEntry.objects.filter(peer=peer, entry_id__in=[e.id for e in entries]).values_list(
            "entry_id", flat=True
        )
    )
    ReceivedEntry.objects.filter(peer=peer, entry_id__in=known).update(ack_pending=True)
    ReceivedEntry.objects.bulk_create(
        [
            ReceivedEntry(
                peer=peer,
                entry_id=e.id,
                kind=e.kind,
                payload=e.payload,
                created_at=e.created_at,
                received_in=sequence,
            )
            for e in entries
            if e.id not in known
        ]
    )
    return [e for e in entries if e.id not in known]


# --- Feedback, on the box -------------------------------------------------------------------


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    number = float(value)
    return number if number == number and abs(number) != float("inf") else None


def _give_back(peer: Peer, entry: WorkEntry) -> bool:
    """Record one grade entry from the hub through the box's grading actions, as the hub's
    teacher gave it: grade and comment, or the grade's feedback files. False (left out) when
    the course is not the hub's institution's, or the activity or learner is not on this box.
    A quiz's grade over its attempts (source ``quiz``) is the box's own to compute: the hub's
    grading of an attempt comes as an ``attempt`` entry (``boxquiz``), which regrades the
    attempt and records that grade as the quiz's review options release it."""
    payload = entry.payload
    aimed = boxquiz.target(peer, payload)
    if aimed is None:
        return False
    activity, learner = aimed
    if activity.kind == Activity.Kind.QUIZ and payload.get("source") == Grade.Source.QUIZ:
        return True
    try:
        if "feedback_files" in payload:
            return _feedback_files(activity, learner, payload["feedback_files"])
        return _grade(activity, learner, payload)
    except (AssignmentRefused, ValueError):
        return False


def _message_back(peer: Peer, entry: WorkEntry) -> bool:
    """Write one message from the hub as its remote teacher's (the account of that username
    with no establishment on this box) to the learner, through the messaging actions: held
    for staff where the learner's establishment moderates messages, audited. False (left out)
    when the teacher, the learner or the course of the hub's institution is not on this box,
    when that teacher does not teach that learner, or when the message is not one a teacher
    may write (empty, too long)."""
    payload = entry.payload
    course, message, user = (payload.get(k) for k in ("course", "message", "user"))
    if (
        peer.institution_id is None
        or not isinstance(course, dict)
        or not isinstance(message, dict)
        or not isinstance(user, dict)
        or not isinstance(message.get("body"), str)
        or not isinstance(message.get("subject", ""), str)
    ):
        return False
    teacher = User.objects.filter(
        username=_text(message.get("from"), 150),
        role=Role.TEACHER,
        establishment__isnull=True,  # a remote teacher: never one of the box's own
    ).first()
    learner = User.objects.filter(
        username=_text(user.get("username"), 150), role=Role.LEARNER
    ).first()
    found = (
        Course.objects.filter(
            institution_id=peer.institution_id,
            source=_text(course.get("source")),
            source_id=_text(course.get("id")),
        )
        .exclude(source_id="")
        .first()
    )
    if teacher is None or learner is None or found is None:
        return False
    try:
        messaging.send(
            actor=teacher,
            recipient=learner,
            body=message["body"],
            subject=message.get("subject", ""),
            course=found,
        )
    except messaging.MessageError:
        return False
    return True


def _grade(activity: Activity, learner: User, payload: dict[str, Any]) -> bool:
    points = _number(payload.get("grade"))
    if payload.get("grade") is not None and points is None:
        return False
    feedback = _text(payload.get("feedback_html"), 1 << 20)
    scale_item = _text(payload.get("scale_item"))
    if activity.kind == Activity.Kind.ASSIGN:
        assignments.grade(
            actor=None,
            activity=activity,
            learner=learner,
            points=points,
            scale_item=scale_item,
            feedback=feedback,
        )
        return True
    maximum = _number(payload.get("max"))
    source = payload.get("source")
    if maximum is None or maximum <= 0:
        return False
    grades.record(
        actor=None,
        activity=activity,
        learner=learner,
        grade=points,
        max_grade=maximum,
        source=source if source in Grade.Source.values else Grade.Source.OVERRIDE,
        feedback=sanitise(feedback) if feedback.strip() else "",
        scale_item=scale_item,
        released_at=timezone.now(),
    )
    return True


def _feedback_files(activity: Activity, learner: User, files: Any) -> bool:
    """The grade's feedback files made those the hub's teacher left (an assignment's)."""
    if activity.kind != Activity.Kind.ASSIGN or not isinstance(files, list):
        return False
    wanted = {
        (str(f["sha256"]), _text(f.get("filename"))): _text(f.get("mimetype"), 127)
        for f in files
        if isinstance(f, dict) and "sha256" in f
    }
    existing = Grade.objects.filter(activity=activity, user=learner).first()
    have = {(f.blob_id, f.filename): f.pk for f in existing.files.all()} if existing else {}
    store = blobs.store()
    uploads = [
        UploadedFile(
            store.open(sha), name=name, content_type=mimetype or None, size=store.size(sha)
        )
        for (sha, name), mimetype in wanted.items()
        if (sha, name) not in have
    ]
    try:
        assignments.grade(
            actor=None,
            activity=activity,
            learner=learner,
            points=existing.grade if existing else None,
            scale_item=existing.scale_item if existing else "",
            feedback=existing.feedback if existing else "",
            uploads=uploads,
            remove=[pk for key, pk in have.items() if key not in wanted],
        )
    finally:
        for upload in uploads:
            upload.close()
    return True


def _apply_ack(
    actor: User | None,
    peer: Peer,
    manifest: bundle.Manifest,
    sha: str,
    size: int,
    ids: list[int],
    held: list[str],
) -> Applied:
    with transaction.atomic():
        peer = _advance(peer, manifest.sequence)
        courses.confirm(peer, held)
        owed = set(unacknowledged(peer).filter(pk__in=ids).values_list("pk", flat=True))
        SentEntry.objects.bulk_create(
            [
                SentEntry(entry_id=i, peer=peer, acknowledged_in=manifest.sequence)
                for i in sorted(owed)
            ],
            batch_size=500,
        )
        done = _done(actor, peer, "ack", manifest.sequence, sha, size, len(owed), 0)
        crash.point("apply_before_commit")
    crash.point("apply_after_commit")
    return Applied(done, again=False)
