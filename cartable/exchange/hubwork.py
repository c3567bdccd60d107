"""On the hub: a box's work recorded as the hub's own, so that the university's teachers grade
it in the same pages as on a box (issue 12). Called by ``actions._take`` in the work bundle's
transaction, for the entries received for the first time only (an entry sent again, or the
same bundle twice, records nothing new).

- **Whose work.** A box learner matched to a university username (``Learner``) is that
  account on the hub; when the hub has no such account yet, it is made (the matched username,
  named after the box's learner). A learner not matched gets an account of their own, named
  "<box>.<box username>" and "(learner of box <box>)", kept in ``BoxAccount``: grades given to
  it go back to that box under the box's username (``usernames``), but never to the
  university's Moodle (``university`` counts it as not matched). Both kinds of account have no
  establishment and no usable password: nobody signs in with them. Matching the learner later
  sends the next work to the matched account, and moves what the made account holds there
  (``merging``).
  Accounts are created and enrolled (as learners, in the activity's course) audited.
- **Which activity.** The hub's assignment of the course the entry names (Moodle source and
  course id), by the activity's key, else its idnumber; a course or activity the hub lacks,
  an account that is not a learner's, or a malformed entry: left out and counted.
- **What.** A ``submission`` entry becomes the account's ``Submission`` of the same attempt
  (status, text sanitised, dates) with its ``SubmissionFile`` rows made from the bundle's
  files (already in the content store and ``Blob`` rows); a later entry for the same attempt
  updates it (files added and removed to match), an older one changes nothing. Written at the
  model level, not through ``assignments.actions.save_draft``/``submit``: those check the
  assignment's dates against the hub's clock and write outbox entries for the university,
  while the box checked the dates when the learner handed the work in, and the hub does not
  send submissions anywhere. Each recorded submission is audited
  (``exchange.work_recorded``).
- **Quizzes.** ``attempt`` entries are ``hubquiz``'s, with the same accounts and activities
  (``target``)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from django.db.models import Q
from django.utils.translation import gettext as _

from cartable.accounts.models import Role, User, normalize_username
from cartable.assignments.actions import clean_text
from cartable.assignments.models import Submission, SubmissionFile
from cartable.audit.actions import record
from cartable.catalog import actions as catalog
from cartable.catalog.models import Activity, Blob, Course, Enrolment
from cartable.exchange.models import BoxAccount, Learner, Peer
from cartable.outbox.models import Entry

_UNSAFE_NAME = re.compile(r"[/\\\x00-\x1f\x7f]")


class Received(Protocol):
    """A work entry as ``actions`` reads it from a bundle."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def payload(self) -> dict[str, Any]: ...


def usernames(peer: Peer) -> dict[str, str]:
    """The hub's accounts holding a box's learners' work, by username: each one's username on
    that box (a matched university username first, then the accounts made here)."""
    names = dict(BoxAccount.objects.filter(peer=peer).values_list("user__username", "box_username"))
    names.update(
        Learner.objects.filter(peer=peer)
        .exclude(username="")
        .values_list("username", "box_username")
    )
    return names


def held_by(peer: Peer) -> Q:
    """Rows whose ``user`` is one of ``peer``'s learners on the hub (see ``usernames``)."""
    matched = Learner.objects.filter(peer=peer).exclude(username="").values("username")
    return Q(user__username__in=matched) | Q(user__box_account__peer=peer)


def record_work(peer: Peer, entries: Sequence[Received], found: Found | None = None) -> int:
    """Record the new submission entries of a work bundle from the box ``peer``; the number
    left out (course, activity or learner not on the hub, or malformed). ``found``: what the
    batch found already (shared with ``hubquiz``)."""
    left_out = 0
    found = {} if found is None else found
    for entry in entries:
        if entry.kind == Entry.Kind.SUBMISSION:
            left_out += not _submission(peer, entry, found)
    return left_out


# --- Helpers ------------------------------------------------------------------------------------


def _text(value: Any, limit: int = 255) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        return None
    return found if found.tzinfo is not None else None


