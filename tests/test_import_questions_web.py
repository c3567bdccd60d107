"""Staff import a question file into a course they manage from the web: a background job with
a progress page, then the report by type; the review page shows what would change."""

from __future__ import annotations

import html
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Question
from cartable.ingest.jobs import QUESTIONS_KIND
from cartable.ingest.models import Revision
from cartable.jobs import runner
from cartable.jobs.models import Job
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BANK = FIXTURES / "moodle_xml" / "moodlexml_development_course_568q.xml"
GIFT = FIXTURES / "gift" / "gift_format_php_examples.gift"


@pytest.fixture
def ours(institution, establishment) -> Course:
    course = build_course(institution, "DRAFT303", status=Course.Status.PENDING_REVIEW)
    Course.objects.filter(pk=course.pk).update(establishment=establishment)
    return course


@pytest.fixture
def theirs(institution, other_establishment) -> Course:
    course = build_course(institution, "SECRET202", status=Course.Status.PENDING_REVIEW)
    Course.objects.filter(pk=course.pk).update(establishment=other_establishment)
    return course


def upload(client: Client, path: Path, course: Course, name: str | None = None, **extra):
    return client.post(
        "/catalog/questions/import/",
        {
            "file": SimpleUploadedFile(name or path.name, path.read_bytes()),
            "course": course.pk,
            **extra,
        },
    )


def test_it_offers_only_the_courses_staff_manage(staff, ours, theirs) -> None:
    page = signed_in(staff).get(f"/catalog/questions/import/?course={ours.pk}").content.decode()
    assert f'<option value="{ours.pk}" selected>Cours DRAFT303 (DRAFT303)</option>' in page
    assert "SECRET202" not in page
    courses = signed_in(staff).get("/catalog/").content.decode()
    assert 'href="/catalog/questions/import/"' in courses


def test_it_queues_the_file_and_shows_its_progress(staff, ours) -> None:
    client = signed_in(staff)
    response = upload(client, GIFT, ours)
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/questions/imports/{job.pk}/"
    assert (job.kind, job.status, job.payload["course"]) == (QUESTIONS_KIND, "queued", ours.pk)
    assert Path(job.payload["path"]).is_file()
    page = client.get(f"/catalog/questions/imports/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page and "<progress" in page
    event = AuditEvent.objects.get(action="course.questions_import_requested")
    assert event.actor == staff and event.details["file"] == GIFT.name


def test_it_runs_the_job_and_shows_the_counts_by_type(staff, ours) -> None:
    client = signed_in(staff)
    upload(client, BANK, ours)
    assert runner.run_pending() == 1
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert not Path(job.payload["path"]).exists()
    assert job.result["questions"]["multichoice"] == 200
    assert Question.objects.filter(course=ours, qtype="multichoice").count() == 200
    page = html.unescape(client.get(f"/catalog/questions/imports/{job.pk}/").content.decode())
    assert "refresh" not in page
    assert '<th scope="row">multichoice</th><td>200</td>' in page
    assert '<th scope="row">multianswer</th><td>7</td>' in page
    assert "Moodle XML" in page
    # What was left out, in the reader's language.
    assert "Cartable ne prend pas en charge le type de question «\u202fddmatch\u202f»" in page
    assert "564 questions ajoutées" in page
    assert f'href="/review/courses/{ours.pk}/"' in page
    recent = client.get("/catalog/").content.decode()
    assert f'href="/catalog/questions/imports/{job.pk}/"' in recent


def test_it_shows_why_a_file_was_refused_and_changes_nothing(staff, ours) -> None:
    client = signed_in(staff)
    bad = FIXTURES / "mbz" / "PROVENANCE.md"
    upload(client, bad, ours, name="questions.gift")
    runner.run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error_code == "unknown_format"
    page = html.unescape(client.get(f"/catalog/questions/imports/{job.pk}/").content.decode())
    assert "Les questions n’ont pas été importées\u202f; rien n’a été modifié." in page
    assert "questions.gift n’a pas été importé" in page
    assert Question.objects.count() == 0
    assert not AuditEvent.objects.filter(action="course.questions_imported").exists()


def test_it_refuses_a_course_staff_do_not_manage(staff, theirs) -> None:
    response = upload(signed_in(staff), GIFT, theirs)
    assert response.status_code == 400
    assert Job.objects.count() == 0


def test_it_hides_the_job_from_staff_who_do_not_manage_the_course(
    staff, outsider_staff, ours
) -> None:
    upload(signed_in(staff), GIFT, ours)
    job = Job.objects.get()
    outsider = signed_in(outsider_staff)
    assert outsider.get(f"/catalog/questions/imports/{job.pk}/").status_code == 404
    assert f"/catalog/questions/imports/{job.pk}/" not in outsider.get("/catalog/").content.decode()


def test_it_refuses_an_upload_over_the_limit(staff, ours, settings) -> None:
    settings.IMPORT_MAX_QUESTION_FILE_BYTES = 1024
    response = upload(signed_in(staff), BANK, ours)
    assert response.status_code == 413
    assert Job.objects.count() == 0


def test_the_review_page_shows_what_the_questions_would_change(staff, institution, establishment):
    course = build_course(institution, "HIST101")
    Course.objects.filter(pk=course.pk).update(establishment=establishment)
    client = signed_in(staff)
    upload(client, GIFT, course)
    runner.run_pending()
    revision = Revision.objects.get(course=course)
    assert revision.status == Revision.Status.PENDING
    job_page = html.unescape(
        client.get(f"/catalog/questions/imports/{Job.objects.get().pk}/").content.decode()
    )
    assert "Les questions attendent la validation" in job_page
    review = html.unescape(client.get(f"/review/courses/{course.pk}/").content.decode())
    assert "Une mise à jour attend la validation" in review
    assert "10 questions ajoutées" in review
    assert Question.objects.filter(course=course).count() == 0
    response = client.post(f"/review/courses/{course.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    assert Question.objects.filter(course=course, retired_at__isnull=True).count() == 10
