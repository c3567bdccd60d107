"""Demo data for a first look at the box: one establishment, one institution, a learner, a
teacher, a staff member and an administrator, and a small French course. Loading twice changes
nothing."""

from __future__ import annotations

import io
from dataclasses import dataclass

import nh3
from django.db import transaction
from django.utils import timezone

from cartable.accounts import actions as account_actions
from cartable.accounts.models import Cohort, Establishment, Institution, Role, User
from cartable.audit.actions import record
from cartable.catalog import actions as catalog_actions
from cartable.catalog import blobs
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity, Course, Question, QuestionCategory, Section
from cartable.demo import assessment, content
from cartable.demo.pdf import text_pdf
from cartable.ingest.staging import question_fields
from cartable.review.actions import approve_course
from cartable.search.index import reindex_course

DEMO_GROUP = "Groupe démo"


@dataclass(frozen=True)
class DemoAccount:
    username: str
    password: str
    role: Role
    first_name: str
    last_name: str


ACCOUNTS = (
    DemoAccount("apprenant", "cartable-apprenant", Role.LEARNER, "Camille", "Martin"),
    DemoAccount("enseignant", "cartable-enseignant", Role.TEACHER, "Jeanne", "Bernard"),
    DemoAccount("personnel", "cartable-personnel", Role.STAFF, "Paul", "Petit"),
    DemoAccount("admin", "cartable-admin", Role.ADMIN, "Alex", "Durand"),
)


@transaction.atomic
def load() -> list[DemoAccount]:
    establishment, _ = Establishment.objects.get_or_create(
        slug="demo",
        defaults={"name": "Campus connecté de démonstration", "kind": Establishment.Kind.CAMPUS},
    )
    institution, _ = Institution.objects.get_or_create(
        slug="univ-demo", defaults={"name": "Université de démonstration"}
    )
    users = {}
    for account in ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = account_actions.create_account(
                actor=None,
                username=account.username,
                role=account.role,
                first_name=account.first_name,
                last_name=account.last_name,
                password=account.password,
                establishment=establishment,
                groups=[DEMO_GROUP] if account.role == Role.LEARNER else [],
            ).user
        users[account.role] = user
    course = _course(institution, establishment)
    catalog_actions.enrol(actor=None, user=users[Role.LEARNER], course=course)
    catalog_actions.enrol(actor=None, user=users[Role.TEACHER], course=course)
    approve_course(actor=None, course=course)
    Cohort.objects.get_or_create(establishment=establishment, name=DEMO_GROUP)
    return list(ACCOUNTS)


def _course(institution: Institution, establishment: Establishment) -> Course:
    existing = Course.objects.filter(
        institution=institution, shortname=content.COURSE["shortname"]
    ).first()
    if existing is not None:
        return existing
    course = Course.objects.create(
        institution=institution,
        establishment=establishment,
        shortname=content.COURSE["shortname"],
        title=content.COURSE["title"],
        summary=nh3.clean(content.COURSE["summary"]),
        language="fr",
        format="topics",
        source="demo",
    )
    for position, spec in enumerate(content.SECTIONS):
        section = Section.objects.create(
            course=course,
            position=position,
            title=spec["title"],
            summary=nh3.clean(spec["summary"]),
        )
        for number, item in enumerate(spec["activities"]):
            activity = Activity(
                course=course,
                section=section,
                position=number,
                kind=item["kind"],
                title=item["title"],
                source_key=f"demo:{position}:{number}",
            )
            if item["kind"] == Activity.Kind.PAGE:
                activity.content = nh3.clean(item["content"])
            else:
                data = text_pdf(item["pdf_title"], item["pdf_lines"])
                activity.blob = blobs.add(io.BytesIO(data))
                activity.filename = item["filename"]
                activity.mimetype = item["mimetype"]
            _save(activity)
    _assessment(course, position=len(content.SECTIONS))
    record(
        "course.created",
        actor=None,
        target=course,
        details={"source": "demo", "at": timezone.now().isoformat()},
    )
    reindex_course(course.pk)
    return course


def _assessment(course: Course, *, position: int) -> None:
    """The section where the learner answers: a quiz over questions of the course's bank, an
    assignment and a choice."""
    category = QuestionCategory.objects.create(course=course, source_id=1, name="Démo")
    for question in assessment.QUESTIONS:
        Question.objects.create(
            course=course,
            category=category,
            source_id=question.source_id,
            **question_fields(question),
        )
    section = Section.objects.create(
        course=course,
        position=position,
        title=assessment.SECTION["title"],
        summary=nh3.clean(assessment.SECTION["summary"]),
    )
    for number, item in enumerate(assessment.ACTIVITIES):
        activity = Activity(
            course=course,
            section=section,
            position=number,
            kind=item["kind"],
            title=item["title"],
            intro=nh3.clean(item["intro"]),
            data=item["data"],
            completion=item["completion"],
            source_key=f"demo:{position}:{number}",
        )
        _save(activity)


def _save(activity: Activity) -> None:
    """Save a demo activity with what its kind says of it (study time, how it is completed),
    as an import would."""
    kind = kind_of(activity.kind)
    activity.estimated_minutes = kind.estimate(
        intro=activity.intro, content=activity.content, data=kind.read(activity.data)
    )
    activity.completion_mode = kind.completion_mode(activity.completion)
    activity.save()