def _activity(
    peer: Peer, course: dict[str, Any], item: dict[str, Any], kind: str = Activity.Kind.ASSIGN
) -> Activity | None:
    """The hub's assignment (or quiz) an entry names, by key, else by idnumber; one of a
    course offered to that box first."""
    source, source_id = _text(course.get("source")), _text(course.get("id"))
    key, idnumber = _text(item.get("key")), _text(item.get("idnumber"), 100)
    if not source_id or not (key or idnumber):
        return None
    found = (
        Activity.objects.select_related("course")
        .filter(
            course__source=source,
            course__source_id=source_id,
            kind=kind,
            retired_at__isnull=True,
        )
        .exclude(course__status=Course.Status.RETIRED)
    )
    for wanted in (Q(source_key=key) if key else None, Q(idnumber=idnumber) if idnumber else None):
        if wanted is None:
            continue
        some = found.filter(wanted)
        offered = some.filter(
            course__exchange_offers__peer=peer, course__exchange_offers__withdrawn_at__isnull=True
        )
        chosen = offered.order_by("pk").first() or some.order_by("pk").first()
        if chosen is not None:
            return chosen
    return None


def _free_username(wanted: str) -> str:
    base = normalize_username(wanted)[:140]
    name, number = base, 1
    while User.objects.filter(username=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


def _make_account(peer: Peer, box_username: str, username: str, *, matched: bool) -> User:
    user = User(
        username=username,
        first_name=box_username[:150],
        last_name=(_("(learner of box %(box)s)") % {"box": peer.name})[:150],
        role=Role.LEARNER,
        establishment=None,
    )
    user.set_unusable_password()  # nobody signs in with it: teachers grade its work
    user.save()
    record(
        "account.created",
        actor=None,
        target=user,
        details={
            "role": Role.LEARNER.value,
            "establishment": None,
            "box": peer.name,
            "box_username": box_username,
            "matched": matched,
        },
    )
    return user


def account_for(peer: Peer, box_username: str) -> User | None:
    """The hub's account for a box's learner, made when missing (see the module's text);
    None when the matched account is not a learner's."""
    matched = (
        Learner.objects.filter(peer=peer, box_username=box_username).exclude(username="").first()
    )
    if matched is not None:
        username = normalize_username(matched.username)
        found = User.objects.filter(username=username).first()
        if found is None:
            return _make_account(peer, box_username, username, matched=True)
        return found if found.role == Role.LEARNER else None
    held = (
        BoxAccount.objects.filter(peer=peer, box_username=box_username)
        .select_related("user")
        .first()
    )
    if held is not None:
        return held.user
    user = _make_account(
        peer, box_username, _free_username(f"{peer.name}.{box_username}"), matched=False
    )
    BoxAccount.objects.create(peer=peer, box_username=box_username, user=user)
    return user


def _enrolled(account: User, course: Course) -> bool:
    """The account is a learner of the course, enrolled now if it was not (audited)."""
    role = (
        Enrolment.objects.filter(user=account, course=course).values_list("role", flat=True).first()
    )
    if role is None:
        catalog.enrol(actor=None, user=account, course=course, role=Enrolment.Role.LEARNER)
        return True
    return bool(role == Enrolment.Role.LEARNER)


# --- Submissions --------------------------------------------------------------------------------


def _files(payload: dict[str, Any]) -> dict[tuple[str, str], str] | None:
    """The files an entry names: (hash, file name) -> MIME type; None when one is not in the
    content store's rows (the bundle carried it, so this is a malformed entry)."""
    items = payload.get("files") or []
    if not isinstance(items, list):
        return None
    wanted: dict[tuple[str, str], str] = {}
    for item in items:
        if not isinstance(item, dict) or not isinstance(item.get("sha256"), str):
            return None
        name = _UNSAFE_NAME.sub("_", _text(item.get("filename"))).strip() or "file"
        wanted[(item["sha256"], name)] = _text(item.get("mimetype"), 127)
    if wanted:
        known = set(
            Blob.objects.filter(sha256__in={sha for sha, _name in wanted}).values_list(
                "sha256", flat=True
            )
        )
        if any(sha not in known for sha, _name in wanted):
            return None
    return wanted


# What a batch of entries found already: an activity by the entry's names, an account (enrolled
# in the course, or None) by box username and course.
Found = dict[tuple[str, ...], Any]


def target(
    peer: Peer,
    course: dict[str, Any],
    item: dict[str, Any],
    box_username: str,
    found: Found,
    kind: str = Activity.Kind.ASSIGN,
) -> tuple[Activity, User] | None:
    """The hub's activity an entry names and the box learner's account on the hub, enrolled
    in its course (audited); None when either is missing (left out)."""
    names = tuple(
        _text(value)
        for value in (
            kind,
            course.get("source"),
            course.get("id"),
            item.get("key"),
            item.get("idnumber"),
        )
    )
    if ("activity", *names) not in found:
        found[("activity", *names)] = _activity(peer, course, item, kind)
    activity = found[("activity", *names)]
    if activity is None:
        return None
    who = ("account", box_username, str(activity.course_id))
    if who not in found:
        account = account_for(peer, box_username)
        found[who] = (
            account if account is not None and _enrolled(account, activity.course) else None
        )
    return (activity, found[who]) if found[who] is not None else None


def _submission(peer: Peer, entry: Received, found: Found) -> bool:
    payload = entry.payload
    course, item, user = (payload.get(k) for k in ("course", "activity", "user"))
    if not isinstance(course, dict) or not isinstance(item, dict) or not isinstance(user, dict):
        return False
    box_username = normalize_username(_text(user.get("username"), 150))
    attempt = payload.get("attempt", 1)
    status = payload.get("status")
    files = _files(payload)
    if (
        not box_username
        or type(attempt) is not int
        or not 1 <= attempt <= 10_000
        or status not in Submission.Status.values
        or files is None
    ):
        return False
    aimed = target(peer, course, item, box_username, found)
    if aimed is None:
        return False
    activity, account = aimed
    modified_at = _when(payload.get("modified_at")) or entry.created_at
    submitted_at = (
        (_when(payload.get("submitted_at")) or modified_at)
        if status == Submission.Status.SUBMITTED
        else None
    )
    wanted = {
        "status": status,
        "text": clean_text(_text(payload.get("text_html"), 1 << 20)),
        "modified_at": modified_at,
        "submitted_at": submitted_at,
        "member_submitted_at": _when(payload.get("member_submitted_at")),
    }
    current = (
        Submission.objects.select_for_update()
        .filter(activity=activity, learner=account, attempt=attempt)
        .first()
    )
    if current is not None and current.modified_at > modified_at:
        return True  # an older state of work recorded since: nothing to change
    if current is None:
        current = Submission.objects.create(
            activity=activity, learner=account, attempt=attempt, **wanted
        )
        changed = True
    else:
        changed = any(getattr(current, name) != value for name, value in wanted.items())
        if changed:
            for name, value in wanted.items():
                setattr(current, name, value)
            current.save(update_fields=list(wanted))
    have = {(f.blob_id, f.filename): f.pk for f in current.files.all()}
    gone = [pk for key, pk in have.items() if key not in files]
    if gone:
        SubmissionFile.objects.filter(pk__in=gone).delete()
    sizes = dict(
        Blob.objects.filter(sha256__in={sha for sha, _name in files}).values_list("sha256", "size")
    )
    added = [
        SubmissionFile(
            submission=current, blob_id=sha, filename=name, mimetype=mimetype, size=sizes[sha]
        )
        for (sha, name), mimetype in files.items()
        if (sha, name) not in have
    ]
    SubmissionFile.objects.bulk_create(added)
    if changed or gone or added:
        record(
            "exchange.work_recorded",
            actor=None,
            target=activity,
            details={
                "box": peer.name,
                "box_username": box_username,
                "learner": account.username,
                "attempt": attempt,
                "status": status,
                "files": len(files),
                "entry": entry.id,
            },
        )
    return True
