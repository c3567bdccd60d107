"""On the hub: what goes back to the university's Moodle, gathered from the applied work.

A box learner's grade for an activity is the latest of two: the one the box sent (a quiz's, or
a box teacher's: a received ``grade`` entry) and the one the hub's teacher gave (a ``Grade`` row
of the learner's university account, matched by username). Learners are named in the
university's terms through ``Learner`` (idnumber, username, e-mail); a box learner not matched
yet is counted, never guessed. The writers themselves are pure (``exchange.moodle``)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course
from cartable.exchange.models import Learner, ReceivedEntry
from cartable.exchange.moodle.assign import (
    FeedbackFile,
    Marked,
    WorksheetHeaders,
    online_text,
    participant_number,
)
from cartable.exchange.moodle.grades import GradeRow
from cartable.grades.bounds import bounded
from cartable.grades.models import Grade
from cartable.lib.html import text_of

# Moodle's worksheet headers in the languages the hub knows (Moodle's own strings: mod_assign
# recordid, grade, lastmodifiedgrade; assignfeedback_comments pluginname; core fullname,
# email, idnumber).
WORKSHEETS = {
    "en": (
        WorksheetHeaders(),
        {"name": "Full name", "email": "Email address", "idnumber": "ID number"},
    ),
    "fr": (
        WorksheetHeaders(
            identifier="Identifiant",
            grade="Note",
            modified="Dernière modification (note)",
            feedback="Feedback par commentaires",
        ),
        {
            "name": "Nom complet",
            "email": "Adresse de courriel",
            "idnumber": "Numéro d'identification",
        },
    ),
}


@dataclass(frozen=True)
class Given:
    """One box learner's grade for one activity, whoever gave it last."""

    learner: Learner
    activity_key: str
    score: Decimal | None
    feedback: str
    at: datetime


@dataclass
class Gathered:
    grades: list[Given] = field(default_factory=list)
    unmatched: set[tuple[str, str]] = field(default_factory=set)  # (box, box username)


