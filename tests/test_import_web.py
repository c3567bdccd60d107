"""Staff import a course from the web: the upload goes to a background job with a progress
page, then a report; learners see the course only once it is published."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Course, Enrolment
from cartable.jobs import runner
from cartable.jobs.models import Job
from tests.conftest import signed_in
from tests.test_import_course import page_course

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"


def upload(client: Client, path: Path, **extra: str):
    with path.open("rb") as handle:
        return client.post(
            "/catalog/import/",
            {"file": SimpleUploadedFile("cours-fle.mbz", handle.read()), **extra},
        )


def test_it_queues_an_upload_and_shows_its_progress(staff, tmp_path: Path) -> None:
    client = signed_in(staff)
    response = upload(client, page_course().build(tmp_path / "c.mbz"))
    job = Job.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/catalog/imports/{job.pk}/"
    assert job.status == Job.Status.QUEUED
    assert Path(job.payload["path"]).is_file()
    page = client.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert '<meta http-equiv="refresh" content="2">' in page
    assert "<progress" in page
    assert AuditEvent.objects.filter(action="course.import_requested", actor=staff).exists()


def test_it_runs_the_job_and_shows_the_report(staff, tmp_path: Path) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    assert runner.run_pending() == 1
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.progress == 1.0
    assert not Path(job.payload["path"]).exists()
    page = client.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert "refresh" not in page
    assert "Français langue étrangère" in page
    course = Course.objects.get()
    assert course.status == Course.Status.PENDING_REVIEW
    assert f'href="/review/courses/{course.pk}/"' in page
    event = AuditEvent.objects.get(action="course.imported")
    assert event.actor == staff


def test_it_shows_what_was_not_imported_in_the_readers_language(staff) -> None:
    client = signed_in(staff)
    upload(client, FIXTURES / "moodle30_tgz_mdk101_68activities.mbz")
    assert runner.run_pending() == 1
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    french = html.unescape(client.get(f"/catalog/imports/{job.pk}/").content.decode())
    assert "Cartable ne prend pas en charge le module « studentquiz »" in french
    assert "is not one Cartable supports" not in french
    english = html.unescape(
        client.get(f"/catalog/imports/{job.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    )
    assert "the module 'studentquiz' is not one Cartable supports" in english


def test_it_shows_why_a_bad_file_was_refused(staff, tmp_path: Path) -> None:
    client = signed_in(staff)
    bad = tmp_path / "faux.mbz"
    bad.write_bytes(b"pas une archive")
    upload(client, bad)
    runner.run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error_code == "unknown_format"
    page = client.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert "cours-fle.mbz n’est pas une sauvegarde de cours" in page
    assert Course.objects.count() == 0


def test_it_refuses_an_upload_over_the_limit_before_reading_it(staff, settings, tmp_path) -> None:
    settings.IMPORT_MAX_UPLOAD_BYTES = 1024
    response = upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    assert response.status_code == 413
    assert Job.objects.count() == 0


def test_it_lets_staff_publish_and_then_learners_see_the_course(
    staff, learner, tmp_path: Path
) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    runner.run_pending()
    course = Course.objects.get()
    Enrolment.objects.create(user=learner, course=course)
    learner_client = signed_in(learner)
    assert learner_client.get(f"/courses/{course.pk}/").status_code == 404
    response = client.post(f"/review/courses/{course.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 302
    course.refresh_from_db()
    assert course.is_published
    assert AuditEvent.objects.filter(action="review.course_approved", actor=staff).exists()
    assert learner_client.get(f"/courses/{course.pk}/").status_code == 200


def test_it_shows_imported_pages_with_their_images_and_no_live_external_link(
    staff, learner, tmp_path: Path
) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    runner.run_pending()
    course = Course.objects.get()
    client.post(f"/review/courses/{course.pk}/decide/", {"decision": "approve"})
    Enrolment.objects.create(user=learner, course=course)
    learner_client = signed_in(learner)
    lesson = course.activities.get(title="Leçon 1")
    page = learner_client.get(f"/courses/{course.pk}/activities/{lesson.pk}/").content.decode()
    image = re.search(r'<img src="([^"]+)" alt="photo">', page).group(1)
    assert image.startswith(f"/courses/{course.pk}/files/")
    picture = learner_client.get(image)
    assert picture.status_code == 200
    assert picture["Content-Type"] == "image/png"
    assert 'href="https://www.example.org' not in page
    assert "(https://www.example.org/grammaire)" in page
    link = course.activities.get(title="Dictionnaire en ligne")
    page = learner_client.get(f"/courses/{course.pk}/activities/{link.pk}/").content.decode()
    assert '<code class="address">https://www.example.org/dictionnaire</code>' in page


def test_it_serves_a_course_file_only_through_a_course_holding_it(
    staff, learner, course, tmp_path: Path
) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    runner.run_pending()
    imported = Course.objects.get(shortname="FLE1")
    client.post(f"/review/courses/{imported.pk}/decide/", {"decision": "approve"})
    sha256 = imported.files.first().blob_id
    learner_client = signed_in(learner)
    # The learner's own course does not hold these bytes; the imported course is not theirs.
    assert learner_client.get(f"/courses/{course.pk}/files/{sha256}/photo.png").status_code == 404
    assert learner_client.get(f"/courses/{imported.pk}/files/{sha256}/photo.png").status_code == 404
    assert learner_client.get(f"/courses/{course.pk}/files/../../etc/passwd").status_code == 404


@pytest.mark.parametrize("path", ["/catalog/", "/catalog/import/"])
def test_it_keeps_the_catalog_pages_for_staff(learner, teacher, path: str) -> None:
    assert signed_in(learner).get(path).status_code == 403
    assert signed_in(teacher).get(path).status_code == 403


def test_it_keeps_publishing_for_staff(learner, course) -> None:
    course.status = Course.Status.PENDING_REVIEW
    course.save()
    assert (
        signed_in(learner)
        .post(f"/review/courses/{course.pk}/decide/", {"decision": "approve"})
        .status_code
        == 403
    )
    course.refresh_from_db()
    assert not course.is_published


def test_it_requeues_a_job_interrupted_by_a_crash(staff, tmp_path: Path) -> None:
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    job = runner.claim()
    assert job is not None and job.status == Job.Status.RUNNING
    # The worker died here; the next worker (holding the worker lock) puts the job back.
    runner.recover_interrupted(everything=True)
    assert runner.run_pending() == 1
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.attempts == 2
    assert Course.objects.count() == 1
