"""A learner's record for another Cartable box: export (a signed ZIP) and import.

The ZIP holds ``manifest.json`` (the learner, and per course, known by who provides it and the
source's id for it, their progress, grades and submissions by activity source key),
``signature.json`` (the box's Ed25519 signature of the manifest, ``seal``) and the submitted
files as ``files/<sha256>``. docs/records.md specifies the format.

An import trusts nothing in the file: the archive is read with ``lib/archive``'s limits (size,
members, ratio, names), every member must be one the format names, the signature must hold, the
signer must be a known peer, this box, or the box whose fingerprint staff confirmed, every file
must match its name's SHA-256, and every field is checked before anything is written. Then one
transaction writes it all; files go to the content store first and are taken back if the
transaction fails. The same export applied twice changes nothing (``ImportedTransfer``).
"""

from __future__ import annotations

import hashlib
import json
import math
import re
import tempfile
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _

from cartable.accounts import actions as account_actions
from cartable.accounts.models import Establishment, Role, User
from cartable.accounts.permissions import can_manage
from cartable.assignments.checks import filename_of
from cartable.assignments.models import Submission, SubmissionFile
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.access import visible_courses
from cartable.catalog.models import MADE_ON_BOX, Activity, Blob, Course, Enrolment
from cartable.exchange import identity
from cartable.exchange.models import Peer
from cartable.exchange.wire.keys import PublicIdentity, normalise_fingerprint
from cartable.grades.bounds import bounded
from cartable.grades.models import Grade
from cartable.jobs import sweep
from cartable.learning.models import ActivityProgress
from cartable.lib import archive, filetypes
from cartable.lib.html import sanitise
from cartable.records import seal
from cartable.records.actions import check_learner
from cartable.records.models import Closure, ImportedTransfer

FORMAT = "cartable-transfer1"
MANIFEST = "manifest.json"
SIGNATURE = "signature.json"
FILES = "files/"
MAX_MANIFEST = 32 * archive.MiB
MAX_SIGNATURE = 4 * archive.KiB
LIMITS = archive.ArchiveLimits(
    max_member_size=512 * archive.MiB,
    max_total_size=4 * archive.GiB,
    max_members=20_000,
)
_SHA256 = re.compile(r"[0-9a-f]{64}")


class TransferError(ValueError):
    """An export refused; ``code`` is stable, the message is for people (translated)."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --- Export -------------------------------------------------------------------------------------


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _key(activity: Activity | None) -> str | None:
    """An activity's stable key, if another box can know it (not one made on this box)."""
    if activity is None or not activity.source_key or activity.source_key.startswith(MADE_ON_BOX):
        return None
    return activity.source_key


