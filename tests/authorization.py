"""Helpers for the authorisation matrix (tests/test_authorization_matrix.py): the routes of the
URL configuration, what a response amounts to, a snapshot of the data a refused request must
leave alone, the objects every page is tried on, and ``TARGETS``: for each route and variant of
the matrix, the objects that fill its address and what its POST sends."""

from __future__ import annotations

import dataclasses
import functools
import io
import weakref
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import HttpResponseBase
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cartable.access.models import OpenSession, Rule
from cartable.accounts.models import Cohort, Establishment, Institution, Role, User
from cartable.assessment import actions as quiz_actions
from cartable.assessment import building as quiz_building
from cartable.assessment.models import Attempt, AttemptQuestion, Override
from cartable.assessment.scoring.responses import AttachedFile
from cartable.assignments.models import Extension, Marking, Submission, SubmissionFile
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import (
    Activity,
    Blob,
    Course,
    CourseFile,
    Enrolment,
    Question,
    Section,
)
from cartable.devices import credentials as device_credentials
from cartable.devices.models import (
    CohortDeviceRule,
    Device,
    DeviceGroup,
    DevicePolicy,
    EnrolmentCode,
    Loan,
)
from cartable.exchange.models import CourseOffer as ExchangeOffer
from cartable.exchange.models import Exchange as ExchangeRow
from cartable.exchange.models import Learner as ExchangeLearner
from cartable.exchange.models import Peer as ExchangePeer
from cartable.exchange.models import PeerBlob as ExchangePeerBlob
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.grades.models import FeedbackFile, Grade
from cartable.ingest.apply import ACTIVITY_CONTENT_FIELDS
from cartable.ingest.jobs import KIND as IMPORT_KIND
from cartable.ingest.jobs import QUESTIONS_KIND
from cartable.ingest.models import Revision
from cartable.ingest.staging import StagedActivity, StagedCourse, StagedFile, StagedSection
from cartable.jobs.models import Job
from cartable.learning.models import ActivityProgress, StudyPlanItem, StudyPlanTick
from cartable.messaging.models import Conversation, Message, Policy
from cartable.outbox.models import Entry as OutboxEntry
from cartable.surveys.models import ChoiceAnswer, FeedbackMark, FeedbackResponse
from tests import quizdata
from tests.assignwork import homework
from tests.conftest import PASSWORD, build_course, make_user
from tests.surveys import GOOD_ANSWERS, add_choice, add_feedback

NO_ARGS = "-"  # the variant of a route without parameters (left out of test ids)
WINDOW_POST = {"scope": "establishment", "days": ["0", "1"], "start": "00:00", "end": "00:00"}

# --- Routes -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    name: str  # "namespace:name"; "<unnamed> pattern" for a route without a name
    pattern: str  # the whole pattern, includes joined: "courses/<int:course_id>/"
    params: frozenset[str]  # the names its converters fill


@functools.cache
def project_routes() -> dict[str, Route]:
    """Every route of the URL configuration, walking through includes."""
    found: dict[str, Route] = {}
    for route in _walk(get_resolver().url_patterns, "", "", frozenset()):
        found[route.name] = route
    return found


def _walk(
    patterns: Sequence[URLPattern | URLResolver], prefix: str, namespace: str, params: frozenset
) -> Iterator[Route]:
    for entry in patterns:
        pattern = prefix + str(entry.pattern)
        names = params | frozenset(entry.pattern.regex.groupindex)
        if isinstance(entry, URLResolver):
            inner = namespace
            if entry.namespace:
                inner = f"{namespace}:{entry.namespace}" if namespace else entry.namespace
            yield from _walk(entry.url_patterns, pattern, inner, names)
        elif entry.name is None:
            yield Route(f"<unnamed> {pattern}", pattern, names)
        else:
            name = f"{namespace}:{entry.name}" if namespace else entry.name
            yield Route(name, pattern, names)


# --- Outcomes ---------------------------------------------------------------------------------

LOGIN = "login"  # a redirect to the sign-in page
REDIRECT = "redirect"  # any other redirect
DENIED = "denied"  # 400, 403 or 404: refused, whichever way (only where a fix may choose)
REFUSALS = frozenset({400, 403, 404})

Outcome = int | str


def outcome_of(response: HttpResponseBase) -> Outcome:
    if response.status_code in (301, 302, 303, 307, 308):
        location = response.headers.get("Location", "")
        return LOGIN if location.startswith(reverse(settings.LOGIN_URL)) else REDIRECT
    return response.status_code


def matches(expected: Outcome, actual: Outcome) -> bool:
    if expected == DENIED:
        return actual in REFUSALS
    return expected == actual


def is_refusal(expected: Outcome, persona: str) -> bool:
    """Outcomes after which the request must have changed nothing (signing out also leads to
    the sign-in page: that is a refusal for anonymous visitors only)."""
    if expected == LOGIN:
        return persona == "anonymous"
    return expected == DENIED or expected in REFUSALS or expected == 405


# --- What a refused request must leave alone --------------------------------------------------


def snapshot(viewer: User | None = None) -> dict[str, list[Any]]:
    """The rows people see and change (sessions and sign-in times excluded). ``viewer``: leave
    out that user's progress made by viewing (what a page they open may record).

    The rows are read as the database holds them, by the SQL of ``_tables``' querysets,
    compiled once per database and viewer: the matrix takes two snapshots in each of its
    thousands of tests, and compiling forty querysets each time cost more than its requests."""
    key = (connection.vendor, connection.settings_dict["NAME"], viewer and viewer.pk)
    if key not in _COMPILED:
        _COMPILED[key] = {
            name: queryset.query.get_compiler(using=queryset.db).as_sql()
            for name, queryset in _tables(viewer).items()
        }
    compiled = _COMPILED[key]
    rows: dict[str, list[Any]] = {}
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One statement, one round trip, rather than one a table: each table's rows as
            # PostgreSQL writes them out (a row's text tells NULL from "" and keeps every
            # digit), compared as they are.
            cursor.execute(_prepared(key, compiled, cursor))
            for name, texts in zip(compiled, cursor.fetchone(), strict=True):
                rows[name] = sorted(texts)
            return rows
        for name, (sql, params) in compiled.items():
            cursor.execute(sql, params)
            rows[name] = sorted(map(tuple, cursor.fetchall()), key=repr)
    return rows


# (database, its name, viewer's pk) -> each table's (SQL, parameters), for ``snapshot``.
_COMPILED: dict[tuple[str, str, int | None], dict[str, tuple[str, tuple[Any, ...]]]] = {}


def _prepared(
    key: tuple[str, str, int | None],
    compiled: dict[str, tuple[str, tuple[Any, ...]]],
    cursor: Any,
) -> str:
    """PostgreSQL: ``EXECUTE`` of the statement of ``_one_statement``, prepared once per
    connection. Planning its forty subqueries took 2.9 ms of its 4 on the server, twice in
    each of the matrix's thousands of tests; a prepared statement is planned once (it outlives
    the tests' rolled-back savepoints: prepared statements belong to the session)."""
    prepared = _PREPARED.setdefault(connection.connection, {})
    if key not in prepared:
        name = f"matrix_snapshot_{len(prepared)}"
        sql, params = _one_statement(compiled)
        cursor.execute(f"PREPARE {name} AS {connection.ops.compose_sql(sql, params)}")
        prepared[key] = name
    return f"EXECUTE {prepared[key]}"


# Each PostgreSQL connection's prepared snapshot statements, by the key of ``_COMPILED``.
_PREPARED: weakref.WeakKeyDictionary[Any, dict[tuple[str, str, int | None], str]] = (
    weakref.WeakKeyDictionary()
)


def _one_statement(
    compiled: dict[str, tuple[str, tuple[Any, ...]]],
) -> tuple[str, tuple[Any, ...]]:
    """PostgreSQL: every table's rows, each as an array of their text, in one SELECT."""
    columns = [
        # Django's own compiled SQL, its parameters bound as ever.
        f"ARRAY(SELECT row_text::text FROM ({sql}) AS row_text)"  # noqa: S608
        for sql, _ in compiled.values()
    ]
    params = tuple(param for _, table_params in compiled.values() for param in table_params)
    return "SELECT " + ", ".join(columns), params


