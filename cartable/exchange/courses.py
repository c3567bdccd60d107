"""Course bundles (hub → box): which course goes to which box, what a course bundle carries,
and how a box applies one.

On the hub, staff offer a course to a box (``offer``, ``withdraw``). A course bundle carries, in
its ``courses.json`` member, each offered course's structure as the import pipeline stages it
(``ingest.staging.StagedCourse``, rebuilt from the hub's live rows) and the list of every
content file they use (SHA-256, size); its other members are only the files the box has not
confirmed holding (``PeerBlob``, from the box's acknowledgements): a one-file change to a
course ships one file. On the box, every check comes first (the caller's: frame, signature,
recipient, sequence; then here: the structure, the file names, the sizes, every file either
held or carried), then the files go to the content store (checked against their hash), then
one transaction hands each course to the import's own saving: a new course, or an update,
waits for staff's review as any import does."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cartable.accounts.models import User
from cartable.audit.actions import record
from cartable.catalog import blobs
from cartable.catalog.kinds import KINDS
from cartable.catalog.models import (
    Activity,
    Blob,
    Course,
    CourseFile,
    Question,
    QuestionCategory,
    Section,
)
from cartable.exchange.models import CourseOffer, Exchange, Peer, PeerBlob
from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError
from cartable.importers import model
from cartable.importers.jsonable import JsonShapeError, from_json
from cartable.importers.moodle.activities import LATEST_UNTIL
from cartable.importers.questionfiles.ids import from_question_file, is_question_file_component
from cartable.importers.report import FileStats, ImportReport
from cartable.ingest import imports
from cartable.ingest.apply import ACTIVITY_CONTENT_FIELDS, QUESTION_CONTENT_FIELDS
from cartable.ingest.staging import (
    StagedActivity,
    StagedCategory,
    StagedCourse,
    StagedFile,
    StagedQuestion,
    StagedSection,
)
from cartable.lib import crash
from cartable.lib.blobstore import BlobError

COURSES = "courses.json"
BLOBS = "blobs/"
FORMAT = 1
MAX_COURSES = 256 * 1024 * 1024  # the structure of every offered course, as JSON
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")
_FILENAME = re.compile(r"\A[^/\\\x00-\x1f]{1,255}\Z")
_CATEGORY_FIELDS = ("name", "info", "parent_source_id", "position")


class Refused(Exception):
    """An offer refused, with the sentence to show."""


# --- Offers (on the hub) --------------------------------------------------------------------


def offerable() -> QuerySet[Course]:
    """The hub's courses that can be offered: imported from the university's Moodle, not
    retired (the rule ``offer`` applies)."""
    return Course.objects.exclude(status=Course.Status.RETIRED).exclude(source_id="")


def offer(*, actor: User | None, peer: Peer, course: Course) -> CourseOffer:
    """Offer ``course`` to the box ``peer``: its next course bundles carry it."""
    if peer.role != Peer.Role.BOX:
        raise Refused(_("Courses are offered to a box; %(peer)s is a hub.") % {"peer": peer.name})
    if course.status == Course.Status.RETIRED:
        raise Refused(
            _("%(course)s is retired: it cannot be offered.") % {"course": course.shortname}
        )
    if course.source_id == "":
        raise Refused(
            _("%(course)s was not imported from the university’s Moodle: it cannot be offered.")
            % {"course": course.shortname}
        )
    with transaction.atomic():
        found, created = CourseOffer.objects.select_for_update().get_or_create(
            peer=peer,
            course=course,
            defaults={"offered_by": actor, "offered_at": timezone.now()},
        )
        if not created and found.withdrawn_at is None:
            raise Refused(
                _("%(course)s is offered to %(peer)s already.")
                % {"course": course.shortname, "peer": peer.name}
            )
        if not created:
            found.offered_by, found.offered_at = actor, timezone.now()
            found.withdrawn_by, found.withdrawn_at = None, None
            found.save()
        record(
            "exchange.course_offered",
            actor=actor,
            target=course,
            details={"peer": peer.name, "course": course.shortname},
        )
    return found


def withdraw(*, actor: User | None, peer: Peer, course: Course) -> CourseOffer:
    """Stop sending ``course`` to ``peer`` (the box keeps what it received)."""
    with transaction.atomic():
        found = (
            CourseOffer.objects.select_for_update()
            .filter(peer=peer, course=course, withdrawn_at__isnull=True)
            .first()
        )
        if found is None:
            raise Refused(
                _("%(course)s is not offered to %(peer)s.")
                % {"course": course.shortname, "peer": peer.name}
            )
        found.withdrawn_by, found.withdrawn_at = actor, timezone.now()
        found.save(update_fields=["withdrawn_by", "withdrawn_at"])
        record(
            "exchange.course_withdrawn",
            actor=actor,
            target=course,
            details={"peer": peer.name, "course": course.shortname},
        )
    return found


def resend_all(*, actor: User | None, peer: Peer) -> int:
    """Forget which files the box confirmed holding: its next course bundle carries every
    file (after a box lost files, or refused a bundle for missing files). The number
    forgotten."""
    if peer.role != Peer.Role.BOX:
        raise Refused(_("Courses are offered to a box; %(peer)s is a hub.") % {"peer": peer.name})
    with transaction.atomic():
        count, _kinds = PeerBlob.objects.filter(peer=peer).delete()
        # Online, the course bundle kept for the box is no longer the one to serve.
        Peer.objects.filter(pk=peer.pk).update(courses_resent_at=timezone.now())
        record(
            "exchange.course_files_forgotten",
            actor=actor,
            target=peer,
            details={"peer": peer.name, "files": count},
        )
    return count


def offered(peer: Peer) -> list[Course]:
    return [
        item.course
        for item in CourseOffer.objects.filter(peer=peer, withdrawn_at__isnull=True)
        .select_related("course")
        .order_by("course__shortname", "course_id")
    ]


# --- The hub's course, as the import stages it ----------------------------------------------


def staged_from_live(course: Course) -> StagedCourse:
    """The hub's live course as the staged version an import of it would give: its sections,
    activities (not retired, not rejected by the hub's staff), question bank and file list.
    What question files added on the hub stays on the hub."""
    sections = {
        row.pk: row for row in Section.objects.filter(course=course, retired_at__isnull=True)
    }
    activities = (
        Activity.objects.filter(course=course, retired_at__isnull=True)
        .exclude(review_status=Activity.Review.REJECTED)
        .order_by("section__position", "position", "pk")
    )
    staged_activities = []
    keys: dict[int, str] = {}
    for row in activities:
        section = sections.get(row.section_id)
        keys[row.pk] = row.source_key
        staged_activities.append(
            StagedActivity(
                key=row.source_key,
                section=section.source_key if section else "",
                position=row.position,
                fingerprint=row.fingerprint,
                fields={name: _plain(getattr(row, name)) for name in ACTIVITY_CONTENT_FIELDS},
            )
        )
    categories = {
        row.pk: row
        for row in QuestionCategory.objects.filter(course=course, retired_at__isnull=True)
        if not from_question_file(row.source_id)
    }
    questions = [
        StagedQuestion(
            source_id=row.source_id,
            category=categories[row.category_id].source_id,
            fingerprint=row.fingerprint,
            fields={name: getattr(row, name) for name in QUESTION_CONTENT_FIELDS},
        )
        for row in Question.objects.filter(course=course, retired_at__isnull=True).order_by("pk")
        if row.category_id in categories and not from_question_file(row.source_id)
    ]
    files = [
        StagedFile(
            source_id=row.pk,
            sha256=row.blob_id,
            size=row.blob.size,
            filename=row.filename,
            filepath=row.filepath,
            mimetype=row.mimetype,
            component=row.component,
            filearea=row.filearea,
            itemid=row.itemid,
            owner=keys.get(row.activity_id, "") if row.activity_id else "",
            section=sections[row.section_id].source_key
            if row.section_id in sections and not row.activity_id
            else "",
        )
        for row in CourseFile.objects.filter(course=course).select_related("blob").order_by("pk")
        if not is_question_file_component(row.component)
        and (row.activity_id is None or row.activity_id in keys)
    ]
    return StagedCourse(
        source=course.source,
        source_id=course.source_id,
        shortname=course.shortname,
        fields={
            "title": course.title,
            "summary": course.summary,
            "format": course.format,
            "language": course.language,
            "source_url": course.source_url,
            "source_release": course.source_release,
            "start_date": course.start_date.isoformat() if course.start_date else None,
            "end_date": course.end_date.isoformat() if course.end_date else None,
        },
        risks=list(course.risks or []),
        partial=False,
        sections=tuple(
            StagedSection(
                key=row.source_key,
                position=row.position,
                title=row.title,
                summary=row.summary,
                visible=row.visible,
                availability=row.availability,
            )
            for row in sorted(sections.values(), key=lambda row: (row.position, row.pk))
        ),
        activities=tuple(staged_activities),
        categories=tuple(
            StagedCategory(
                source_id=row.source_id,
                fields={name: getattr(row, name) for name in _CATEGORY_FIELDS},
            )
            for row in sorted(categories.values(), key=lambda row: (row.position, row.pk))
        ),
        questions=tuple(questions),
        files=tuple(files),
    )


def _plain(value: Any) -> Any:
    return value.isoformat() if hasattr(value, "isoformat") else value


# --- Writing a course bundle (on the hub) ---------------------------------------------------


def members(peer: Peer, folder: Path) -> tuple[list[bundle.Member], int, int]:
    """The members of ``peer``'s next course bundle, ``courses.json`` written in ``folder``:
    the offered courses' structure and every file they use, and the files the box has not
    confirmed holding. Returns the members, the number of courses and of files carried."""
    from cartable.exchange.actions import Refused as ExportRefused

    courses = offered(peer)
    if not courses:
        raise ExportRefused(_("No course is offered to %(peer)s.") % {"peer": peer.name})
    staged = [staged_from_live(course) for course in courses]
    wanted: set[str] = set()
    for item in staged:
        wanted |= item.blobs()
    ordered = sorted(wanted)
    sizes: dict[str, int] = {}
    held: set[str] = set()
    for start in range(0, len(ordered), 500):  # a large course: a query per 500 files
        some = ordered[start : start + 500]
        sizes.update(Blob.objects.filter(sha256__in=some).values_list("sha256", "size"))
        held.update(
            PeerBlob.objects.filter(peer=peer, sha256__in=some).values_list("sha256", flat=True)
        )
    store = blobs.store()
    for sha in sorted(wanted):
        if not store.exists(sha):
            raise ExportRefused(
                _("A course file is missing from the content store: %(sha)s.") % {"sha": sha}
            )
        if sha not in sizes:
            sizes[sha] = store.size(sha)
    path = folder / COURSES
    with path.open("w", encoding="utf-8") as out:
        json.dump(
            {
                "format": FORMAT,
                "courses": [item.to_json() for item in staged],
                "files": [{"sha256": sha, "size": sizes[sha]} for sha in sorted(wanted)],
            },
            out,
            ensure_ascii=False,
            sort_keys=True,
        )
    carried = sorted(wanted - held)
    result = [bundle.member_from_path(COURSES, path)]
    result += [
        bundle.Member(BLOBS + sha, sizes[sha], sha, partial(store.open, sha)) for sha in carried
    ]
    return result, len(staged), len(carried)


# --- Acknowledgements: which files the box holds --------------------------------------------


def pending_blobs(peer: Peer) -> list[str]:
    """On the box: the files of that hub's course bundles not yet reported as held."""
    if peer.role != Peer.Role.HUB:
        return []
    return sorted(
        PeerBlob.objects.filter(peer=peer, ack_pending=True).values_list("sha256", flat=True)
    )


def reported(peer: Peer, hashes: list[str]) -> None:
    """On the box, in the acknowledgement's transaction: these files were reported."""
    for start in range(0, len(hashes), 500):
        PeerBlob.objects.filter(peer=peer, sha256__in=hashes[start : start + 500]).update(
            ack_pending=False
        )


def held_in_ack(data: Any) -> list[str]:
    """The ``blobs`` of an acknowledgement (absent: none), checked."""
    if not isinstance(data, dict):
        return []
    held = data.get("blobs", [])
    if not isinstance(held, list) or any(
        not isinstance(sha, str) or not _DIGEST.match(sha) for sha in held
    ):
        raise BundleError("bad_content", "not a list of content hashes", kind="ack")
    return held


def confirm(peer: Peer, hashes: Iterable[str]) -> int:
    """On the hub, in the acknowledgement's transaction: the box holds these files."""
    if peer.role != Peer.Role.BOX:
        return 0
    rows = [PeerBlob(peer=peer, sha256=sha) for sha in sorted(set(hashes))]
    PeerBlob.objects.bulk_create(rows, ignore_conflicts=True, batch_size=1000)
    return len(rows)


# --- Applying a course bundle (on the box) --------------------------------------------------


@dataclass(frozen=True)
class CourseBundle:
    courses: list[StagedCourse]
    files: dict[str, int]  # every file the courses use: hash -> size
    carried: list[bundle.MemberInfo]


def _refuse(code: str, detail: str, **params: Any) -> BundleError:
    return BundleError(code, detail, kind="course", **params)


def _text(value: Any, limit: int, what: str) -> str:
    if not isinstance(value, str) or len(value) > limit:
        raise _refuse("course_invalid", f"{what} is not a text of at most {limit} characters")
    return value


def _number(value: Any, what: str, *, optional: bool = False, least: int | None = None) -> None:
    if optional and value is None:
        return
    if type(value) is not int or (least is not None and value < least):
        raise _refuse("course_invalid", f"{what} is not a number")


def _risks(value: Any, what: str) -> None:
    """What the review shows staff: a list of findings (kind, detail, and where)."""
    if not isinstance(value, list) or any(
        not isinstance(row, dict)
        or not isinstance(row.get("kind"), str)
        or not isinstance(row.get("detail", ""), str)
        or not isinstance(row.get("where", ""), str)
        or not isinstance(row.get("where_text", {}), dict)
        for row in value
    ):
        raise _refuse("course_invalid", f"{what}: findings are not a list of findings")


def _check_file(item: StagedFile) -> None:
    if not isinstance(item.sha256, str) or not _DIGEST.match(item.sha256):
        raise _refuse("course_invalid", f"a file has a wrong hash: {item.sha256!r}")
    name, folder = item.filename, item.filepath
    if (
        not isinstance(name, str)
        or not _FILENAME.match(name)
        or name in (".", "..")
        or not isinstance(folder, str)
        or len(folder) > 1024
        or not folder.startswith("/")
        or not folder.endswith("/")
        or "\\" in folder
        or "\x00" in folder
        or any(part in (".", "..") for part in folder.split("/"))
    ):
        raise _refuse("course_unsafe_name", f"unsafe file name {folder!r} {name!r}")
    for value, limit in ((item.mimetype, 127), (item.component, 64), (item.filearea, 64)):
        _text(value, limit, "a file's type, component or area")
    for value in (item.owner, item.section):
        _text(value, 255, "a file's owner")
    if type(item.itemid) is not int or type(item.size) is not int or item.size < 0:
        raise _refuse("course_invalid", "a file's item id or size is not a number")


def _check_activity(item: StagedActivity, kinds: dict[str, Any]) -> None:
    _text(item.key, 100, "an activity's key")
    _text(item.section, 100, "an activity's section")
    if type(item.position) is not int or not isinstance(item.fields, dict):
        raise _refuse("course_invalid", f"activity {item.key}: wrong position or fields")
    # A box from before grade items' hiding was kept sends none: shown, as it was there.
    missing = [
        name
        for name in ACTIVITY_CONTENT_FIELDS
        if name not in item.fields and name != "grade_hidden"
    ]
    if missing:
        raise _refuse("course_invalid", f"activity {item.key} lacks {', '.join(missing)}")
    kind = kinds.get(item.fields["kind"])
    if kind is None:
        raise _refuse("course_invalid", f"activity {item.key}: unknown kind")
    fields = item.fields
    _number(item.position, "an activity's position", least=0)
    _number(fields["estimated_minutes"], "an activity's time", least=0)
    _text(fields["title"], 255, "an activity's title")
    _text(fields["mimetype"], 127, "an activity's file type")
    _text(fields["completion_mode"], 8, "an activity's completion")
    _text(item.fingerprint, 64, "an activity's fingerprint")
    for name in ("idnumber", "grade_idnumber"):
        _text(fields[name], 100, f"an activity's {name}")
    hidden = fields.get("grade_hidden", 0)
    _number(hidden, "an activity's grade hiding", least=0)
    if hidden > LATEST_UNTIL:
        raise _refuse("course_invalid", f"activity {item.key}: grade hiding past any date")
    if not isinstance(fields["visible"], bool) or not isinstance(fields["external_links"], list):
        raise _refuse("course_invalid", f"activity {item.key}: visibility or links")
    _risks(fields["risks"], f"activity {item.key}")
    for name in ("intro", "content"):
        _text(fields[name], 1 << 26, f"an activity's {name}")
    _text(fields["filename"], 255, "an activity's file name")
    if fields["filename"] and not _FILENAME.match(fields["filename"]):
        raise _refuse("course_unsafe_name", f"unsafe file name {fields['filename']!r}")
    blob = fields["blob_id"]
    if blob is not None and (not isinstance(blob, str) or not _DIGEST.match(blob)):
        raise _refuse("course_invalid", f"activity {item.key}: wrong file hash")
    try:  # the importer's own model: what the activity's pages read back
        from_json(model.Completion, fields["completion"])
        if kind.data is not None and fields["data"]:
            from_json(kind.data, fields["data"])
    except (JsonShapeError, TypeError, ValueError) as error:
        raise _refuse("course_invalid", f"activity {item.key}: {error}") from error


def _check_course(staged: StagedCourse) -> None:
    if staged.partial or staged.source != "moodle":
        raise _refuse("course_invalid", "not a whole Moodle course")
    if not staged.source_id or len(_text(staged.source_id, 64, "the course's id")) == 0:
        raise _refuse("course_invalid", "the course has no id")
    _text(staged.shortname, 100, "the course's short name")
    _text(staged.fields.get("title"), 255, "the course's title")
    for name, limit in (
        ("summary", 1 << 26),
        ("format", 32),
        ("language", 8),
        ("source_url", 255),
        ("source_release", 64),
    ):
        _text(staged.fields.get(name), limit, f"the course's {name}")
    _risks(staged.risks, "the course")
    if set(staged.fields) - {
        "title",
        "summary",
        "format",
        "language",
        "source_url",
        "source_release",
        "start_date",
        "end_date",
    }:
        raise _refuse("course_invalid", "unknown course fields")
    try:
        staged.course_fields()
    except (TypeError, ValueError) as error:
        raise _refuse("course_invalid", f"a course date: {error}") from error
    for section in staged.sections:
        _text(section.key, 100, "a section's key")
        _text(section.title, 255, "a section's title")
        _text(section.summary, 1 << 26, "a section's summary")
        _number(section.position, "a section's position", least=0)
        if not isinstance(section.visible, bool):
            raise _refuse("course_invalid", "a section's visibility")
    kinds = {kind.name: kind for kind in KINDS.values()}
    for activity in staged.activities:
        _check_activity(activity, kinds)
    for category in staged.categories:
        if type(category.source_id) is not int or set(category.fields) != set(_CATEGORY_FIELDS):
            raise _refuse("course_invalid", "a question category")
        _text(category.fields["name"], 255, "a category's name")
        _text(category.fields["info"], 1 << 26, "a category's description")
        _number(category.fields["parent_source_id"], "a category's parent", optional=True)
        _number(category.fields["position"], "a category's position")
    for question in staged.questions:
        if (
            type(question.source_id) is not int
            or type(question.category) is not int
            or set(question.fields) != set(QUESTION_CONTENT_FIELDS)
        ):
            raise _refuse("course_invalid", "a question")
        fields = question.fields
        _text(fields["name"], 255, "a question's name")
        _text(fields["qtype"], 32, "a question's type")
        _text(fields["status"], 16, "a question's status")
        _text(fields["idnumber"], 100, "a question's idnumber")
        _text(question.fingerprint, 64, "a question's fingerprint")
        for name in ("text", "general_feedback"):
            _text(fields[name], 1 << 26, f"a question's {name}")
        for name in ("bank_entry_id", "version"):
            _number(fields[name], f"a question's {name}", optional=True)
        for name in ("default_mark", "penalty"):
            if isinstance(fields[name], bool) or not isinstance(fields[name], int | float):
                raise _refuse("course_invalid", f"a question's {name} is not a number")
    for item in staged.files:
        _check_file(item)
    keys = [item.key for item in staged.activities]
    if len(set(keys)) != len(keys):
        raise _refuse("course_invalid", "activities repeat")


def read(reader: bundle.Reader) -> CourseBundle:
    """A course bundle's content, checked whole before anything is written."""
    info = reader.manifest.member(COURSES)
    if info is None:
        raise _refuse("bad_content", "no courses.json")
    if info.size > MAX_COURSES:
        raise _refuse("course_too_large", f"courses.json of {info.size} bytes", limit=MAX_COURSES)
    try:
        data = json.loads(b"".join(reader.read(COURSES)).decode("utf-8"))
        listed = data["files"]
        files = {}
        for item in listed:
            sha, size = item["sha256"], item["size"]
            if not isinstance(sha, str) or not _DIGEST.match(sha) or type(size) is not int:
                raise ValueError(f"a listed file: {item!r}")
            files[sha] = size
        if data["format"] != FORMAT or len(files) != len(listed):
            raise ValueError("format, or files listed twice")
        courses = [StagedCourse.from_json(item) for item in data["courses"]]
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as error:
        raise _refuse("course_invalid", f"courses.json: {error}") from error
    for staged in courses:
        _check_course(staged)
        if not staged.blobs() <= set(files):
            raise _refuse("course_invalid", f"{staged.shortname}: a file not in the list")
        for item in staged.files:
            if files[item.sha256] != item.size:
                raise _refuse("course_invalid", f"{item.filename}: two sizes")
    ids = [(item.source, item.source_id) for item in courses]
    if len(set(ids)) != len(ids):
        raise _refuse("course_invalid", "a course is carried twice")
    limit, total = settings.IMPORT_MAX_MEMBER_BYTES, settings.IMPORT_MAX_TOTAL_BYTES
    for sha, size in files.items():
        if size < 0 or size > limit:
            raise _refuse("course_too_large", f"{sha}: {size} bytes", limit=limit)
    if sum(files.values()) > total:
        raise _refuse("course_too_large", "the courses' files", limit=total)
    carried = []
    for info in reader.manifest.members:
        if info.name == COURSES:
            continue
        sha = info.name.removeprefix(BLOBS)
        if info.name != BLOBS + info.sha256 or sha not in files or files[sha] != info.size:
            raise _refuse("course_unlisted_file", f"member {info.name} is not a listed file")
        carried.append(info)
    store = blobs.store()
    have = {info.sha256 for info in carried}
    missing = [sha for sha in files if sha not in have and not store.exists(sha)]
    if missing:
        raise _refuse("course_missing_files", f"{len(missing)} files", count=len(missing))
    return CourseBundle(courses, files, carried)


def apply_course(
    actor: User | None, reader: bundle.Reader, peer: Peer, sha: str, size: int
) -> tuple[Exchange, list[dict[str, Any]]]:
    """Apply a checked course bundle from the hub ``peer``: the files first (idempotent, by
    hash), then one transaction that stages each course as an import would. Returns the
    history row and, for each course, what became of it."""
    from cartable.exchange.actions import _advance, _done, _Stream, apply_parked

    content = read(reader)
    crash.point("apply_checked")
    store = blobs.store()
    for info in content.carried:
        if not store.exists(info.sha256):
            try:
                store.put_stream(
                    io.BufferedReader(_Stream(reader.read(info.name))),
                    expected_sha256=info.sha256,
                )
            except BlobError as error:  # the reader checked the bytes: the store failed
                raise _refuse("tampered", str(error)) from error
    crash.point("apply_stored")
    sequence = reader.manifest.sequence
    assert peer.institution is not None, "a hub has an institution"
    institution = peer.institution.slug
    outcomes = []
    with transaction.atomic():
        peer = _advance(peer, sequence, "course")
        for staged in content.courses:
            try:
                outcome = imports.save_staged(
                    staged,
                    _report(staged),
                    institution=institution,
                    actor=actor,
                    filename=f"{peer.name}-{sequence}.cartable",
                )
            except imports.ImportFailed as error:
                raise _refuse("course_refused", error.message, reason=error.message) from None
            outcomes.append(
                {
                    "course": outcome.course.shortname,
                    "id": outcome.course.pk,
                    "created": outcome.created,
                    "revision": outcome.revision.pk if outcome.revision else None,
                    "changes": outcome.changes.as_json(),
                    # Staff have something to review before learners see it.
                    "waits": outcome.revision is not None or not outcome.course.is_published,
                }
            )
            if not outcomes[-1]["waits"]:  # live as it is: grades waiting for it are given
                apply_parked(actor=actor, course=outcome.course)
        PeerBlob.objects.bulk_create(
            [PeerBlob(peer=peer, sha256=item, ack_pending=True) for item in sorted(content.files)],
            ignore_conflicts=True,
            batch_size=1000,
        )
        done = _done(
            actor,
            peer,
            "course",
            sequence,
            sha,
            size,
            len(content.courses),
            len(content.carried),
        )
        record(
            "exchange.course_bundle_applied",
            actor=actor,
            target=peer,
            details={
                "sequence": sequence,
                "sha256": sha,
                "files": len(content.carried),
                "courses": outcomes,
            },
        )
        crash.point("apply_before_commit")
    crash.point("apply_after_commit")
    return done, outcomes


def _report(staged: StagedCourse) -> ImportReport:
    kinds: dict[str, int] = {}
    for item in staged.activities:
        kinds[str(item.fields["kind"])] = kinds.get(str(item.fields["kind"]), 0) + 1
    qtypes: dict[str, int] = {}
    for question in staged.questions:
        name = str(question.fields["qtype"])
        qtypes[name] = qtypes.get(name, 0) + 1
    sizes = {item.sha256: item.size for item in staged.files}
    return ImportReport(
        format="cartable-course-bundle",
        moodle_release=str(staged.fields.get("source_release") or ""),
        backup_release="",
        backup_type="course",
        course_title=str(staged.fields.get("title") or ""),
        course_shortname=staged.shortname,
        sections=len(staged.sections),
        activities=kinds,
        questions=qtypes,
        files=FileStats(records=len(staged.files), blobs=len(sizes), bytes=sum(sizes.values())),
    )