def manifest_of(learner: User) -> tuple[dict[str, Any], dict[str, Blob]]:
    """The learner's manifest and the blobs it names, by SHA-256."""
    enrolments = list(
        Enrolment.objects.filter(user=learner, role=Enrolment.Role.LEARNER)
        .exclude(course__source_id="")
        .select_related("course__institution", "last_activity")
        .order_by("course_id")
    )
    ids = [enrolment.course_id for enrolment in enrolments]
    by_course: dict[int, dict[str, list[dict[str, Any]]]] = {
        pk: {"progress": [], "grades": [], "submissions": []} for pk in ids
    }
    progress = ActivityProgress.objects.filter(user=learner, course_id__in=ids).select_related(
        "activity"
    )
    for row in progress.order_by("activity_id"):
        if (key := _key(row.activity)) is not None:
            by_course[row.course_id]["progress"].append(
                {
                    "activity": key,
                    "views": row.views,
                    "first_viewed_at": _when(row.first_viewed_at),
                    "last_viewed_at": _when(row.last_viewed_at),
                    "completed_at": _when(row.completed_at),
                    "completed_by": row.completed_by,
                }
            )
    for grade in Grade.objects.filter(user=learner, course_id__in=ids).select_related("activity"):
        if (key := _key(grade.activity)) is not None:
            by_course[grade.course_id]["grades"].append(
                {
                    "activity": key,
                    "grade": grade.grade,
                    "max_grade": grade.max_grade,
                    "scale_item": grade.scale_item,
                    "feedback": grade.feedback,
                    "source": grade.source,
                    "graded_at": _when(grade.graded_at),
                    "released_at": _when(grade.released_at),
                }
            )
    files: dict[str, Blob] = {}
    submissions = (
        Submission.objects.filter(learner=learner, activity__course_id__in=ids)
        .select_related("activity")
        .prefetch_related("files__blob")
        .order_by("activity_id", "attempt")
    )
    for submission in submissions:
        if (key := _key(submission.activity)) is None:
            continue
        handed = []
        for file in submission.files.all():
            files[file.blob_id] = file.blob
            handed.append(
                {
                    "sha256": file.blob_id,
                    "size": file.size,
                    "filename": file.filename,
                    "mimetype": file.mimetype,
                }
            )
        by_course[submission.activity.course_id]["submissions"].append(
            {
                "activity": key,
                "attempt": submission.attempt,
                "status": submission.status,
                "text": submission.text,
                "statement_accepted": submission.statement_accepted,
                "modified_at": _when(submission.modified_at),
                "submitted_at": _when(submission.submitted_at),
                "files": handed,
            }
        )
    closure = learner.closures.first()
    manifest = {
        "format": FORMAT,
        "export_id": uuid.uuid4().hex,
        "exported_at": timezone.now().isoformat(),
        "learner": {
            "username": learner.username,
            "first_name": learner.first_name,
            "last_name": learner.last_name,
            "language": learner.language,
        },
        "closure": None
        if closure is None
        else {"reason": closure.reason, "closed_on": closure.closed_on.isoformat()},
        "courses": [
            {
                "institution": enrolment.course.institution.slug,
                "source": enrolment.course.source,
                "source_id": enrolment.course.source_id,
                "shortname": enrolment.course.shortname,
                "title": enrolment.course.title,
                "last_activity": _key(enrolment.last_activity),
                "last_seen_at": _when(enrolment.last_seen_at),
                **by_course[enrolment.course_id],
            }
            for enrolment in enrolments
        ],
    }
    return manifest, files


def canonical(manifest: dict[str, Any]) -> bytes:
    return json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode("utf-8")


@dataclass(frozen=True)
class Exported:
    file: IO[bytes]  # the ZIP, positioned at its start
    filename: str
    export_id: str


@transaction.atomic
def export(*, actor: User | None, learner: User, request: HttpRequest | None = None) -> Exported:
    """The learner's signed transfer export, in a temporary file; audited."""
    check_learner(actor, learner)
    box = identity.load(create=True)
    manifest, files = manifest_of(learner)
    data = canonical(manifest)
    out = tempfile.TemporaryFile()  # noqa: SIM115 (handed to the response, which closes it)
    store = blobs.store()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr(MANIFEST, data)
        zipped.writestr(SIGNATURE, seal.sign_manifest(data, box))
        for sha256 in sorted(files):
            with store.open(sha256) as source, zipped.open(FILES + sha256, "w") as target:
                while chunk := source.read(archive.CHUNK):
                    target.write(chunk)
    out.seek(0)
    record(
        "records.transfer_exported",
        actor=actor,
        target=learner,
        request=request,
        details={
            "export_id": manifest["export_id"],
            "fingerprint": box.public.fingerprint,
            "courses": len(manifest["courses"]),
            "files": len(files),
        },
    )
    return Exported(out, f"cartable-{learner.username}-transfer.zip", manifest["export_id"])


# --- Reading an export ----------------------------------------------------------------------------


@dataclass
class Opened:
    """An export read and checked (not yet trusted as to who signed it)."""

    manifest: dict[str, Any]
    digest: str  # of manifest.json
    signer: PublicIdentity
    files: dict[str, Path]  # sha256 -> the file in the work folder


def _refused(code: str) -> TransferError:
    messages = {
        "not_transfer": _(
            "This file is not a Cartable transfer export (it needs manifest.json and "
            "signature.json, and nothing but files/…)."
        ),
        "too_large": _("The export's manifest is larger than the limit."),
        "tampered": _(
            "This export was changed after the box that made it signed it: refused, nothing "
            "was changed."
        ),
        "bad_signature": _("This export's signature cannot be read: refused, nothing was changed."),
        "bad_manifest": _("This export's manifest is not valid: refused, nothing was changed."),
    }
    return TransferError(code, messages[code])