def _tables(viewer: User | None) -> dict[str, Any]:
    """The querysets of ``snapshot``, one a table (values_list of the fields it compares)."""
    progress = ActivityProgress.objects.all()
    outbox = OutboxEntry.objects.all()
    if viewer is not None:
        progress = progress.exclude(
            user=viewer, completed_by__in=("", ActivityProgress.Source.VIEW)
        )
        # …and the completion by that view, which the university is told of.
        outbox = outbox.exclude(user=viewer, kind="completion", payload__by="view")
    tables: dict[str, Any] = {
        "users": User.objects.values_list(
            "pk",
            "username",
            "password",
            "is_active",
            "role",
            "establishment_id",
            "first_name",
            "last_name",
            "language",
        ),
        "groups": Cohort.objects.values_list("pk", "name", "establishment_id"),
        "establishments": Establishment.objects.values_list("pk", "slug", "name", "kind"),
        "institutions": Institution.objects.values_list("pk", "slug", "name", "kind"),
        "group members": Cohort.members.through.objects.values_list("cohort_id", "user_id"),
        "enrolments": Enrolment.objects.values_list("user_id", "course_id", "role"),
        "courses": Course.objects.values_list("pk", "status", "published_at"),
        "activities": Activity.objects.values_list("pk", "review_status", "visible"),
        "progress": progress.values_list("user_id", "activity_id", "views", "completed_at"),
        "plan items": StudyPlanItem.objects.values_list("pk", "learner_id", "cohort_id"),
        "plan ticks": StudyPlanTick.objects.values_list("item_id", "learner_id"),
        "jobs": Job.objects.values_list("pk", "status"),
        "outbox": outbox.values_list("pk", "kind"),
        "grades": Grade.objects.values_list("pk", "grade", "feedback"),
        "attempts": Attempt.objects.values_list("pk", "state", "current_page", "grade"),
        "attempt questions": AttemptQuestion.objects.values_list("pk", "state", "actions"),
        "quiz overrides": Override.objects.values_list(
            "pk", "activity_id", "user_id", "cohort_id", "attempts", "time_limit", "password"
        ),
        "submissions": Submission.objects.values_list("pk", "status", "attempt", "text"),
        "submission files": SubmissionFile.objects.values_list("pk", "submission_id"),
        "extensions": Extension.objects.values_list("pk", "due", "reason"),
        "markings": Marking.objects.values_list("pk", "state", "marker_id"),
        "choice answers": ChoiceAnswer.objects.values_list("activity_id", "user_id", "option"),
        "survey responses": FeedbackResponse.objects.values_list("pk", "activity_id"),
        "survey marks": FeedbackMark.objects.values_list("activity_id", "user_id", "responses"),
        "course updates": Revision.objects.values_list("pk", "status", "decisions"),
        "messages": Message.objects.values_list("pk", "status", "decided_by_id", "body"),
        # Opening a conversation marks what it delivered to its reader read, and nothing else.
        "messages read": (
            Message.objects.exclude(recipient=viewer) if viewer is not None else Message.objects
        ).values_list("pk", "read_at"),
        "message rules": Policy.objects.values_list("establishment_id", "moderated"),
        "lockouts": AccessAttempt.objects.values_list(
            "username", "ip_address", "failures_since_start"
        ),
        "devices": Device.objects.values_list(
            "pk", "label", "state", "group_id", "credential_hash", "revoked_at"
        ),
        "device groups": DeviceGroup.objects.values_list("pk", "name", "establishment_id"),
        "enrolment codes": EnrolmentCode.objects.values_list("pk", "used_at"),
        "loans": Loan.objects.values_list("pk", "device_id", "learner_id", "returned_at"),
        "device rules": DevicePolicy.objects.values_list("establishment_id", "enrolled_only"),
        "group device rules": CohortDeviceRule.objects.values_list("cohort_id"),
        "exchange peers": ExchangePeer.objects.values_list("pk", "name", "next_in", "next_out"),
        "exchange history": ExchangeRow.objects.values_list("pk", "result"),
        "exchange learners": ExchangeLearner.objects.values_list("pk", "username"),
        "exchange offers": ExchangeOffer.objects.values_list("pk", "offered_at", "withdrawn_at"),
        "exchange files held": ExchangePeerBlob.objects.values_list("pk", "sha256"),
        # A refusal may log the attempt (access.refused), and nothing else.
        "audit": AuditEvent.objects.exclude(action="access.refused").values_list("pk", "action"),
    }
    return tables


# --- The objects pages are tried on -----------------------------------------------------------

FUTURE = int((datetime.now(UTC) + timedelta(days=3650)).timestamp())
NOT_YET_OPEN = {"op": "&", "c": [{"type": "date", "d": ">=", "t": FUTURE}], "showc": [True]}
# Met since 1 January 2000: the activity's own rule lets everyone in.
OPEN_RULE = {"op": "&", "c": [{"type": "date", "d": ">=", "t": 946684800}], "showc": [True]}
MANUAL = {"tracking": "manual"}


@dataclass
class CourseObjects:
    course: Course
    page: Activity  # a visible page, completed by hand
    resource: Activity  # a visible file activity
    file: CourseFile  # a file the course holds
    hidden: Activity | None = None  # a file activity hidden from learners
    restricted: Activity | None = None  # a file activity not open yet, completed by hand
    pending: Activity | None = None  # a file activity waiting for staff's review
    # A file activity open by its own rule, in a section whose rule is not met yet, completed
    # by hand (the section rule closes it).
    section_rule: Activity | None = None
    choice: Activity | None = None  # a choice (Moodle's), learners answer it
    restricted_choice: Activity | None = None  # a choice not open yet by its access rule
    survey: Activity | None = None  # a survey (Moodle's feedback), anonymous
    restricted_survey: Activity | None = None  # a survey not open yet by its access rule
    restricted_file: CourseFile | None = None  # a PDF the course holds for ``restricted``
    assignment: Activity | None = None  # an assignment, open, without dates
    # A file its learner (learner in ``own``, other_learner in ``others``) handed in, in a
    # draft; and, in ``own``, a feedback file of learner's released grade (in ``others``, of
    # other_learner's grade not released yet).
    handed_in: SubmissionFile | None = None
    feedback_file: FeedbackFile | None = None
    section_rule_file: CourseFile | None = None  # a PDF the course holds for ``section_rule``


MATRIX_CODE = "MATRXABC"  # an enrolment code of ``DeviceObjects.own``, valid for years


@dataclass
class DeviceObjects:
    """Devices of the establishment (``own``: enrolled; ``lent``: lent to learner) and of
    the other one (``others``; ``others_lent``: lent to outsider_learner)."""

    own: Device
    lent: Device
    loan: Loan
    others: Device
    others_lent: Device
    others_loan: Loan


def _device_objects(
    establishment: Establishment, elsewhere: Establishment, learner: User, outsider_learner: User
) -> DeviceObjects:
    now = datetime.now(UTC)
    found = {}
    for name, home in (("own", establishment), ("others", elsewhere)):
        room = DeviceGroup.objects.create(establishment=home, name=f"Salle matrice {name}")
        found[name] = Device.objects.create(
            establishment=home,
            label=f"Tablette matrice {name}",
            group=room,
            credential_hash=device_credentials.digest(f"secret {name}"),
            enrolled_at=now,
        )
        found[f"{name}_lent"] = Device.objects.create(
            establishment=home, label=f"Portable matrice {name}"
        )
    EnrolmentCode.objects.create(
        device=found["own"],
        code_hash=device_credentials.digest(MATRIX_CODE),
        expires_at=now + timedelta(days=3650),
    )

    def lend(device: Device, person: User) -> Loan:
        return Loan.objects.create(
            device=device,
            learner=person,
            checked_out_at=now,
            due_on=(now - timedelta(days=1)).date(),
            condition_out=Loan.Condition.GOOD,
        )

    return DeviceObjects(
        own=found["own"],
        lent=found["own_lent"],
        loan=lend(found["own_lent"], learner),
        others=found["others"],
        others_lent=found["others_lent"],
        others_loan=lend(found["others_lent"], outsider_learner),
    )


