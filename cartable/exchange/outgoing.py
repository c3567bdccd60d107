"""The bundles a side holds for a peer reached online, in its data folder, each kept until the
peer shows it has it: on a hub, what a box pulls (acknowledgements, feedback, later courses);
on a box, what it pushes (work, acknowledgements) until the hub has answered.

A bundle is written by ``actions.export``, exactly as to a stick, into
``CARTABLE_HOME/exchange-online/<peer>/<sequence>.bundle`` (a course bundle, numbered on its
own, ``course-<sequence>.bundle``): its number is taken and recorded when it is put there, so a
bundle lost on the way is fetched (or sent) again under the same number, never written anew.

Which kinds a hub has for a box, in order, is ``PENDING``: a kind plugs in with
``register(kind, pending)``, ``pending(peer)`` saying whether a bundle of that kind is due.
Course bundles come after them: the newest kept that the box has not applied, or a new one
when one is due (it supersedes those kept)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from django.conf import settings
from django.db.models import Max, Q

from cartable.exchange import actions
from cartable.exchange.models import CourseOffer, Exchange, Peer, ReceivedEntry
from cartable.exchange.wire.bundle import file_sha256

SUFFIX = ".bundle"
Pending = Callable[[Peer], bool]


class OutOfSequence(Exception):
    """The peer asks for a bundle this side does not hold: ``code`` says why."""

    def __init__(self, code: str, sequence: int) -> None:
        super().__init__(code)
        self.code = code
        self.sequence = sequence


def folder(peer: Peer) -> Path:
    path = Path(settings.HOME) / "exchange-online" / peer.name
    path.mkdir(parents=True, exist_ok=True)
    return path


COURSE_PREFIX = "course-"


def path_of(peer: Peer, sequence: int, kind: str = "") -> Path:
    prefix = COURSE_PREFIX if kind == "course" else ""
    return folder(peer) / f"{prefix}{sequence:012d}{SUFFIX}"


def held(peer: Peer, kind: str = "") -> list[tuple[int, Path]]:
    """The bundles kept for ``peer``, recorded as sent, oldest first: course bundles when
    ``kind`` is "course", the others otherwise. Another file there is an export stopped before
    its end, or one not committed yet: left alone (the next export of that number writes over
    it)."""
    prefix = COURSE_PREFIX if kind == "course" else ""
    found = []
    for path in sorted(folder(peer).glob(f"{prefix}*{SUFFIX}")):
        stem = path.name[len(prefix) : -len(SUFFIX)]
        if not stem.isdigit():
            continue
        sequence = int(stem)
        if recorded(peer, sequence, path, kind):
            found.append((sequence, path))
    return found


def recorded(peer: Peer, sequence: int, path: Path, kind: str = "") -> bool:
    return Exchange.objects.filter(
        actions.same_numbering(kind),
        peer=peer,
        direction=Exchange.Direction.OUT,
        sequence=sequence,
        result=Exchange.Result.DONE,
        sha256=file_sha256(path),
    ).exists()


def forget_before(peer: Peer, sequence: int) -> None:
    """The peer has every bundle before ``sequence``: they need not be kept."""
    for number, path in held(peer):
        if number < sequence:
            path.unlink(missing_ok=True)


def write(peer: Peer, kind: str) -> tuple[int, Path]:
    """The next bundle of ``kind`` for ``peer``, written and recorded (``actions.Refused``
    when another was written meanwhile)."""
    sequence = getattr(Peer.objects.get(pk=peer.pk), actions.counter_of(kind))
    path = path_of(peer, sequence, kind)
    actions.export(actor=None, peer=peer, kind=kind, destination=path)
    return sequence, path


# --- What a hub has for a box ---------------------------------------------------------------


def _ack_pending(peer: Peer) -> bool:
    return ReceivedEntry.objects.filter(peer=peer, ack_pending=True).exists()


def _feedback_pending(peer: Peer) -> bool:
    """Grades or messages not acknowledged, once the box has acknowledged (or never had) the
    last feedback sent: what a feedback bundle carries stays unacknowledged until the box's
    acknowledgement comes back, and is not sent twice meanwhile."""
    actions.owe_messages(peer)
    if not actions.unacknowledged(peer).exists():
        return False
    last = Exchange.objects.filter(
        peer=peer, direction=Exchange.Direction.OUT, kind="feedback", result=Exchange.Result.DONE
    ).aggregate(at=Max("at"))["at"]
    if last is None:
        return True
    return Exchange.objects.filter(
        peer=peer,
        direction=Exchange.Direction.IN,
        kind="ack",
        result=Exchange.Result.DONE,
        at__gt=last,
    ).exists()


def course_due(peer: Peer) -> bool:
    """Courses offered to the box (``exchange.courses``) that it has not had since they were
    offered or last changed on the hub (the course or one of its activities): a course bundle
    carries every offered course, and the files the box has not confirmed holding), or that
    staff asked to send again whole (``--resend-all``) since the last course bundle."""
    offers = CourseOffer.objects.filter(peer=peer, withdrawn_at__isnull=True)
    last = Exchange.objects.filter(
        peer=peer, direction=Exchange.Direction.OUT, kind="course", result=Exchange.Result.DONE
    ).aggregate(at=Max("at"))["at"]
    if last is None:
        return offers.exists()
    resent = Peer.objects.get(pk=peer.pk).courses_resent_at
    if resent is not None and resent > last:
        return offers.exists()
    return offers.filter(
        Q(offered_at__gt=last)
        | Q(course__updated_at__gt=last)
        | Q(course__activities__updated_at__gt=last)
    ).exists()


PENDING: list[tuple[str, Pending]] = [
    ("ack", _ack_pending),
    ("feedback", _feedback_pending),
]


def register(kind: str, pending: Pending) -> None:
    """A kind of bundle a hub sends a box online, after those registered before."""
    if all(known != kind for known, _ in PENDING):
        PENDING.append((kind, pending))


def due(peer: Peer) -> str | None:
    """The kind of the next bundle ``peer`` is owed, if any (course bundles aside)."""
    allowed = actions.SENT[Peer.Role(peer.role)]
    for kind, pending in PENDING:
        if kind in allowed and pending(peer):
            return kind
    return None


def next_for(peer: Peer, sequence: int, course: int | None = None) -> tuple[int, Path] | None:
    """The bundle numbered ``sequence`` for ``peer`` (the one it expects next): the one kept if
    it was written already, else a new one if one is due; else, when the peer says the number
    ``course`` of the next course bundle it would take, a course bundle (``next_course``);
    else None."""
    peer = Peer.objects.get(pk=peer.pk)
    if sequence > peer.next_out or sequence < 1:
        raise OutOfSequence("ahead", sequence)
    forget_before(peer, sequence)
    for number, path in held(peer):
        if number == sequence:
            return number, path
    if sequence < peer.next_out:
        # Written, but not here: written to a file (a stick), or removed.
        raise OutOfSequence("elsewhere", sequence)
    kind = due(peer)
    if kind is not None:
        return write(peer, kind)
    if course is None or "course" not in actions.SENT[Peer.Role(peer.role)]:
        return None
    return next_course(peer, course)


def next_course(peer: Peer, course: int) -> tuple[int, Path] | None:
    """A course bundle numbered ``course`` or later for ``peer`` (the box applied those
    before): a new one when one is due (it supersedes those kept), else the newest kept (one
    the box has not applied: refused, or lost on the way), else a new one if the box has not
    applied the last written (written to a file), else None."""
    if course > peer.next_course_out or course < 1:
        raise OutOfSequence("ahead", course)
    kept = held(peer, "course")
    if course_due(peer) or (not kept and course < peer.next_course_out):
        number, path = write(peer, "course")
        kept = [(number, path)]
        for older, old in held(peer, "course"):
            if older < number:
                old.unlink(missing_ok=True)
    for number, path in kept:
        if number < course:  # applied, or superseded by one applied
            path.unlink(missing_ok=True)
    later = [item for item in kept if item[0] >= course]
    return later[-1] if later else None