def open_export(path: Path, workdir: Path) -> Opened:
    """Extract and check an export under ``workdir``: archive limits, the members, the
    signature, every file's SHA-256, every field. Raises ``TransferError``."""
    try:
        extracted = archive.extract(path, workdir / "x", LIMITS)
    except archive.ArchiveError as error:
        raise TransferError(
            error.code,
            _("This file cannot be read safely (%(problem)s): refused, nothing was changed.")
            % {"problem": _archive_problem(error)},
        ) from error
    names = set(extracted.files)
    if MANIFEST not in names or SIGNATURE not in names:
        raise _refused("not_transfer")
    files: dict[str, Path] = {}
    for name in names - {MANIFEST, SIGNATURE}:
        digest = name.removeprefix(FILES)
        if not name.startswith(FILES) or not _SHA256.fullmatch(digest):
            raise _refused("not_transfer")
        files[digest] = extracted.root / name
    manifest_path, signature_path = extracted.root / MANIFEST, extracted.root / SIGNATURE
    if manifest_path.stat().st_size > MAX_MANIFEST:
        raise _refused("too_large")
    if signature_path.stat().st_size > MAX_SIGNATURE:
        raise _refused("bad_signature")
    data = manifest_path.read_bytes()
    try:
        checked = seal.check_manifest(data, signature_path.read_bytes())
    except seal.SealError as error:
        raise _refused("bad_signature") from error
    if not checked.valid:
        raise _refused("tampered")
    for digest, file in files.items():
        if _sha256(file) != digest:
            raise _refused("tampered")
    try:
        manifest = json.loads(data.decode("utf-8"))
        _check_manifest(manifest, set(files))
    except (ValueError, TypeError, KeyError, RecursionError) as error:  # RecursionError: nesting
        raise _refused("bad_manifest") from error
    return Opened(manifest, hashlib.sha256(data).hexdigest(), checked.signer, files)


def _archive_problem(error: archive.ArchiveError) -> str:
    problems = {
        "not_an_archive": _("it is not a ZIP file"),
        "path_traversal": _("a name in it leads out of its folder"),
        "absolute_path": _("a name in it leads out of its folder"),
        "unsafe_name": _("a name in it is not a file name"),
        "link_member": _("it holds a link"),
        "special_file": _("it holds a special file"),
        "duplicate_member": _("it holds two files of the same name"),
        "encrypted": _("it is encrypted"),
        "member_too_large": _("a file in it is larger than the limit"),
        "total_too_large": _("its files add up to more than the limit"),
        "too_many_members": _("it holds too many files"),
        "compression_ratio": _("its data expands more than the limit allows"),
    }
    return problems.get(error.code, _("it is damaged"))


def _sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(archive.CHUNK):
            hasher.update(chunk)
    return hasher.hexdigest()


def _text(value: Any, limit: int, *, empty: bool = True) -> str:
    if not isinstance(value, str) or len(value) > limit or (not empty and not value):
        raise ValueError("text")
    if "\x00" in value:
        raise ValueError("NUL")
    return value


def _optional_time(value: Any) -> datetime | None:
    if value is None:
        return None
    parsed = parse_datetime(_text(value, 40))
    if parsed is None or timezone.is_naive(parsed):
        raise ValueError("datetime")
    return parsed


def _count(value: Any, limit: int = 10**9) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= limit:
        raise ValueError("count")
    return value


def _number(value: Any) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError("number")
    if abs(value) > 1e9:
        raise ValueError("number")
    return float(value)


def _items(value: Any, check: Callable[[Any], None], limit: int = 100_000) -> None:
    if not isinstance(value, list) or len(value) > limit:
        raise ValueError("list")
    for item in value:
        if not isinstance(item, dict):
            raise ValueError("item")
        check(item)


def _check_progress(item: dict[str, Any]) -> None:
    _text(item["activity"], 100, empty=False)
    _count(item["views"])
    for name in ("first_viewed_at", "last_viewed_at", "completed_at"):
        _optional_time(item[name])
    if item["completed_by"] not in (*ActivityProgress.Source.values, ""):
        raise ValueError("completed_by")


def _check_grade(item: dict[str, Any]) -> None:
    _text(item["activity"], 100, empty=False)
    _number(item["grade"])
    if _number(item["max_grade"]) is None:
        raise ValueError("max_grade")
    _text(item["scale_item"], 255)
    _text(item["feedback"], 100_000)
    if item["source"] not in Grade.Source.values:
        raise ValueError("source")
    _optional_time(item["graded_at"])
    _optional_time(item["released_at"])