@dataclass
class World:
    """Everything the matrix needs, built once for the module.

    Personas are those of tests/conftest.py (same names, same establishments):
    ``learner`` and ``teacher`` are in ``own`` (published); ``other_learner`` is in ``others``
    (published), where none of the other personas is; ``learner`` and ``teacher`` are also
    enrolled in ``unpublished`` (pending review). ``learner`` is in the group ``cohort``.
    ``outsider_learner`` belongs to another establishment, with ``outsider_staff``, and is
    enrolled in ``others``.
    """

    personas: dict[str, User]
    outsider_learner: User
    cohort: Cohort  # learner's group
    other_cohort: Cohort  # another group of the establishment, without learner
    own: CourseObjects
    others: CourseObjects
    unpublished: CourseObjects
    plan_own: StudyPlanItem  # for learner, in own
    plan_group: StudyPlanItem  # for the learner's group, in own
    plan_others: StudyPlanItem  # for other_learner, in others
    plan_unpublished: StudyPlanItem  # for learner, in unpublished
    import_job: Job  # an import queued by staff
    question_job: Job  # a question file queued by staff for ``own``
    other_job: Job  # a job of another kind
    update: Revision  # an update of ``own`` waiting for review: the page's title changes
    unconfirmed: Revision  # a file read as an update of ``own``, waiting for confirmation
    # Quizzes: in ``own`` (with a finished attempt of learner's and one in progress), in
    # ``own`` but not open yet to learners, and in ``others`` (other_learner's attempt).
    quiz_own: Activity | None = None
    quiz_restricted: Activity | None = None
    quiz_others: Activity | None = None
    attempt_own: Attempt | None = None  # learner's, in progress
    attempt_finished: Attempt | None = None  # learner's, finished
    attempt_others: Attempt | None = None  # other_learner's, in progress
    # learner's finished attempt at an essay in ``own``, with a file attached: (attempt, slot,
    # the file's hash)
    essay_file: tuple[Attempt, int, str] | None = None
    # Quizzes built on the box (no attempt yet), in ``own`` and in ``others``.
    built_own: Activity | None = None
    built_others: Activity | None = None
    # A quiz the teacher built in ``own``, waiting for staff's approval: its teachers preview it.
    quiz_pending: Activity | None = None
    # Quiz overrides: learner's on quiz_own, other_learner's on quiz_others.
    override_own: Override | None = None
    override_others: Override | None = None
    grades: dict[str, Grade] = field(default_factory=dict)  # own, others, unreleased
    feedback: dict[str, FeedbackFile] = field(default_factory=dict)  # the same grades' files
    content_root: Path | None = None  # where the blobs above are stored
    home: Path | None = None  # the data folder every case runs on (one box's)
    sessions: dict[str, str] = field(default_factory=dict)  # persona -> session key
    devices: DeviceObjects | None = None


def _file_activity(
    course: Course, title: str, data: bytes, section: Section | None = None, **extra: Any
) -> Activity:
    extra.setdefault("review_status", Activity.Review.APPROVED)
    return Activity.objects.create(
        course=course,
        section=section or course.sections.get(position=0),
        position=50 + course.activities.count(),
        kind=Activity.Kind.RESOURCE,
        title=title,
        blob=_blob(data),
        filename=f"{title.lower()}.pdf",
        mimetype="application/pdf",
        **extra,
    )


def _blob(data: bytes) -> Blob:
    return blobs.add(io.BytesIO(data))


def _essay_file(own: CourseObjects, learner: User) -> tuple[Attempt, int, str]:
    """A finished attempt of learner's at an essay quiz of ``own``, with a file attached."""
    essay = quizdata.essay(source_id=150)
    data = dataclasses.replace(essay.data, attachments=1)  # type: ignore[type-var]
    quiz = quizdata.add_quiz(
        own.course, (dataclasses.replace(essay, data=data),), title="Rédaction"
    )
    attempt = quiz_actions.start(actor=learner, activity=quiz)
    content = b"%PDF-1.4 copie de l'apprenant"
    blob = _blob(content)
    attached = AttachedFile("copie.pdf", len(content), blob.sha256, "application/pdf")
    quiz_actions.save(
        actor=learner,
        attempt=attempt,
        page=0,
        form={"q1:answer": "Ma copie"},
        files={1: (attached,)},
    )
    quiz_actions.finish(actor=learner, attempt=attempt)
    return attempt, 1, blob.sha256


def _essay_download(sha: str | None = None) -> Build:
    def build(w: World) -> Target:
        assert w.essay_file is not None
        attempt, slot, found = w.essay_file
        return Target({"attempt_id": attempt.pk, "slot": slot, "sha256": sha or found})

    return build


def _course_objects(
    institution: Institution, shortname: str, status: str, *, extras: bool = False
) -> CourseObjects:
    course = build_course(institution, shortname, status=status)
    page = course.activities.order_by("section__position", "position").first()
    assert page is not None
    page.completion = MANUAL
    page.completion_mode = "manual"
    page.save(update_fields=["completion", "completion_mode"])
    found = CourseObjects(
        course=course,
        page=page,
        resource=_file_activity(course, "Fiche", f"%PDF-1.4 fiche {shortname}".encode()),
        file=CourseFile.objects.create(
            course=course,
            blob=_blob(f"image of {shortname}".encode()),
            filename="image.png",
            mimetype="image/png",
        ),
    )
    found.choice = add_choice(course, title="Sondage")
    found.survey = add_feedback(course, title="Enquête")
    if extras:
        found.restricted_choice = add_choice(
            course, title="Sondage fermé", position=90, availability=NOT_YET_OPEN
        )
        found.restricted_survey = add_feedback(
            course, title="Enquête fermée", position=91, availability=NOT_YET_OPEN
        )
        found.hidden = _file_activity(
            course, "Corrige", f"%PDF-1.4 corrigé {shortname}".encode(), visible=False
        )
        found.restricted = _file_activity(
            course,
            "Examen",
            f"%PDF-1.4 examen {shortname}".encode(),
            availability=NOT_YET_OPEN,
            completion=MANUAL,
            completion_mode="manual",
        )
        found.pending = _file_activity(
            course,
            "Nouveau",
            f"%PDF-1.4 nouveau {shortname}".encode(),
            review_status=Activity.Review.PENDING,
            completion=MANUAL,
            completion_mode="manual",
        )
        later = Section.objects.create(
            course=course, position=2, title="Plus tard", availability=NOT_YET_OPEN
        )
        found.section_rule = _file_activity(
            course,
            "Chapitre",
            f"%PDF-1.4 chapitre {shortname}".encode(),
            section=later,
            availability=OPEN_RULE,
            completion=MANUAL,
            completion_mode="manual",
        )
        found.restricted_file = _held_pdf(found.restricted)
        found.section_rule_file = _held_pdf(found.section_rule)
    return found


def _held_pdf(activity: Activity) -> CourseFile:
    """The activity's PDF as its course holds it (what a link in a page names)."""
    return CourseFile.objects.create(
        course_id=activity.course_id,
        activity=activity,
        blob_id=activity.blob_id,
        filename=activity.filename,
        mimetype="application/pdf",
    )


def staged_copy(course: Course, *, retitle: Activity) -> dict[str, Any]:
    """The live course as an update would stage it, with one activity's title changed (its
    rows get source keys, as imported rows have)."""
    for section in course.sections.filter(source_key=""):
        section.source_key = f"section-{section.pk}"
        section.save(update_fields=["source_key"])
    for activity in course.activities.filter(source_key=""):
        activity.source_key = f"page-{activity.pk}"
        activity.save(update_fields=["source_key"])
    retitle.refresh_from_db()
    activities = []
    for row in course.activities.select_related("section"):
        fields = {name: getattr(row, name) for name in ACTIVITY_CONTENT_FIELDS}
        fingerprint = row.fingerprint
        if row.pk == retitle.pk:
            fields["title"] = f"{row.title} (version 2)"
            fingerprint = "changed"
        activities.append(
            StagedActivity(
                row.source_key, row.section.source_key, row.position, fingerprint, fields
            )
        )
    return StagedCourse(
        source=course.source,
        source_id=course.source_id,
        shortname=course.shortname,
        fields={name: getattr(course, name) for name in ("title", "summary", "format", "language")},
        risks=[],
        partial=False,
        sections=tuple(
            StagedSection(
                row.source_key, row.position, row.title, row.summary, row.visible, row.availability
            )
            for row in course.sections.all()
        ),
        activities=tuple(activities),
        categories=(),
        questions=(),
        files=tuple(
            StagedFile(
                row.pk,
                row.blob_id,
                0,
                row.filename,
                row.filepath,
                row.mimetype,
                row.component,
                row.filearea,
                row.itemid,
                row.activity.source_key if row.activity else "",
            )
            for row in CourseFile.objects.filter(course=course).select_related("activity")
        ),
    ).to_json()