def _score(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return Decimal(str(round(float(value), 5)))


def _when(text: Any, fallback: datetime) -> datetime:
    try:
        found = datetime.fromisoformat(str(text))
    except ValueError:
        return fallback
    return found if found.tzinfo is not None else fallback


class _Scales:
    """Each activity's scale, read once: a grade on a scale goes to Moodle as the item's
    position counted from 1, the number Moodle stores (importers.moodle.scales)."""

    def __init__(self, course: Course) -> None:
        self.course = course
        self.by_key: dict[str, Any] = {}

    def position(self, activity_key: str, item: Any) -> Decimal | None:
        if not isinstance(item, str) or not item.strip():
            return None
        if activity_key not in self.by_key:
            activity = (
                Activity.objects.filter(course=self.course, source_key=activity_key)
                .only("kind", "data")
                .first()
            )
            data = kind_of(activity.kind).read(activity.data) if activity is not None else None
            self.by_key[activity_key] = getattr(data, "scale", None)
        scale = self.by_key[activity_key]
        value = scale.value_of(item) if scale is not None else None
        return Decimal(value) if value is not None else None


def _scored(payload: dict[str, Any], key: str, scales: _Scales) -> Decimal | None:
    """A received grade's score: its points, else its scale item's position (the box's
    ``scale_value``, else the item found on the hub's copy of the activity's scale). Points
    beyond 0 and their maximum (a box before its gradebook bounded them: a quiz with
    certainty-based marking) are brought within them, as Moodle's gradebook would."""
    points, maximum = _score(payload.get("grade")), _score(payload.get("max"))
    if points is not None and maximum is not None and maximum > 0:
        points = _score(bounded(float(points), float(maximum)))
    score = points
    if score is not None:
        return score
    value = payload.get("scale_value")
    if type(value) is int and value >= 1:
        return Decimal(value)
    return scales.position(key, payload.get("scale_item"))


def _of_course(course: Course) -> Any:
    return ReceivedEntry.objects.filter(
        payload__course__source=course.source, payload__course__id=course.source_id
    ).select_related("peer")


def learners() -> tuple[dict[tuple[int, str], Learner], dict[str, Learner]]:
    """Every box's matched learners, by (box, box username) and by university username."""
    by_box: dict[tuple[int, str], Learner] = {}
    by_username: dict[str, Learner] = {}
    for learner in Learner.objects.select_related("peer").order_by("pk"):
        by_box[(learner.peer_id, learner.box_username)] = learner
        if learner.username:
            by_username.setdefault(learner.username, learner)
    return by_box, by_username


def gather(course: Course, activity: Activity | None = None) -> Gathered:
    """The latest grade of each matched box learner for each graded activity of ``course``
    (or of ``activity`` alone)."""
    by_box, by_username = learners()
    latest: dict[tuple[int, str], Given] = {}
    gathered = Gathered()
    scales = _Scales(course)

    def keep(given: Given) -> None:
        key = (given.learner.pk, given.activity_key)
        if key not in latest or latest[key].at <= given.at:
            latest[key] = given

    received = _of_course(course).filter(kind="grade").order_by("peer_id", "entry_id")
    if activity is not None:
        received = received.filter(payload__activity__key=activity.source_key)
    for entry in received.iterator(chunk_size=500):
        payload = entry.payload
        if "max" not in payload:  # feedback files only: no grade in it
            continue
        box_username = str((payload.get("user") or {}).get("username", ""))
        learner = by_box.get((entry.peer_id, box_username))
        if learner is None:
            gathered.unmatched.add((entry.peer.name, box_username))
            continue
        key = str((payload.get("activity") or {}).get("key", ""))
        keep(
            Given(
                learner=learner,
                activity_key=key,
                score=_scored(payload, key, scales),
                feedback=str(payload.get("feedback") or ""),
                at=_when(payload.get("graded_at"), entry.created_at),
            )
        )
    own = Grade.objects.filter(course=course, user__username__in=list(by_username)).select_related(
        "activity", "user"
    )
    if activity is not None:
        own = own.filter(activity=activity)
    for grade in own:
        if grade.graded_at is None:
            continue
        keep(
            Given(
                learner=by_username[grade.user.username],
                activity_key=grade.activity.source_key,
                score=_score(grade.grade)
                if grade.grade is not None
                else scales.position(grade.activity.source_key, grade.scale_item),
                feedback=text_of(grade.feedback),
                at=grade.graded_at,
            )
        )
    # Given to an account the hub made for a box's learner not matched (exchange.hubwork):
    # not the university's account of anyone yet.
    made = Grade.objects.filter(
        course=course, user__box_account__isnull=False, graded_at__isnull=False
    )
    if activity is not None:
        made = made.filter(activity=activity)
    gathered.unmatched.update(
        made.values_list("user__box_account__peer__name", "user__box_account__box_username")
    )
    gathered.grades = sorted(
        latest.values(), key=lambda g: (g.activity_key, g.learner.box_username)
    )
    return gathered


def grade_rows(course: Course, gathered: Gathered) -> list[GradeRow]:
    """What Moodle's grade imports read: the hub's copy of each activity names its grade item
    (its idnumber, else its course module's, which Moodle keeps the same)."""
    activities = {
        a.source_key: a for a in Activity.objects.filter(course=course).exclude(source_key="")
    }
    rows = []
    for given in gathered.grades:
        activity = activities.get(given.activity_key)
        rows.append(
            GradeRow(
                item_idnumber=(activity.grade_idnumber or activity.idnumber) if activity else "",
                item_name=activity.title if activity else given.activity_key,
                user_idnumber=given.learner.idnumber,
                username=given.learner.username,
                email=given.learner.email,
                score=given.score,
                feedback=given.feedback,
            )
        )
    return rows


# --- The offline grading worksheet ------------------------------------------------------------


@dataclass(frozen=True)
class Worksheet:
    headers: WorksheetHeaders
    columns: dict[str, str]  # name, email, idnumber: the header of each, when present
    rows: list[dict[str, str]]


class NotAWorksheet(ValueError):
    pass


def read_worksheet(text: str) -> Worksheet:
    """The teacher's downloaded worksheet, its language told by its headers."""
    table = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"))))
    if not table:
        raise NotAWorksheet("empty")
    names = [name.strip() for name in table[0]]
    for headers, others in WORKSHEETS.values():
        if headers.identifier in names:
            columns = {key: header for key, header in others.items() if header in names}
            rows = [dict(zip(names, row, strict=False)) for row in table[1:]]
            return Worksheet(headers, columns, rows)
    raise NotAWorksheet(", ".join(names))


def participants(sheet: Worksheet) -> dict[int, tuple[int, str]]:
    """Each learner of ``Learner`` found in the worksheet (by ID number, else e-mail): their
    participant number and full name, by learner id."""
    found: dict[int, tuple[int, str]] = {}
    by_idnumber: dict[str, Learner] = {}
    by_email: dict[str, Learner] = {}
    for known in Learner.objects.order_by("pk"):
        if known.idnumber:
            by_idnumber.setdefault(known.idnumber.strip(), known)
        if known.email:
            by_email.setdefault(known.email.strip().lower(), known)
    for row in sheet.rows:
        number = participant_number(row.get(sheet.headers.identifier, ""))
        if number is None:
            continue
        learner: Learner | None = None
        if "idnumber" in sheet.columns:
            learner = by_idnumber.get(row.get(sheet.columns["idnumber"], "").strip())
        if learner is None and "email" in sheet.columns:
            learner = by_email.get(row.get(sheet.columns["email"], "").strip().lower())
        if learner is not None:
            found[learner.pk] = (number, row.get(sheet.columns.get("name", ""), "").strip())
    return found


def marks(sheet: Worksheet, gathered: Gathered) -> tuple[dict[str, Marked], int]:
    """The worksheet's marks by identifier, and how many grades found no row in it."""
    numbers = participants(sheet)
    found: dict[str, Marked] = {}
    missing = 0
    for given in gathered.grades:
        place = numbers.get(given.learner.pk)
        if place is None:
            missing += 1
            continue
        found[f"Participant {place[0]}"] = Marked(given.score, given.feedback)
    return found, missing


# --- Submissions, as Moodle's "download all submissions" ------------------------------------


def submitted(activity: Activity) -> Iterator[tuple[Learner | None, str, dict[str, Any]]]:
    """Each box learner's latest submission of ``activity`` received: (learner or None when
    not matched, box username, payload)."""
    by_box, _by_username = learners()
    latest: dict[tuple[int, str], ReceivedEntry] = {}
    for entry in (
        _of_course(activity.course)
        .filter(kind="submission", payload__activity__key=activity.source_key)
        .order_by("entry_id")
    ):
        user = str((entry.payload.get("user") or {}).get("username", ""))
        latest[(entry.peer_id, user)] = entry
    for (peer_id, user), entry in sorted(latest.items()):
        yield by_box.get((peer_id, user)), user, entry.payload


def submission_files(
    activity: Activity, numbers: dict[int, tuple[int, str]], opener: Any
) -> tuple[list[FeedbackFile], int]:
    """The files of the zip (online text and files, under each learner's participant number)
    and how many submissions found no participant number (not matched, or not in the
    worksheet)."""
    files: list[FeedbackFile] = []
    left_out = 0
    for learner, _user, payload in submitted(activity):
        place = numbers.get(learner.pk) if learner is not None else None
        if place is None:
            left_out += 1
            continue
        number, name = place
        name = name or (learner.username if learner else "")
        html = payload.get("text_html")
        if isinstance(html, str) and html.strip():
            files.append(online_text(name, number, html))
        for item in payload.get("files") or []:
            if isinstance(item, dict) and "sha256" in item:
                files.append(
                    FeedbackFile(
                        name, number, str(item.get("filename") or "file"), opener(item["sha256"])
                    )
                )
    return files, left_out


def feedback_files(
    activity: Activity, numbers: dict[int, tuple[int, str]], opener: Any
) -> list[FeedbackFile]:
    """The feedback files of each matched learner found in the worksheet, for Moodle's
    "upload multiple feedback files in a zip": those the hub's teacher left, else the latest
    the box's teacher did."""
    by_box, by_username = learners()
    chosen: dict[int, list[tuple[str, str]]] = {}
    for entry in (
        _of_course(activity.course)
        .filter(kind="grade", payload__activity__key=activity.source_key)
        .order_by("entry_id")
    ):
        files = entry.payload.get("feedback_files")
        user = str((entry.payload.get("user") or {}).get("username", ""))
        learner = by_box.get((entry.peer_id, user))
        if learner is not None and isinstance(files, list):
            chosen[learner.pk] = [
                (str(f["sha256"]), str(f.get("filename") or "file"))
                for f in files
                if isinstance(f, dict) and "sha256" in f
            ]
    own = Grade.objects.filter(
        activity=activity, user__username__in=list(by_username)
    ).prefetch_related("files")
    for grade in own.select_related("user"):
        files = list(grade.files.all())
        if files:
            chosen[by_username[grade.user.username].pk] = [(f.blob_id, f.filename) for f in files]
    made = []
    for learner_pk, files in sorted(chosen.items()):
        place = numbers.get(learner_pk)
        if place is None:
            continue
        for sha, filename in files:
            made.append(FeedbackFile(place[1] or "-", place[0], filename, opener(sha)))
    return made