def _checker_of_submissions(files: set[str]) -> Callable[[dict[str, Any]], None]:
    def check(item: dict[str, Any]) -> None:
        _text(item["activity"], 100, empty=False)
        if _count(item["attempt"], 10_000) < 1:
            raise ValueError("attempt")
        if item["status"] not in Submission.Status.values:
            raise ValueError("status")
        _text(item["text"], 1_000_000)
        if not isinstance(item["statement_accepted"], bool):
            raise ValueError("statement")
        if _optional_time(item["modified_at"]) is None:
            raise ValueError("modified_at")
        _optional_time(item["submitted_at"])

        def check_file(handed: dict[str, Any]) -> None:
            if handed["sha256"] not in files:
                raise ValueError("file")
            _count(handed["size"])
            _text(handed["filename"], 255, empty=False)
            _text(handed["mimetype"], 127)

        _items(item["files"], check_file, 1000)

    return check


def _check_manifest(manifest: Any, files: set[str]) -> None:
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ValueError("format")
    if not re.fullmatch(r"[0-9a-f]{32}", _text(manifest["export_id"], 32)):
        raise ValueError("export_id")
    _optional_time(manifest["exported_at"])
    learner = manifest["learner"]
    if not isinstance(learner, dict):
        raise ValueError("learner")
    _text(learner["username"], 150, empty=False)
    _text(learner["first_name"], 150)
    _text(learner["last_name"], 150)
    _text(learner["language"], 8)
    closure = manifest["closure"]
    if closure is not None:
        if not isinstance(closure, dict) or closure["reason"] not in Closure.Reason.values:
            raise ValueError("closure")
        if parse_date(_text(closure["closed_on"], 10)) is None:
            raise ValueError("closure")
    check_submission = _checker_of_submissions(files)

    def check_course(course: dict[str, Any]) -> None:
        _text(course["institution"], 64, empty=False)
        _text(course["source"], 32)
        _text(course["source_id"], 64, empty=False)
        _text(course["shortname"], 100)
        _text(course["title"], 255)
        if course["last_activity"] is not None:
            _text(course["last_activity"], 100, empty=False)
        _optional_time(course["last_seen_at"])
        _items(course["progress"], _check_progress)
        _items(course["grades"], _check_grade)
        _items(course["submissions"], check_submission)

    _items(manifest["courses"], check_course, 10_000)


# --- Applying an export -----------------------------------------------------------------------


@dataclass
class Imported:
    learner: User
    signer: str  # fingerprint
    signer_name: str  # a peer's name, "" for this box itself or a confirmed one
    already: bool = False  # applied before: nothing changed
    password: str | None = None  # a new account's password, shown once
    reactivated: bool = False
    courses: list[str] = field(default_factory=list)  # matched, by title
    missing: list[str] = field(default_factory=list)  # not on this box, by title
    progress: int = 0
    grades: int = 0
    submissions: int = 0


def signer_name(signer: PublicIdentity) -> str | None:
    """A known peer's name, "" for this box, None for an unknown signer."""
    peer = Peer.objects.filter(signing_key=signer.signing.hex()).first()
    if peer is not None:
        return peer.name
    if identity.exists() and identity.load().public.signing == signer.signing:
        return ""
    return None


def import_file(
    path: Path,
    *,
    actor: User | None,
    establishment: Establishment | None = None,
    confirmed_fingerprint: str = "",
    request: HttpRequest | None = None,
) -> Imported:
    """Check and apply a transfer export; ``TransferError`` (audited) when refused, with nothing
    changed."""
    try:
        with sweep.workdir("transfer-") as workdir:
            opened = open_export(path, workdir)
            name = signer_name(opened.signer)
            fingerprint = opened.signer.fingerprint
            if name is None and normalise_fingerprint(confirmed_fingerprint) != fingerprint:
                raise TransferError(
                    "unknown_signer",
                    _(
                        "This export was signed by a box this box does not know, whose "
                        "fingerprint is %(fingerprint)s. Check this fingerprint with the staff "
                        "of the box that made it, then type it to confirm."
                    )
                    % {"fingerprint": fingerprint},
                )
            return _apply(opened, name or "", actor, establishment, request)
    except TransferError as error:
        record(
            "records.transfer_refused",
            actor=actor,
            request=request,
            details={"code": error.code, "file": path.name[:200]},
        )
        raise