def build_world() -> World:
    establishment = Establishment.objects.create(slug="maison-centrale", name="Maison centrale")
    elsewhere = Establishment.objects.create(slug="campus-nord", name="Campus nord")
    institution = Institution.objects.create(slug="univ-lille", name="Université de Lille")
    personas = {
        "learner": make_user(
            "lea", Role.LEARNER, establishment, first_name="Léa", last_name="Moreau"
        ),
        "other_learner": make_user(
            "omar", Role.LEARNER, establishment, first_name="Omar", last_name="Haddad"
        ),
        "teacher": make_user(
            "tess", Role.TEACHER, establishment, first_name="Tess", last_name="Roux"
        ),
        "staff": make_user("sam", Role.STAFF, establishment, first_name="Sam", last_name="Girard"),
        "admin": make_user("ada", Role.ADMIN, establishment, first_name="Ada", last_name="Lefèvre"),
        "outsider_staff": make_user("otto", Role.STAFF, elsewhere, first_name="Otto"),
    }
    learner, other_learner, teacher = (personas[k] for k in ("learner", "other_learner", "teacher"))
    outsider_learner = make_user("olga", Role.LEARNER, elsewhere, first_name="Olga")
    cohort = Cohort.objects.create(establishment=establishment, name="DAEU A")
    cohort.members.add(learner)
    other_cohort = Cohort.objects.create(establishment=establishment, name="DAEU B")

    own = _course_objects(institution, "HIST101", Course.Status.PUBLISHED, extras=True)
    others = _course_objects(institution, "SECRET202", Course.Status.PUBLISHED)
    unpublished = _course_objects(institution, "DRAFT303", Course.Status.PENDING_REVIEW)
    # The establishment's staff manage its courses; ``others`` is the box's own.
    Course.objects.filter(pk__in=[own.course.pk, unpublished.course.pk]).update(
        establishment=establishment
    )
    for course in (own.course, unpublished.course):
        Enrolment.objects.create(user=learner, course=course, role=Enrolment.Role.LEARNER)
        Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    Enrolment.objects.create(user=other_learner, course=others.course)
    Enrolment.objects.create(user=outsider_learner, course=others.course)

    # Locked after wrong passwords (unlocking them is a write that refusals must not make);
    # not learner, whom the sign-in page's cell signs in.
    for user in (teacher, personas["staff"], personas["admin"], outsider_learner):
        AccessAttempt.objects.create(
            username=user.username,
            ip_address="10.9.9.9",
            user_agent="Tablette",
            http_accept="*/*",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=settings.AXES_FAILURE_LIMIT,
        )

    for objects, author in ((own, learner), (others, other_learner)):
        objects.assignment = homework(objects.course)
        submission = Submission.objects.create(
            activity=objects.assignment,
            learner=author,
            text="<p>Mon travail</p>",
            modified_at=datetime.now(UTC),
        )
        objects.handed_in = SubmissionFile.objects.create(
            submission=submission,
            blob=_blob(f"%PDF-1.4 copie de {author.username}".encode()),
            filename="copie.pdf",
            mimetype="application/pdf",
            size=30,
        )
    graded = Grade.objects.create(
        course=own.course,
        activity=own.assignment,
        user=learner,
        grade=12,
        max_grade=20,
        source=Grade.Source.ASSIGN,
        released_at=datetime.now(UTC),
    )
    own.feedback_file = FeedbackFile.objects.create(
        grade=graded, blob=_blob(b"%PDF-1.4 corrige"), filename="corrige.pdf"
    )
    # In ``others``, other_learner's grade still held back (a marking workflow before
    # "released"): its feedback file reaches no learner, not even its own.
    held = Grade.objects.create(
        course=others.course,
        activity=others.assignment,
        user=other_learner,
        grade=9,
        max_grade=20,
        source=Grade.Source.ASSIGN,
        released_at=None,
    )
    others.feedback_file = FeedbackFile.objects.create(
        grade=held, blob=_blob(b"%PDF-1.4 corrige en attente"), filename="corrige.pdf"
    )

    def item(objects: CourseObjects, **whom: Any) -> StudyPlanItem:
        return StudyPlanItem.objects.create(
            course=objects.course, activity=objects.page, created_by=teacher, **whom
        )

    quiz_own = quizdata.add_quiz(own.course)
    quiz_restricted = quizdata.add_quiz(own.course, (), title="Examen blanc")
    quiz_restricted.availability = NOT_YET_OPEN
    quiz_restricted.save(update_fields=["availability"])
    quiz_others = quizdata.add_quiz(others.course)
    finished = quiz_actions.start(actor=learner, activity=quiz_own)
    quiz_actions.finish(actor=learner, attempt=finished)
    essay_file = _essay_file(own, learner)
    graded, given = _grades(personas, own, others)
    built = {
        name: quiz_actions.create_quiz(
            actor=personas["staff"],
            course=objects.course,
            section=objects.page.section,
            title="Quiz fait sur la box",
            intro="",
            settings=quiz_building.Settings(questions=(101, 102)),
        )
        for name, objects in (("own", own), ("others", others))
    }
    return World(
        devices=_device_objects(establishment, elsewhere, learner, outsider_learner),
        built_own=built["own"],
        built_others=built["others"],
        quiz_pending=quiz_actions.create_quiz(
            actor=teacher,
            course=own.course,
            section=own.page.section,
            title="Quiz en attente",
            intro="",
            settings=quiz_building.Settings(questions=(101, 102)),
        ),
        quiz_own=quiz_own,
        quiz_restricted=quiz_restricted,
        quiz_others=quiz_others,
        attempt_finished=finished,
        essay_file=essay_file,
        attempt_own=quiz_actions.start(actor=learner, activity=quiz_own),
        attempt_others=quiz_actions.start(actor=other_learner, activity=quiz_others),
        override_own=quiz_actions.set_override(
            actor=teacher, activity=quiz_own, user=learner, attempts=5
        ),
        override_others=quiz_actions.set_override(
            actor=personas["staff"], activity=quiz_others, user=other_learner, attempts=5
        ),
        grades=graded,
        feedback=given,
        personas=personas,
        outsider_learner=outsider_learner,
        cohort=cohort,
        other_cohort=other_cohort,
        own=own,
        others=others,
        unpublished=unpublished,
        plan_own=item(own, learner=learner),
        plan_group=item(own, cohort=cohort),
        plan_others=item(others, learner=other_learner),
        plan_unpublished=item(unpublished, learner=learner),
        import_job=Job.objects.create(
            kind=IMPORT_KIND,
            payload={"filename": "cours.mbz", "size": 10},
            created_by=personas["staff"],
        ),
        question_job=Job.objects.create(
            kind=QUESTIONS_KIND,
            payload={"filename": "questions.gift", "size": 10, "course": own.course.pk},
            created_by=personas["staff"],
        ),
        other_job=Job.objects.create(kind="not-an-import", created_by=personas["staff"]),
        update=Revision.objects.create(
            course=own.course,
            status=Revision.Status.PENDING,
            filename="hist101-v2.mbz",
            staged=staged_copy(own.course, retitle=own.page),
        ),
        unconfirmed=Revision.objects.create(
            course=own.course,
            filename="hist101-v3.mbz",
            staged=staged_copy(own.course, retitle=own.page),
        ),
    )


def _grades(
    personas: dict[str, User], own: CourseObjects, others: CourseObjects
) -> tuple[dict[str, Grade], dict[str, FeedbackFile]]:
    """A quiz in ``own`` and in ``others``, graded: learner's grade (released, with a file),
    other_learner's in ``others`` (released, with a file), learner's unreleased one (with a
    file) on an assignment of ``own``."""
    now = datetime.now(UTC)
    learner, other_learner = personas["learner"], personas["other_learner"]
    grades: dict[str, Grade] = {}
    files: dict[str, FeedbackFile] = {}
    for name, kind, course, person, released in (
        ("own", Activity.Kind.QUIZ, own.course, learner, now),
        ("others", Activity.Kind.QUIZ, others.course, other_learner, now),
        ("unreleased", Activity.Kind.ASSIGN, own.course, learner, None),
    ):
        activity = Activity.objects.create(
            course=course,
            section=course.sections.get(position=0),
            position=90 + course.activities.count(),
            kind=kind,
            title=f"Évaluation {name}",
            review_status=Activity.Review.APPROVED,
            data={"grade": 20},
        )
        grades[name] = Grade.objects.create(
            course=course,
            activity=activity,
            user=person,
            grade=12,
            max_grade=20,
            source=Grade.Source.QUIZ,
            feedback="<p>Bien</p>",
            released_at=released,
        )
        files[name] = FeedbackFile.objects.create(
            grade=grades[name],
            blob=_blob(f"copie corrigée {name}".encode()),
            filename="copie.pdf",
        )
    return grades, files


def _override(course: str, grade: str) -> Build:
    """Changing the grade ``grade`` of the world under the address of course ``course``."""

    def build(w: World) -> Target:
        found = w.grades[grade]
        return Target(
            {
                "course_id": getattr(w, course).course.pk,
                "activity_id": found.activity_id,
                "learner_id": found.user_id,
            },
            {"grade": "15", "release": "on"},
        )

    return build


