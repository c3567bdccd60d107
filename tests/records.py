"""Shared data for the records tests: a learner with a completed course (a certificate), a
course half done, released and unreleased grades, and an assignment handed in with a file."""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime

from django.utils import timezone

from cartable.accounts.models import Institution, User
from cartable.assignments.models import Submission, SubmissionFile
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
from tests.conftest import build_course

DONE_AT = datetime(2025, 5, 1, 10, 0, tzinfo=UTC)
HANDED_IN = b"%PDF-1.4 ma lettre de motivation"


@dataclass
class LearnerRecord:
    finished: Course  # every activity done
    started: Course  # one activity done of four
    released: Grade
    unreleased: Grade
    submission: Submission


def give_record(learner: User, institution: Institution) -> LearnerRecord:
    finished = build_course(institution, "LETTRE")
    finished.title = "Écrire une lettre de motivation"
    finished.source, finished.source_id = "moodle", "101"
    finished.save()
    started = build_course(institution, "HIST")
    started.title = "Histoire de la Révolution"
    started.source, started.source_id = "moodle", "102"
    started.save()
    for course in (finished, started):
        Enrolment.objects.create(user=learner, course=course, role=Enrolment.Role.LEARNER)
        for activity in course.activities.all():
            activity.source_key = f"page-{activity.position}-{activity.section.position}"
            activity.save(update_fields=["source_key"])
    for activity in finished.activities.all():
        ActivityProgress.objects.create(
            user=learner, activity=activity, course=finished, views=2,
            first_viewed_at=DONE_AT, last_viewed_at=DONE_AT, completed_at=DONE_AT,
            completed_by=ActivityProgress.Source.VIEW,
        )  # fmt: skip
    first = started.activities.order_by("section__position", "position").first()
    assert first is not None
    ActivityProgress.objects.create(
        user=learner, activity=first, course=started, views=1, first_viewed_at=DONE_AT,
        last_viewed_at=DONE_AT, completed_at=DONE_AT, completed_by=ActivityProgress.Source.VIEW,
    )  # fmt: skip
    graded = finished.activities.order_by("section__position", "position").last()
    assert graded is not None
    graded.title = "Lettre finale"
    graded.save(update_fields=["title"])
    released = Grade.objects.create(
        course=finished, activity=graded, user=learner, grade=15.5, max_grade=20,
        source=Grade.Source.ASSIGN, feedback="<p>Très bien écrit.</p>", graded_at=DONE_AT,
        released_at=DONE_AT,
    )  # fmt: skip
    hidden = started.activities.order_by("section__position", "position").last()
    assert hidden is not None
    hidden.title = "Devoir non publié"
    hidden.save(update_fields=["title"])
    unreleased = Grade.objects.create(
        course=started, activity=hidden, user=learner, grade=3, max_grade=20,
        source=Grade.Source.ASSIGN, graded_at=DONE_AT,
    )  # fmt: skip
    submission = Submission.objects.create(
        activity=graded, learner=learner, attempt=1, status=Submission.Status.SUBMITTED,
        text="<p>Madame, Monsieur…</p>", modified_at=DONE_AT, submitted_at=DONE_AT,
    )  # fmt: skip
    blob = blobs.add(io.BytesIO(HANDED_IN))
    SubmissionFile.objects.create(
        submission=submission, blob=blob, filename="lettre.pdf", mimetype="application/pdf",
        size=len(HANDED_IN),
    )  # fmt: skip
    assert timezone.is_aware(DONE_AT)
    return LearnerRecord(finished, started, released, unreleased, submission)


def activity_keys(course: Course) -> list[str]:
    return sorted(Activity.objects.filter(course=course).values_list("source_key", flat=True))