def _apply(
    opened: Opened,
    peer_name: str,
    actor: User | None,
    establishment: Establishment | None,
    request: HttpRequest | None,
) -> Imported:
    manifest = opened.manifest
    done = ImportedTransfer.objects.filter(export_id=manifest["export_id"]).first()
    if done is not None:
        return Imported(done.account, opened.signer.fingerprint, peer_name, already=True)
    store = blobs.store()
    added: list[str] = []
    try:
        for digest, file in sorted(opened.files.items()):
            with file.open("rb") as stream:
                if store.put_stream(stream, expected_sha256=digest).created:
                    added.append(digest)
        return _save(opened, peer_name, actor, establishment, request)
    except BaseException:
        for digest in added:
            if not Blob.objects.filter(sha256=digest).exists():
                store.delete(digest)
        raise


def _target_establishment(actor: User | None, establishment: Establishment | None) -> Establishment:
    if actor is not None and actor.role != Role.ADMIN:
        if actor.establishment is None:
            raise TransferError("no_establishment", _("Your account belongs to no establishment."))
        return actor.establishment
    return establishment or account_actions.default_establishment()


def _account(
    manifest: dict[str, Any],
    actor: User | None,
    establishment: Establishment | None,
    request: HttpRequest | None,
    result: Imported,
) -> User:
    fields = manifest["learner"]
    home = _target_establishment(actor, establishment)
    username = fields["username"].strip().lower()
    account = User.objects.filter(username=username).first()
    if (
        account is not None
        and establishment is None
        and (actor is None or actor.role == Role.ADMIN)
    ):
        home = account.establishment or home  # the operator named none: the account's own
    if account is None:
        try:
            credentials = account_actions.create_account(
                actor=actor,
                username=username,
                role=Role.LEARNER,
                first_name=fields["first_name"],
                last_name=fields["last_name"],
                establishment=home,
                request=request,
            )
        except account_actions.AccountError as error:
            raise TransferError("account", str(error)) from error
        account = credentials.user
        result.password = credentials.password
        if fields["language"] in ("fr", "en"):
            account.language = fields["language"]
            account.save(update_fields=["language"])
        return account
    if (
        account.role != Role.LEARNER
        or account.establishment_id != home.pk
        or not can_manage(actor, account)
    ):
        raise TransferError(
            "account_taken",
            _(
                "The username “%(username)s” belongs to another account on this box (another "
                "role or establishment): refused, nothing was changed."
            )
            % {"username": username},
        )
    if not account.is_active:
        account_actions.set_active(actor=actor, account=account, active=True, request=request)
        result.reactivated = True
    return account


@transaction.atomic
def _save(
    opened: Opened,
    peer_name: str,
    actor: User | None,
    establishment: Establishment | None,
    request: HttpRequest | None,
) -> Imported:
    manifest = opened.manifest
    result = Imported(
        learner=actor or User(),  # replaced below
        signer=opened.signer.fingerprint,
        signer_name=peer_name,
    )
    learner = _account(manifest, actor, establishment, request, result)
    result.learner = learner
    # The courses the importer may enrol learners in (as on an account's page).
    courses = Course.objects.all() if actor is None else visible_courses(actor)
    for entry in manifest["courses"]:
        course = courses.filter(
            institution__slug=entry["institution"],
            source=entry["source"],
            source_id=entry["source_id"],
        ).first()
        if course is None:
            result.missing.append(entry["title"] or entry["shortname"])
            continue
        result.courses.append(course.title)
        _restore_course(learner, course, entry, opened, result)
    ImportedTransfer.objects.create(
        export_id=manifest["export_id"],
        sha256=opened.digest,
        signer_fingerprint=opened.signer.fingerprint,
        account=learner,
        imported_by=actor,
    )
    record(
        "records.transfer_imported",
        actor=actor,
        target=learner,
        request=request,
        details={
            "export_id": manifest["export_id"],
            "signer": opened.signer.fingerprint,
            "peer": peer_name,
            "courses": result.courses,
            "missing": result.missing,
            "progress": result.progress,
            "grades": result.grades,
            "submissions": result.submissions,
        },
    )
    return result


def _later(mine: datetime | None, theirs: datetime | None) -> datetime | None:
    if mine is None or theirs is None:
        return mine or theirs
    return max(mine, theirs)


def _earlier(mine: datetime | None, theirs: datetime | None) -> datetime | None:
    if mine is None or theirs is None:
        return mine or theirs
    return min(mine, theirs)