def _feedback_file(course: str, grade: str) -> Build:
    return lambda w: Target(
        {"course_id": getattr(w, course).course.pk, "file_id": w.feedback[grade].pk}
    )


def _access_rule(user: User) -> Rule:
    """Weekly hours of ``user``'s establishment, open all the time, so that its learners go
    on (made for the test, rolled back after it)."""
    rule, _created = Rule.objects.get_or_create(
        establishment_id=user.establishment_id,
        note="matrix-hours",
        defaults={"kind": Rule.Kind.WEEKLY, "days": 127, "start": time(0), "end": time(0)},
    )
    return rule


def _open_session(user: User) -> OpenSession:
    """A session of ``user``'s, open (made for the test, rolled back after it)."""
    now = datetime.now(UTC)
    key = f"matrix{user.pk:034d}"
    Session.objects.get_or_create(
        session_key=key, defaults={"session_data": "", "expire_date": now + timedelta(hours=1)}
    )
    row, _created = OpenSession.objects.get_or_create(
        session_key=key, defaults={"user": user, "signed_in_at": now}
    )
    return row


# --- What fills each variant's address, and what its POST sends --------------------------------


@dataclass
class Target:
    kwargs: dict[str, Any] = field(default_factory=dict)
    post: dict[str, Any] = field(default_factory=dict)


Build = Callable[[World], Target]


def _account(
    name: str, post: Callable[[World], dict[str, Any]] = lambda w: {}
) -> Callable[[World], Target]:
    """An account route on the account of ``name`` (a persona, or outsider_learner)."""

    def build(w: World) -> Target:
        user = w.outsider_learner if name == "outsider_learner" else w.personas[name]
        return Target({"account_id": user.pk}, post(w))

    return build


def _accounts(
    names: tuple[str, ...], post: Callable[[World], dict[str, Any]] = lambda w: {}
) -> dict[str, Build]:
    return {name: _account(name, post) for name in names}


def _account_ids(name: str) -> Build:
    """The accounts list's bulk action deactivating the account of ``name``."""

    def build(w: World) -> Target:
        user = w.outsider_learner if name == "outsider_learner" else w.personas[name]
        return Target(post={"accounts": [user.pk], "action": "deactivate"})

    return build


def _course(name: str) -> Build:
    return lambda w: Target({"course_id": getattr(w, name).course.pk})


def _activity(course: str, activity: str, post: dict[str, Any] | None = None) -> Build:
    """``activity`` of course ``course`` under the address of course ``course``, or of ``own``
    when ``course`` is ``mismatched``."""

    def build(w: World) -> Target:
        if course == "mismatched":
            address, objects = w.own, w.others
        else:
            address = objects = getattr(w, course)
        return Target(
            {"course_id": address.course.pk, "activity_id": getattr(objects, activity).pk},
            dict(post or {}),
        )

    return build


def _course_file(course: str, held_as: str = "file") -> Build:
    """The file ``held_as`` of course ``course`` (``mismatched``: of ``others``, under the
    address of ``own``)."""

    def build(w: World) -> Target:
        address, objects = (
            (w.own, w.others) if course == "mismatched" else (getattr(w, course),) * 2
        )
        held = getattr(objects, held_as)
        return Target(
            {"course_id": address.course.pk, "sha256": held.blob_id, "name": held.filename}
        )

    return build


def _plan(course: str, learner: str) -> Build:
    def build(w: World) -> Target:
        objects = getattr(w, course)
        return Target(
            {"course_id": objects.course.pk},
            {"activity": objects.page.pk, "learners": [w.personas[learner].pk], "note": "À lire"},
        )

    return build


def _plan_item(name: str) -> Build:
    """Ticking the study-plan item ``plan_<name>`` of the world off."""
    return lambda w: Target({"item_id": getattr(w, f"plan_{name}").pk}, {"done": "1"})


def _csv() -> SimpleUploadedFile:
    return SimpleUploadedFile(
        "comptes.csv", b"username;role\nnouvelle;learner\n", content_type="text/csv"
    )


def _quiz(course: str, name: str) -> Build:
    """The quiz ``quiz_<name>`` under the address of course ``course``."""
    return lambda w: Target(
        {"course_id": getattr(w, course).course.pk, "activity_id": getattr(w, f"quiz_{name}").pk}
    )


def _attempt(name: str, post: dict[str, Any] | None = None, *, page: bool = False) -> Build:
    def build(w: World) -> Target:
        attempt = getattr(w, f"attempt_{name}")
        kwargs: dict[str, Any] = {"attempt_id": attempt.pk}
        if page:
            kwargs["page"] = 1
        return Target(kwargs, dict(post or {}))

    return build


def _quiz_override(course: str, name: str, learner: str) -> Build:
    """The overrides page of quiz ``quiz_<name>`` under the address of course ``course``; the
    POST gives ``learner`` five attempts."""

    def build(w: World) -> Target:
        return Target(
            {
                "course_id": getattr(w, course).course.pk,
                "activity_id": getattr(w, f"quiz_{name}").pk,
            },
            {"target": f"u{w.personas[learner].pk}", "attempts": "5"},
        )

    return build


def _quiz_override_row(course: str, name: str, row: str) -> Build:
    """Removing the override ``override_<row>`` through the quiz ``quiz_<name>`` of ``course``."""

    def build(w: World) -> Target:
        override = getattr(w, f"override_{row}")
        return Target(
            {
                "course_id": getattr(w, course).course.pk,
                "activity_id": getattr(w, f"quiz_{name}").pk,
                "override_id": override.pk,
            }
        )

    return build


def _question(course: str, held_by: str) -> Build:
    """A question of the bank of ``held_by`` under the address of course ``course``."""

    def build(w: World) -> Target:
        held = Question.objects.filter(course=getattr(w, held_by).course).order_by("pk").first()
        assert held is not None
        return Target(
            {"course_id": getattr(w, course).course.pk, "question_id": held.pk},
            {"seed": "abc", "q1:answer": "1"},
        )

    return build


def _assignment(course: str, post: dict[str, Any] | None = None) -> Build:
    return lambda w: Target(
        {
            "course_id": getattr(w, course).course.pk,
            "activity_id": getattr(w, course).assignment.pk,
        },
        dict(post or {}),
    )


def _handed_in(course: str, held: str = "handed_in") -> Build:
    """A file of course ``course``'s assignment (``mismatched``: of ``others``, under the
    address of ``own``'s assignment)."""

    def build(w: World) -> Target:
        address, objects = (
            (w.own, w.others) if course == "mismatched" else (getattr(w, course),) * 2
        )
        return Target(
            {
                "course_id": address.course.pk,
                "activity_id": address.assignment.pk,
                "file_id": getattr(objects, held).pk,
            }
        )

    return build


QUIZ_VARIANTS = {
    "own": _quiz("own", "own"),
    "restricted": _quiz("own", "restricted"),
    "mismatched": _quiz("own", "others"),
    "others": _quiz("others", "others"),
    "not_a_quiz": _activity("own", "page"),
    "pending": _quiz("own", "pending"),
}


def _work_of(course: str, learner: str, post: dict[str, Any] | None = None) -> Build:
    def build(w: World) -> Target:
        objects = getattr(w, course)
        return Target(
            {
                "course_id": objects.course.pk,
                "activity_id": objects.assignment.pk,
                "learner_id": w.personas[learner].pk,
            },
            dict(post or {}),
        )

    return build


LATER = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")


def _build_post(w: World) -> dict[str, Any]:
    """A valid quiz built from questions 101 and 102 of the bank (Moodle's defaults)."""
    return {
        "title": "Quiz du matrix",
        "intro": "<p>Intro</p>",
        "questions": ["101", "102"],
        "questions_per_page": "1",
        "time_limit": "0",
        "attempts": "0",
        "grading_method": "highest",
        "grade": "10",
        "behaviour": "deferredfeedback",
    }


def _build(course: str) -> Build:
    def build(w: World) -> Target:
        objects = getattr(w, course)
        section = objects.page.section_id
        return Target({"course_id": objects.course.pk}, {**_build_post(w), "section": section})

    return build


def _edit(course: str, quiz: str) -> Build:
    """The quiz ``quiz`` (an attribute of the world) under the address of course ``course``."""

    def build(w: World) -> Target:
        objects = getattr(w, course)
        item = getattr(w, quiz)
        post = {**_build_post(w), "section": item.section_id}
        return Target({"course_id": objects.course.pk, "activity_id": item.pk}, post)

    return build


@dataclass
class Letters:
    """Messages for the matrix, made in each test's savepoint: ``delivered`` (learner to
    teacher, delivered without moderation, in their conversation) and ``waiting`` (other_learner
    to teacher, held for the staff's approval: the teacher may not see it yet), each with a
    file attached."""

    delivered: Message
    waiting: Message


