"""What must follow an import's commit (its search entries, its PDFs' text) is recorded in the
import's own transaction: a crash between the commit and the indexing delays it, never loses
it; the next worker, the next import or `cartable reindex --repair` does it. A job redone after
its import committed reports the import that took effect."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.catalog.models import Course, Enrolment
from cartable.jobs import followups, runner
from cartable.jobs.models import FollowUp, Job
from cartable.search.index import REINDEX
from cartable.search.models import Entry, FileText
from tests.conftest import signed_in
from tests.test_import_course import page_course
from tests.test_import_web import upload
from tests.test_search_index import backup, found, run_import

pytestmark = pytest.mark.django_db


def _crashed_after_commit(tmp_path: Path) -> Course:
    """An import whose process died after the commit, before indexing (the callbacks that run
    on commit never ran)."""
    report = run_import(
        backup("<p>Le magma remonte.</p>", with_pdf=True).build(tmp_path / "v1.mbz"), "--publish"
    )
    return Course.objects.get(pk=report["course"]["id"])


def test_it_records_the_indexing_with_the_import(tmp_path: Path) -> None:
    course = _crashed_after_commit(tmp_path)
    assert list(FollowUp.objects.values_list("kind", "payload")) == [
        (REINDEX, {"course": course.pk})
    ]
    assert not Entry.objects.filter(course=course).exists()


def test_it_indexes_on_commit_and_leaves_nothing_waiting(
    tmp_path: Path, learner, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        course = _crashed_after_commit(tmp_path)
    Enrolment.objects.create(user=learner, course=course)
    assert found(learner, "magma") == ["Leçon unique"]
    assert not FollowUp.objects.exists()


def test_a_worker_does_what_a_crash_left_undone(tmp_path: Path, learner) -> None:
    course = _crashed_after_commit(tmp_path)
    Enrolment.objects.create(user=learner, course=course)
    assert found(learner, "magma") == []

    assert followups.run_rows() == 1

    assert found(learner, "magma") == ["Leçon unique"]
    assert found(learner, "fournaise") == ["fiche-volcans.pdf"]  # the PDF's text read too
    assert FileText.objects.exists()
    assert not FollowUp.objects.exists()


def test_the_next_import_does_what_the_last_one_left_undone(tmp_path: Path, learner) -> None:
    course = _crashed_after_commit(tmp_path)
    Enrolment.objects.create(user=learner, course=course)
    run_import(page_course().build(tmp_path / "other.mbz"))
    assert found(learner, "magma") == ["Leçon unique"]


def test_the_repair_command_indexes_what_is_missing(tmp_path: Path, learner) -> None:
    course = _crashed_after_commit(tmp_path)
    FollowUp.objects.all().delete()  # even with the record of the follow-up lost
    Enrolment.objects.create(user=learner, course=course)
    out = io.StringIO()

    call_command("reindex", "--repair", stdout=out)

    assert "0 mises à jour en attente faites, 1 cours sans entrées indexés" in out.getvalue()
    assert found(learner, "magma") == ["Leçon unique"]
    out = io.StringIO()
    call_command("reindex", "--repair", stdout=out)
    assert "0 mises à jour en attente faites, 0 cours sans entrées" in out.getvalue()


def test_a_follow_up_that_keeps_failing_is_dropped_after_three_tries(caplog) -> None:
    calls = []

    def broken(payload: dict) -> None:
        calls.append(payload)
        raise OSError("disk full")

    followups.register("test.broken", broken)
    try:
        FollowUp.objects.create(kind="test.broken", payload={"n": 1})
        FollowUp.objects.create(kind="test.broken", payload={"n": 1})  # the same work: once
        for _attempt in range(3):
            assert followups.run_rows() == 0
    finally:
        del followups.HANDLERS["test.broken"]
    assert calls == [{"n": 1}] * 3
    assert not FollowUp.objects.exists()
    assert "given up" in caplog.text


def test_a_job_redone_after_its_commit_reports_the_import_that_took_effect(
    staff, tmp_path: Path
) -> None:
    upload(signed_in(staff), page_course().build(tmp_path / "c.mbz"))
    job = runner.claim()
    assert job is not None
    runner.HANDLERS[job.kind](job, lambda fraction, stage: None)  # committed, then the crash
    first = Job.objects.get().result
    assert first["committed"] and first["course"]["created"]
    runner.recover_interrupted(everything=True)

    assert runner.run_pending() == 1

    job.refresh_from_db()
    assert job.status == Job.Status.SUCCEEDED
    assert job.result == first  # not "0 added, all unchanged"
    assert job.result["changes"]["activities"]["added"]
    assert Course.objects.count() == 1