def _restore_course(
    learner: User, course: Course, entry: dict[str, Any], opened: Opened, result: Imported
) -> None:
    activities = {
        activity.source_key: activity
        for activity in Activity.objects.filter(course=course)
        .exclude(source_key="")
        # A retired activity gives way to a current one with the same key.
        .order_by("-retired_at", "pk")
    }
    enrolment, _created = Enrolment.objects.get_or_create(
        user=learner, course=course, defaults={"role": Enrolment.Role.LEARNER}
    )
    last_seen = _optional_time(entry["last_seen_at"])
    last_activity = activities.get(entry["last_activity"] or "")
    if last_activity is not None and (
        enrolment.last_seen_at is None or (last_seen and last_seen > enrolment.last_seen_at)
    ):
        enrolment.last_activity = last_activity
        enrolment.last_seen_at = last_seen
        enrolment.save(update_fields=["last_activity", "last_seen_at"])
    for item in entry["progress"]:
        if (activity := activities.get(item["activity"])) is not None:
            _restore_progress(learner, course, activity, item)
            result.progress += 1
    for item in entry["grades"]:
        if (activity := activities.get(item["activity"])) is not None:
            result.grades += _restore_grade(learner, course, activity, item)
    for item in entry["submissions"]:
        if (activity := activities.get(item["activity"])) is not None:
            result.submissions += _restore_submission(learner, activity, item, opened)


def _restore_progress(
    learner: User, course: Course, activity: Activity, item: dict[str, Any]
) -> None:
    row = ActivityProgress.objects.filter(user=learner, activity=activity).first()
    if row is None:
        row = ActivityProgress(user=learner, activity=activity, course=course)
    row.views = max(row.views, item["views"])
    row.first_viewed_at = _earlier(row.first_viewed_at, _optional_time(item["first_viewed_at"]))
    row.last_viewed_at = _later(row.last_viewed_at, _optional_time(item["last_viewed_at"]))
    if row.completed_at is None and item["completed_at"] is not None:
        row.completed_at = _optional_time(item["completed_at"])
        row.completed_by = item["completed_by"]
    row.save()


def _restore_grade(learner: User, course: Course, activity: Activity, item: dict[str, Any]) -> int:
    graded_at = _optional_time(item["graded_at"])
    row = Grade.objects.filter(user=learner, activity=activity).first()
    if (
        row is not None
        and row.graded_at is not None
        and (graded_at is None or graded_at <= row.graded_at)
    ):
        return 0  # this box's grade is as recent
    if row is None:
        row = Grade(user=learner, activity=activity, course=course)
    row.max_grade = _number(item["max_grade"]) or 0.0
    # Within its bounds, as the gradebook keeps every grade (``grades.bounds``): a scale's
    # grade has no maximum of points, and is kept as it is.
    grade = _number(item["grade"])
    row.grade = bounded(grade, row.max_grade) if row.max_grade > 0 else grade
    row.scale_item = item["scale_item"]
    row.feedback = sanitise(item["feedback"]) if item["feedback"] else ""
    row.source = item["source"]
    row.graded_at = graded_at
    row.graded_by = None  # a teacher of the other box
    row.released_at = _optional_time(item["released_at"])
    row.save()
    return 1


def _restore_submission(
    learner: User, activity: Activity, item: dict[str, Any], opened: Opened
) -> int:
    if Submission.objects.filter(
        activity=activity, learner=learner, attempt=item["attempt"]
    ).exists():
        return 0  # this box's own attempt stays
    submission = Submission.objects.create(
        activity=activity,
        learner=learner,
        attempt=item["attempt"],
        status=item["status"],
        text=sanitise(item["text"]) if item["text"] else "",
        statement_accepted=item["statement_accepted"],
        modified_at=_optional_time(item["modified_at"]) or timezone.now(),
        submitted_at=_optional_time(item["submitted_at"]),
    )
    for handed in item["files"]:
        path = opened.files[handed["sha256"]]
        blob, _created = Blob.objects.get_or_create(
            sha256=handed["sha256"], defaults={"size": path.stat().st_size}
        )
        filename = filename_of(handed["filename"]) or handed["sha256"][:12]
        SubmissionFile.objects.create(
            submission=submission,
            blob=blob,
            filename=filename,
            mimetype=filetypes.of_file(
                path, filename
            ).mimetype,  # from the content, never the file's word
            size=blob.size,
        )
    return 1