def _attached(data: bytes) -> dict[str, Any]:
    return {
        "attachment": _blob(data),
        "attachment_name": "lettre.pdf",
        "attachment_type": "application/pdf",
        "attachment_size": len(data),
    }


def _letters(w: World) -> Letters:
    learner, other, teacher = (w.personas[k] for k in ("learner", "other_learner", "teacher"))
    made = Message.objects.filter(
        body__in=["Je n’ai pas compris l’exercice 3.", "Un message en attente."]
    )
    if len(made) == 2:  # made already in this test
        delivered, waiting = sorted(made, key=lambda message: message.status)
        return Letters(delivered, waiting)
    delivered = Message.objects.create(
        conversation=Conversation.objects.create(learner=learner, teacher=teacher),
        author=learner,
        recipient=teacher,
        course=w.own.course,
        subject="Exercice 3",
        body="Je n’ai pas compris l’exercice 3.",
        status=Message.Status.DELIVERED,
        delivered_at=datetime.now(UTC),
        **_attached(b"%PDF-1.4 lettre de Lea"),
    )
    waiting = Message.objects.create(
        conversation=Conversation.objects.create(learner=other, teacher=teacher),
        author=other,
        recipient=teacher,
        body="Un message en attente.",
        **_attached(b"%PDF-1.4 lettre d'Omar"),
    )
    return Letters(delivered, waiting)


def _conversation(which: str, post: dict[str, Any] | None = None) -> Build:
    def build(w: World) -> Target:
        message = getattr(_letters(w), which)
        return Target({"conversation_id": message.conversation_id}, dict(post or {}))

    return build


def _device(name: str, post: dict[str, Any] | None = None) -> Build:
    """The device ``name`` of the world's devices; a POST's ``learner`` names a persona (or
    outsider_learner), sent as its primary key."""

    def build(w: World) -> Target:
        assert w.devices is not None
        sent = dict(post or {})
        if "learner" in sent:
            who = sent["learner"]
            sent["learner"] = (
                w.outsider_learner.pk if who == "outsider_learner" else w.personas[who].pk
            )
        return Target({"device_id": getattr(w.devices, name).pk}, sent)

    return build


def _device_group(name: str, post: dict[str, Any] | None = None) -> Build:
    """The room of the device ``name`` (it holds that device: deleting it is refused)."""

    def build(w: World) -> Target:
        assert w.devices is not None
        return Target({"group_id": getattr(w.devices, name).group_id}, dict(post or {}))

    return build


def _moderated(which: str, post: dict[str, Any] | None = None) -> Build:
    def build(w: World) -> Target:
        return Target({"message_id": getattr(_letters(w), which).pk}, dict(post or {}))

    return build


def _loan(name: str, post: dict[str, Any] | None = None) -> Build:
    def build(w: World) -> Target:
        assert w.devices is not None
        loan = w.devices.loan if name == "own" else w.devices.others_loan
        return Target({"loan_id": loan.pk}, dict(post or {}))

    return build


def _exchange_peer(world: World, role: str) -> ExchangePeer:
    """A registered peer of the box (its keys made for the test)."""
    public = PrivateIdentity.generate().public
    return ExchangePeer.objects.create(
        name=f"{role}-{public.fingerprint[:4].lower()}",
        role=role,
        signing_key=public.signing.hex(),
        encryption_key=public.encryption.hex(),
        fingerprint=public.fingerprint,
        institution=world.own.course.institution if role == "hub" else None,
    )


def _new_peer_post(world: World) -> dict[str, Any]:
    public = PrivateIdentity.generate().public
    return {
        "name": "hub-sud",
        "role": "box",
        "key": public.text(),
        "fingerprint": public.fingerprint,
    }


