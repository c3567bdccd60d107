"""A running job holds a lease renewed while it works: a job whose worker is gone (its lease ran
out) is taken up again by a live worker, and a job interrupted too often stops as failed with a
message for staff instead of looping."""

from __future__ import annotations

import html
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from cartable.catalog.models import Course
from cartable.jobs import runner
from cartable.jobs.models import Job
from tests.conftest import signed_in
from tests.test_import_course import page_course
from tests.test_import_web import upload

pytestmark = pytest.mark.django_db


def _worker_died(job: Job) -> None:
    """The worker holding ``job`` stopped: nothing renews its lease, which runs out."""
    Job.objects.filter(pk=job.pk).update(lease_until=timezone.now() - timedelta(seconds=1))


def test_it_records_the_worker_and_its_lease_while_a_job_runs(staff, tmp_path: Path) -> None:
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    job = runner.claim()
    assert job is not None
    assert job.worker == runner.me()
    assert job.lease_until is not None and job.lease_until > timezone.now()
    runner.run(job)
    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.lease_until is None


def test_it_takes_up_again_a_job_whose_lease_ran_out(staff, tmp_path: Path) -> None:
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    job = runner.claim()
    assert job is not None
    _worker_died(job)

    assert runner.recover_interrupted() == 1
    assert runner.run_pending() == 1

    job.refresh_from_db()
    assert (job.status, job.attempts) == (Job.Status.SUCCEEDED, 2)
    assert Course.objects.count() == 1


def test_it_leaves_a_job_whose_worker_is_alive(staff, tmp_path: Path) -> None:
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    job = runner.claim()
    assert job is not None

    assert runner.recover_interrupted() == 0

    job.refresh_from_db()
    assert job.status == Job.Status.RUNNING
    assert runner.run_pending() == 0


def test_it_stops_a_job_interrupted_too_often_with_a_message_for_staff(
    staff, tmp_path: Path
) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    Job.objects.update(payload={**Job.objects.get().payload, "language": "en"})
    for attempt in range(1, runner.MAX_ATTEMPTS + 1):
        job = runner.claim()
        assert job is not None and job.attempts == attempt
        _worker_died(job)
        runner.recover_interrupted()

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.error_code == "interrupted"
    assert "interrupted 3 times" in job.error_message
    assert runner.claim() is None  # not looping
    page = html.unescape(client.get(f"/catalog/imports/{job.pk}/").content.decode())
    assert "interrupted 3 times" in page or "interrompu 3 fois" in page
    assert "refresh" not in page  # a failed job's page stops refreshing
    assert Course.objects.count() == 0


def test_it_tells_staff_in_the_language_of_the_upload(staff, tmp_path: Path) -> None:
    client = signed_in(staff)
    upload(client, page_course().build(tmp_path / "c.mbz"))
    Job.objects.update(
        payload={**Job.objects.get().payload, "language": "fr"},
        status=Job.Status.RUNNING,
        attempts=runner.MAX_ATTEMPTS,
        lease_until=None,
    )

    runner.recover_interrupted()

    assert "interrompu 3 fois" in Job.objects.get().error_message


def test_it_knows_whether_a_worker_holds_the_data_folder() -> None:
    assert not runner.worker_running()
    lock = runner.worker_lock()
    assert lock is not None
    try:
        assert runner.worker_running()
        assert runner.worker_lock() is None
    finally:
        lock.close()