TARGETS: dict[str, dict[str, Build]] = {
    "assessment:build": {name: _build(name) for name in ("own", "others", "unpublished")},
    "assessment:edit": {
        "own": _edit("own", "built_own"),
        "imported": _edit("own", "quiz_own"),
        "mismatched": _edit("own", "built_others"),
        "others": _edit("others", "built_others"),
    },
    "assessment:quiz": QUIZ_VARIANTS,
    "assessment:start": QUIZ_VARIANTS,
    "assessment:attempt": {
        "own": _attempt("own", {"q2:answer": "1", "next": "1"}, page=True),
        "finished": _attempt("finished", {"q2:answer": "1"}, page=True),
        "others": _attempt("others", {"q2:answer": "1", "next": "1"}, page=True),
    },
    "assessment:summary": {
        "own": _attempt("own", {"finish": "1"}),
        "finished": _attempt("finished", {"finish": "1"}),
        "others": _attempt("others", {"finish": "1"}),
    },
    "assessment:results": QUIZ_VARIANTS,
    "assessment:grading": {
        "own": _attempt("own", {"slot": "2", "mark": "1"}),
        "finished": _attempt("finished", {"slot": "2", "mark": "1", "comment": "Bien"}),
        "others": _attempt("others", {"slot": "2", "mark": "1"}),
    },
    "assessment:overrides": {
        "own": _quiz_override("own", "own", "learner"),
        "restricted": _quiz_override("own", "restricted", "learner"),
        "mismatched": _quiz_override("own", "others", "other_learner"),
        "others": _quiz_override("others", "others", "other_learner"),
    },
    "assessment:remove_override": {
        "own": _quiz_override_row("own", "own", "own"),
        "mismatched": _quiz_override_row("own", "own", "others"),
        "others": _quiz_override_row("others", "others", "others"),
    },
    "assessment:question_bank": {name: _course(name) for name in ("own", "others", "unpublished")},
    "assessment:question_preview": {
        "own": _question("own", "own"),
        "mismatched": _question("own", "others"),
        "others": _question("others", "others"),
    },
    "assessment:attachment": {
        "finished": _essay_download(),
        "missing": _essay_download("0" * 64),
    },
    "assessment:review": {
        "own": _attempt("own"),
        "finished": _attempt("finished"),
        "others": _attempt("others"),
    },
    "web:home": {NO_ARGS: lambda w: Target()},
    "web:language": {NO_ARGS: lambda w: Target(post={"language": "en", "next": "/"})},
    "web:health": {NO_ARGS: lambda w: Target()},
    "accounts:login": {NO_ARGS: lambda w: Target(post={"username": "lea", "password": PASSWORD})},
    "accounts:logout": {NO_ARGS: lambda w: Target()},
    "accounts:password_change": {
        NO_ARGS: lambda w: Target(
            post={
                "old_password": PASSWORD,
                "new_password1": "un-autre-cheval-42",
                "new_password2": "un-autre-cheval-42",
            }
        )
    },
    "accounts:list": {NO_ARGS: lambda w: Target()},
    "accounts:new": {
        NO_ARGS: lambda w: Target(
            post={"username": "nouvelle", "role": "learner", "first_name": "Nina"}
        )
    },
    "accounts:import": {NO_ARGS: lambda w: Target(post={"file": _csv()})},
    "accounts:groups": {NO_ARGS: lambda w: Target(post={"name": "Nouveau groupe"})},
    "accounts:group_passwords": {
        "own": lambda w: Target({"group_id": w.cohort.pk}),
        "empty": lambda w: Target({"group_id": w.other_cohort.pk}),
    },
    "accounts:establishments": {
        NO_ARGS: lambda w: Target(
            post={"slug": "mc-sud", "name": "Maison centrale sud", "kind": "prison"}
        )
    },
    "accounts:establishment_edit": {
        "own": lambda w: Target(
            {"item_id": w.personas["learner"].establishment_id},
            post={"name": "Nouveau nom", "kind": "prison"},
        )
    },
    "accounts:institutions": {
        NO_ARGS: lambda w: Target(
            post={"slug": "univ-sud", "name": "Université du Sud", "kind": "university"}
        )
    },
    "accounts:institution_edit": {
        "own": lambda w: Target(
            {"item_id": w.own.course.institution_id},
            post={"name": "Nouveau nom", "kind": "school"},
        )
    },
    "accounts:detail": _accounts(("learner", "teacher", "staff", "admin", "outsider_learner")),
    "accounts:reset_password": _accounts(
        ("learner", "teacher", "staff", "admin", "outsider_learner")
    ),
    "accounts:unlock": _accounts(("learner", "teacher", "staff", "admin", "outsider_learner")),
    "accounts:set_active": _accounts(
        ("learner", "staff", "admin", "outsider_learner"), lambda w: {"active": "0"}
    ),
    # Each POST below would change something: a refusal must be seen to leave it as it was.
    "accounts:set_groups": _accounts(
        ("learner", "outsider_learner"), lambda w: {"groups": [w.other_cohort.pk]}
    ),
    "accounts:enrol": {
        "learner": _account("learner", lambda w: {"course": w.others.course.pk}),
        "outsider_learner": _account("outsider_learner", lambda w: {"course": w.own.course.pk}),
    },
    "accounts:unenrol": {
        "learner": lambda w: Target(
            {"account_id": w.personas["learner"].pk, "course_id": w.own.course.pk}
        ),
        "outsider_learner": lambda w: Target(
            {"account_id": w.outsider_learner.pk, "course_id": w.others.course.pk}
        ),
    },
    # People at scale: bulk enrolment, participants, bulk account actions, deadlines.
    "accounts:bulk": {NO_ARGS: _account_ids("learner")},
    "accounts:bulk_enrol": {
        NO_ARGS: lambda w: Target(
            post={
                "course": w.others.course.pk,
                "role": "learner",
                "action": "enrol",
                "group": w.cohort.pk,
                "confirm": "1",
            }
        )
    },
    "accounts:participants": {name: _course(name) for name in ("own", "others", "unpublished")},
    "accounts:deadlines": {NO_ARGS: lambda w: Target()},
    "accounts:learner_deadlines": _accounts(("learner", "staff", "outsider_learner")),
    # Records (cartable/records): a learner's record, closing, portfolio, transfer.
    "records:check": {
        NO_ARGS: lambda w: Target(post={"file": SimpleUploadedFile("p.pdf", b"%PDF-1.4 x")})
    },
    # An import without its file: the form is refused before anything is read.
    "records:import": {NO_ARGS: lambda w: Target(post={"fingerprint": "AAAA"})},
    "records:account": _accounts(("learner", "teacher", "outsider_learner")),
    "records:close": _accounts(
        ("learner", "teacher", "outsider_learner"),
        lambda w: {"reason": "release", "closed_on": "2026-12-03"},
    ),
    "records:portfolio": _accounts(("learner", "teacher", "outsider_learner")),
    "records:export": _accounts(("learner", "teacher", "outsider_learner")),
    "learning:course": {name: _course(name) for name in ("own", "others", "unpublished")},
    "learning:activity": {
        "own": _activity("own", "page"),
        "hidden": _activity("own", "hidden"),
        "pending": _activity("own", "pending"),
        "restricted": _activity("own", "restricted"),
        "section_rule": _activity("own", "section_rule"),
        "mismatched": _activity("mismatched", "page"),
        "others": _activity("others", "page"),
        "unpublished": _activity("unpublished", "page"),
    },
    "learning:mark_done": {
        "own": _activity("own", "page", {"done": "1"}),
        "restricted": _activity("own", "restricted", {"done": "1"}),
        "section_rule": _activity("own", "section_rule", {"done": "1"}),
        "hidden": _activity("own", "hidden", {"done": "1"}),
        "pending": _activity("own", "pending", {"done": "1"}),
        "mismatched": _activity("mismatched", "page", {"done": "1"}),
        "others": _activity("others", "page", {"done": "1"}),
        "unpublished": _activity("unpublished", "page", {"done": "1"}),
    },
    "learning:course_file": {
        **{name: _course_file(name) for name in ("own", "mismatched", "others", "unpublished")},
        "restricted": _course_file("own", "restricted_file"),
        "section_rule": _course_file("own", "section_rule_file"),
    },
    "learning:document": {
        **{name: _course_file(name) for name in ("own", "mismatched", "others", "unpublished")},
        "restricted": _course_file("own", "restricted_file"),
        "section_rule": _course_file("own", "section_rule_file"),
    },
    "learning:activity_file": {
        "own": _activity("own", "resource"),
        "hidden": _activity("own", "hidden"),
        "pending": _activity("own", "pending"),
        "restricted": _activity("own", "restricted"),
        "section_rule": _activity("own", "section_rule"),
        "no_file": _activity("own", "page"),
        "mismatched": _activity("mismatched", "resource"),
        "others": _activity("others", "resource"),
        "unpublished": _activity("unpublished", "resource"),
    },
    "learning:learners": {name: _course(name) for name in ("own", "others", "unpublished")},
    "learning:plan": {
        "own": _plan("own", "learner"),
        "others": _plan("others", "other_learner"),
        "unpublished": _plan("unpublished", "learner"),
    },
    "learning:plan_remove": {
        "own": lambda w: Target({"course_id": w.own.course.pk, "item_id": w.plan_own.pk}),
        "mismatched": lambda w: Target({"course_id": w.own.course.pk, "item_id": w.plan_others.pk}),
        "others": lambda w: Target({"course_id": w.others.course.pk, "item_id": w.plan_others.pk}),
    },
    "learning:plan_tick": {
        name: _plan_item(name) for name in ("own", "group", "others", "unpublished")
    },
    "messaging:inbox": {NO_ARGS: lambda w: Target()},
    "messaging:sent": {NO_ARGS: lambda w: Target()},
    "messaging:write": {
        NO_ARGS: lambda w: Target(
            {},
            {"recipient": w.personas["teacher"].pk, "subject": "Question", "body": "Bonjour"},
        )
    },
    "messaging:thread": {
        "own": _conversation("delivered", {"body": "Merci"}),
        "waiting": _conversation("waiting", {"body": "Merci"}),
    },
    "messaging:attachment": {
        "delivered": _moderated("delivered"),
        "waiting": _moderated("waiting"),
    },
    "messaging:queue": {NO_ARGS: lambda w: Target()},
    "messaging:decide": {
        "waiting": _moderated("waiting", {"decision": "approve"}),
        "delivered": _moderated("delivered", {"decision": "approve"}),
    },
    "messaging:policy": {NO_ARGS: lambda w: Target({}, {"moderated": "on"})},
    "surveys:choice": {
        "own": _activity("own", "choice", {"option": "11"}),
        "restricted": _activity("own", "restricted_choice", {"option": "11"}),
        "not_a_choice": _activity("own", "page", {"option": "11"}),
        "mismatched": _activity("mismatched", "choice", {"option": "11"}),
        "others": _activity("others", "choice", {"option": "11"}),
        "unpublished": _activity("unpublished", "choice", {"option": "11"}),
    },
    **{
        f"surveys:{name}": {
            variant: _activity(variant, "choice")
            for variant in ("own", "mismatched", "others", "unpublished")
        }
        for name in ("choice_results", "choice_csv")
    },
    "surveys:feedback": {
        "own": _activity("own", "survey", GOOD_ANSWERS),
        "restricted": _activity("own", "restricted_survey", GOOD_ANSWERS),
        "not_a_survey": _activity("own", "choice", GOOD_ANSWERS),
        "mismatched": _activity("mismatched", "survey", GOOD_ANSWERS),
        "others": _activity("others", "survey", GOOD_ANSWERS),
        "unpublished": _activity("unpublished", "survey", GOOD_ANSWERS),
        # Its first page turned (the survey has a page break): kept as answers in progress.
        "own_page": _activity("own", "survey", {"page": "0", "go": "next", **GOOD_ANSWERS}),
        "restricted_page": _activity(
            "own", "restricted_survey", {"page": "0", "go": "next", **GOOD_ANSWERS}
        ),
        "others_page": _activity("others", "survey", {"page": "0", "go": "next", **GOOD_ANSWERS}),
    },
    **{
        f"surveys:{name}": {
            variant: _activity(variant, "survey")
            for variant in ("own", "mismatched", "others", "unpublished")
        }
        for name in ("feedback_results", "feedback_csv")
    },
    "learning:gradebook": {name: _course(name) for name in ("own", "others", "unpublished")},
    "learning:gradebook_export": {name: _course(name) for name in ("own", "others")},
    "learning:grade_override": {
        "own": _override("own", "own"),
        "others": _override("others", "others"),
        "not_enrolled": lambda w: Target(
            {
                "course_id": w.own.course.pk,
                "activity_id": w.grades["own"].activity_id,
                "learner_id": w.personas["other_learner"].pk,
            },
            {"grade": "15"},
        ),
        "mismatched": _override("own", "others"),
    },
    "learning:own_grades": {name: _course(name) for name in ("own", "others", "unpublished")},
    "learning:feedback_file": {
        "own": _feedback_file("own", "own"),
        "others": _feedback_file("others", "others"),
        "mismatched": _feedback_file("own", "others"),
        "unreleased": _feedback_file("own", "unreleased"),
    },
    "review:queue": {NO_ARGS: lambda w: Target()},
    "review:course": {"own": _course("own"), "unpublished": _course("unpublished")},
    "review:decide_course": {
        "unpublished": lambda w: Target(
            {"course_id": w.unpublished.course.pk}, {"decision": "approve", "comment": "Vu"}
        )
    },
    "review:decide_change": {
        "own": lambda w: Target(
            {"course_id": w.own.course.pk, "key": w.own.page.source_key},
            {"decision": "approve", "comment": "Vu"},
        )
    },
    "review:decide_activity": {
        "pending": lambda w: Target(
            {"activity_id": w.own.pending.pk}, {"decision": "approve", "comment": "Vu"}
        )
    },
    "audit:log": {NO_ARGS: lambda w: Target()},
    "audit:export": {NO_ARGS: lambda w: Target()},
    "search:search": {NO_ARGS: lambda w: Target()},
    "catalog:courses": {NO_ARGS: lambda w: Target()},
    "catalog:import": {
        NO_ARGS: lambda w: Target(
            post={"file": SimpleUploadedFile("cours.mbz", b"PK\x03\x04 not really a course")}
        )
    },
    "catalog:confirm_update": {
        "own": lambda w: Target({"revision_id": w.unconfirmed.pk}, {"decision": "cancel"}),
    },
    "catalog:import_job": {
        "import": lambda w: Target({"job_id": w.import_job.pk}),
        "not_an_import": lambda w: Target({"job_id": w.other_job.pk}),
    },
    "catalog:import_questions": {
        NO_ARGS: lambda w: Target(
            post={
                "file": SimpleUploadedFile("questions.gift", b"Q {=a ~b}"),
                "course": w.own.course.pk,
            }
        )
    },
    "catalog:question_import_job": {
        "own": lambda w: Target({"job_id": w.question_job.pk}),
        "course_import": lambda w: Target({"job_id": w.import_job.pk}),
    },
    "assignments:assignment": {"own": _assignment("own"), "others": _assignment("others")},
    "assignments:save": {
        "own": _assignment("own", {"text": "Nouveau texte", "action": "draft"}),
        "others": _assignment("others", {"text": "Nouveau texte", "action": "draft"}),
    },
    "assignments:file": {
        "own": _handed_in("own"),
        "others": _handed_in("others"),
        "mismatched": _handed_in("mismatched"),
    },
    "assignments:feedback_file": {
        "own": _handed_in("own", "feedback_file"),
        "held": _handed_in("others", "feedback_file"),
    },
    "assignments:submissions": {"own": _assignment("own"), "others": _assignment("others")},
    "assignments:grade": {
        "own": _work_of("own", "learner", {"points": "15", "feedback": "Bien"}),
        "others": _work_of("others", "other_learner", {"points": "15", "feedback": "Bien"}),
    },
    "assignments:extension": {
        "own": _work_of("own", "learner", {"due": LATER, "reason": "Malade"}),
        "others": _work_of("others", "other_learner", {"due": LATER, "reason": "Malade"}),
    },
    "assignments:reopen": {
        "own": _work_of("own", "learner"),
        "others": _work_of("others", "other_learner"),
    },
    "devices:enrol": {NO_ARGS: lambda w: Target(post={"code": MATRIX_CODE.lower()})},
    "devices:list": {NO_ARGS: lambda w: Target()},
    "devices:new": {
        NO_ARGS: lambda w: Target(
            post={
                "label": "Tablette nouvelle",
                "kind": "tablet",
                "establishment": w.personas["staff"].establishment_id,
            }
        )
    },
    "devices:groups": {
        NO_ARGS: lambda w: Target(
            post={"name": "Aile nouvelle", "establishment": w.personas["staff"].establishment_id}
        )
    },
    "devices:group_edit": {
        name: _device_group(name, {"name": f"Salle renommée {name}"}) for name in ("own", "others")
    },
    "devices:group_delete": {name: _device_group(name) for name in ("own", "others")},
    "devices:loans": {NO_ARGS: lambda w: Target()},
    "devices:overdue": {NO_ARGS: lambda w: Target()},
    "devices:detail": {name: _device(name) for name in ("own", "others")},
    "devices:edit": {
        name: _device(name, {"label": "Renommée", "kind": "laptop", "state": "lost"})
        for name in ("own", "others")
    },
    "devices:code": {name: _device(name) for name in ("own", "others")},
    "devices:revoke": {name: _device(name) for name in ("own", "others")},
    "devices:checkout": {
        "own": _device("own", {"learner": "learner", "due_on": "2099-01-01", "condition": "new"}),
        "others": _device(
            "others", {"learner": "outsider_learner", "due_on": "2099-01-01", "condition": "new"}
        ),
    },
    "devices:loan": {name: _loan(name) for name in ("own", "others")},
    "devices:return": {name: _loan(name, {"condition": "worn"}) for name in ("own", "others")},
    "devices:rule": {
        "own": lambda w: Target(
            {"establishment_id": w.personas["learner"].establishment_id},
            {"form": "establishment", "enrolled_only": "on"},
        ),
        "others": lambda w: Target(
            {"establishment_id": w.outsider_learner.establishment_id},
            {"form": "establishment", "enrolled_only": "on"},
        ),
    },
    "assignments:revert": {
        "own": _work_of("own", "learner"),
        "others": _work_of("others", "other_learner"),
    },
    "assignments:marking": {
        "own": lambda w: Target(
            {"course_id": w.own.course.pk, "activity_id": w.own.assignment.pk},
            {"state": "released", "learners": [w.personas["learner"].pk]},
        ),
        "others": lambda w: Target(
            {"course_id": w.others.course.pk, "activity_id": w.others.assignment.pk},
            {"state": "released", "learners": [w.personas["other_learner"].pk]},
        ),
    },
    **{
        name: {
            "own": lambda w, post=post: Target(
                {"establishment_id": w.personas["learner"].establishment_id}, post
            ),
            "elsewhere": lambda w, post=post: Target(
                {"establishment_id": w.outsider_learner.establishment_id}, post
            ),
        }
        for name, post in (
            ("access:hours", {}),
            ("access:window_new", WINDOW_POST),
            (
                "access:exception_new",
                {"scope": "establishment", "kind": "closed", "first_day": "2026-05-01"},
            ),
        )
    },
    "access:index": {NO_ARGS: lambda w: Target()},
    "access:rule_edit": {
        "own": lambda w: Target({"rule_id": _access_rule(w.personas["learner"]).pk}, WINDOW_POST),
        "elsewhere": lambda w: Target(
            {"rule_id": _access_rule(w.outsider_learner).pk}, WINDOW_POST
        ),
    },
    "access:rule_delete": {
        "own": lambda w: Target({"rule_id": _access_rule(w.personas["learner"]).pk}),
        "elsewhere": lambda w: Target({"rule_id": _access_rule(w.outsider_learner).pk}),
    },
    "access:sessions": {NO_ARGS: lambda w: Target()},
    "access:end_session": {
        "learner": lambda w: Target(
            {"session_id": OpenSession.objects.get(user=w.personas["learner"]).pk}
        ),
        "outsider_learner": lambda w: Target({"session_id": _open_session(w.outsider_learner).pk}),
    },
    "access:clock": {NO_ARGS: lambda w: Target()},
    "access:my_hours": {NO_ARGS: lambda w: Target()},
    "access:clock_set": {NO_ARGS: lambda w: Target(post={"moment": "2026-12-03 10:30"})},
    "access:clock_confirm": {NO_ARGS: lambda w: Target()},
    "exchange_api:push": {NO_ARGS: lambda w: Target()},
    "exchange_api:pull": {NO_ARGS: lambda w: Target()},
    # The exchange: administrators only (the box's, not an establishment's).
    "exchange:identity": {NO_ARGS: lambda w: Target()},
    "exchange:peers": {NO_ARGS: lambda w: Target(post=_new_peer_post(w))},
    "exchange:export": {
        NO_ARGS: lambda w: Target(post={"peer": _exchange_peer(w, "hub").pk, "kind": "ack"})
    },
    # No file: refused by the form (a bundle refused is recorded in the history, by design).
    "exchange:import": {NO_ARGS: lambda w: Target()},
    "exchange:history": {NO_ARGS: lambda w: Target()},
    "exchange:learners": {
        NO_ARGS: lambda w: Target(
            post={
                "box": _exchange_peer(w, "box").pk,
                "file": SimpleUploadedFile("c.csv", b"box_username,username\nalice,a.dupont\n"),
            }
        )
    },
    # Send every file again to a box: done (redirect).
    "exchange:offers": {
        NO_ARGS: lambda w: Target(post={"box": _exchange_peer(w, "box").pk, "do": "resend"})
    },
}
