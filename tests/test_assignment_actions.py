"""Handing in assignments through actions: drafts, submission for grading, dates enforced on
the server, extensions, file limits and types checked by content, new attempts, grading;
each audited and written to the outbox, and a refusal stores nothing."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from cartable.assignments import actions
from cartable.assignments.actions import Refused
from cartable.assignments.models import Extension, Submission, SubmissionFile
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Blob, Course, Enrolment
from cartable.grades.models import FeedbackFile, Grade
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from cartable.review.actions import approve_course
from tests.assignwork import PDF, PNG, homework, pdf, upload

pytestmark = pytest.mark.django_db

NOW = timezone.now()
MOODLE_44 = Path(__file__).parent / "fixtures" / "mbz" / "moodle44_tgz_multiple_mod_types.mbz"


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def stored_blobs(settings) -> list[Path]:
    root = Path(settings.CONTENT_ROOT)
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def test_it_saves_a_draft_with_sanitised_text_and_a_file(course, learner) -> None:
    work = homework(course)
    saved = actions.save_draft(
        actor=learner,
        activity=work,
        text='<p onclick="x()">Mon <strong>texte</strong><script>alert(1)</script></p>',
        uploads=[pdf()],
    )
    assert saved is not None and saved.status == Submission.Status.DRAFT and saved.attempt == 1
    assert saved.text == "<p>Mon <strong>texte</strong></p>"
    (file,) = saved.files.all()
    assert (file.filename, file.mimetype, file.size) == ("copie.pdf", "application/pdf", len(PDF))
    assert AuditEvent.objects.get(action="assign.draft_saved").details["added"] == ["copie.pdf"]
    entry = Entry.objects.get(kind="submission")
    assert entry.user == learner and entry.payload["status"] == "draft"
    assert entry.payload["files"][0]["sha256"] == file.blob_id
    assert entry.payload["text"] == "Mon texte"


def test_plain_text_becomes_paragraphs(course, learner) -> None:
    saved = actions.save_draft(actor=learner, activity=homework(course), text="Un\n\nDeux <3")
    assert saved is not None and saved.text == "<p>Un</p><p>Deux &lt;3</p>"


def test_the_same_draft_again_writes_nothing(course, learner) -> None:
    work = homework(course)
    actions.save_draft(actor=learner, activity=work, text="Texte")
    actions.save_draft(actor=learner, activity=work, text="Texte")
    assert AuditEvent.objects.filter(action="assign.draft_saved").count() == 1
    assert Entry.objects.filter(kind="submission").count() == 1
    assert actions.save_draft(actor=learner, activity=homework(course, title="B"), text="") is None
    assert Submission.objects.count() == 1


def test_it_submits_once_even_when_sent_twice(course, learner) -> None:
    work = homework(course)
    actions.save_draft(actor=learner, activity=work, text="Texte")
    first = actions.submit(actor=learner, activity=work)
    second = actions.submit(actor=learner, activity=work)
    assert first.pk == second.pk and second.status == Submission.Status.SUBMITTED
    assert AuditEvent.objects.filter(action="assign.submitted").count() == 1
    assert [e.payload["status"] for e in Entry.objects.filter(kind="submission")] == [
        "draft",
        "submitted",
    ]
    # Its completion rule is a submission.
    assert ActivityProgress.objects.get(user=learner, activity=work).completed_at is not None
    with pytest.raises(Refused, match="already submitted"):
        actions.save_draft(actor=learner, activity=work, text="Autre")
    assert Submission.objects.get().text == "<p>Texte</p>"


def test_it_refuses_to_submit_nothing(course, learner) -> None:
    work = homework(course)
    with pytest.raises(Refused, match="nothing to submit"):
        actions.submit(actor=learner, activity=work)
    assert not Submission.objects.exists() and not Entry.objects.exists()


def test_it_asks_for_the_statement_when_the_assignment_requires_it(course, learner) -> None:
    work = homework(course, require_statement=True)
    actions.save_draft(actor=learner, activity=work, text="Texte")
    with pytest.raises(Refused, match="your own"):
        actions.submit(actor=learner, activity=work)
    assert Submission.objects.get().status == Submission.Status.DRAFT
    done = actions.submit(actor=learner, activity=work, statement=True)
    assert done.statement_accepted and done.status == Submission.Status.SUBMITTED


def test_it_refuses_work_before_the_assignment_opens(course, learner) -> None:
    work = homework(course, allow_submissions_from=NOW + timedelta(days=2))
    with pytest.raises(Refused, match="opens on"):
        actions.save_draft(actor=learner, activity=work, text="Trop tôt", uploads=[pdf()])
    assert not Submission.objects.exists() and Blob.objects.count() == 1


def test_it_refuses_work_after_the_cut_off_unless_extended(course, learner, teacher) -> None:
    work = homework(course, due=NOW - timedelta(days=3), cut_off=NOW - timedelta(days=1))
    with pytest.raises(Refused, match="closed"):
        actions.save_draft(actor=learner, activity=work, text="Trop tard")
    extension = actions.grant_extension(
        actor=teacher, activity=work, learner=learner, due=NOW + timedelta(days=1), reason="Malade"
    )
    assert AuditEvent.objects.get(action="assign.extension_granted").details["learner"] == "lea"
    assert Entry.objects.get(kind="submission").payload["extension"]["due"] == (
        extension.due.isoformat()
    )
    actions.save_draft(actor=learner, activity=work, text="Avec délai")
    submitted = actions.submit(actor=learner, activity=work)
    assert Entry.objects.filter(kind="submission").last().payload["late"] is False
    assert submitted.status == Submission.Status.SUBMITTED


def test_work_after_the_due_date_is_late_but_taken_until_the_cut_off(course, learner) -> None:
    work = homework(course, due=NOW - timedelta(hours=1), cut_off=NOW + timedelta(days=1))
    actions.save_draft(actor=learner, activity=work, text="En retard")
    actions.submit(actor=learner, activity=work)
    assert AuditEvent.objects.get(action="assign.submitted").details["late"] is True


def test_an_extension_ends_after_the_due_date(course, learner, teacher) -> None:
    work = homework(course, due=NOW)
    with pytest.raises(Refused, match="after the assignment's due date"):
        actions.grant_extension(
            actor=teacher, activity=work, learner=learner, due=NOW - timedelta(days=1)
        )
    assert not Extension.objects.exists()


def test_it_checks_files_by_their_content(course, learner, settings) -> None:
    work = homework(course, file_types=".pdf,.docx")
    with pytest.raises(Refused, match="not accepted"):
        # A script renamed .pdf.
        actions.save_draft(
            actor=learner, activity=work, uploads=[upload("copie.pdf", b"<script>x</script>")]
        )
    with pytest.raises(Refused, match="not accepted"):
        actions.save_draft(actor=learner, activity=work, uploads=[upload("image.png", PNG)])
    assert not Submission.objects.exists() and Blob.objects.count() == 1
    assert len(stored_blobs(settings)) == 1
    assert not list(Path(settings.FILE_UPLOAD_TEMP_DIR).glob("handed-in-*"))
    saved = actions.save_draft(actor=learner, activity=work, uploads=[pdf()])
    assert saved is not None and saved.files.count() == 1


def test_it_enforces_the_size_and_count_limits(course, learner, settings) -> None:
    work = homework(course, max_files=2, max_size=len(PDF))
    with pytest.raises(Refused, match="too large"):
        actions.save_draft(actor=learner, activity=work, uploads=[pdf(data=PDF + b" ")])
    with pytest.raises(Refused, match="at most 2 files"):
        actions.save_draft(
            actor=learner, activity=work, uploads=[pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")]
        )
    assert Blob.objects.count() == 1 and len(stored_blobs(settings)) == 1
    saved = actions.save_draft(actor=learner, activity=work, uploads=[pdf("a.pdf"), pdf("b.pdf")])
    assert saved is not None
    with pytest.raises(Refused, match="at most 2 files"):
        actions.save_draft(actor=learner, activity=work, uploads=[pdf("c.pdf")])
    # Removing one makes room; a file of the same name replaces the old one.
    first = saved.files.get(filename="a.pdf")
    actions.save_draft(actor=learner, activity=work, uploads=[pdf("c.pdf")], remove=[first.pk])
    actions.save_draft(actor=learner, activity=work, uploads=[pdf("C.pdf")])
    assert sorted(SubmissionFile.objects.values_list("filename", flat=True)) == ["C.pdf", "b.pdf"]
    # The box's own limit bounds an assignment without one.
    settings.ASSIGN_MAX_UPLOAD_BYTES = 10
    with pytest.raises(Refused, match="too large"):
        actions.save_draft(actor=learner, activity=homework(course, title="B"), uploads=[pdf()])


def test_it_refuses_files_when_the_assignment_takes_text_only(course, learner) -> None:
    work = homework(course, submission_types=("onlinetext",))
    with pytest.raises(Refused, match="no files"):
        actions.save_draft(actor=learner, activity=work, uploads=[pdf()])


def test_it_refuses_an_activity_that_is_not_an_assignment(course, learner) -> None:
    page = course.activities.filter(kind="page").first()
    with pytest.raises(Refused, match="not an assignment"):
        actions.save_draft(actor=learner, activity=page, text="x")


def test_a_new_attempt_follows_a_submitted_one_within_the_maximum(course, learner, teacher) -> None:
    work = homework(course, max_attempts=2)
    actions.save_draft(actor=learner, activity=work, text="Un", uploads=[pdf()])
    with pytest.raises(Refused, match="submitted one"):
        actions.reopen(actor=teacher, activity=work, learner=learner)
    actions.submit(actor=learner, activity=work)
    second = actions.reopen(actor=teacher, activity=work, learner=learner)
    assert (second.attempt, second.status, second.text) == (2, "draft", "<p>Un</p>")
    assert [f.filename for f in second.files.all()] == ["copie.pdf"]
    actions.save_draft(actor=learner, activity=work, text="Deux")
    actions.submit(actor=learner, activity=work)
    with pytest.raises(Refused, match="2 attempts"):
        actions.reopen(actor=teacher, activity=work, learner=learner)
    assert Submission.objects.filter(learner=learner).count() == 2


def test_a_teacher_grades_with_a_comment_and_a_feedback_file(course, learner, teacher) -> None:
    work = homework(course)
    actions.save_draft(actor=learner, activity=work, text="Texte")
    actions.submit(actor=learner, activity=work)
    row = actions.grade(
        actor=teacher,
        activity=work,
        learner=learner,
        points=15,
        feedback="<p>Bien <em>vu</em><img src=x onerror=alert(1)></p>",
        uploads=[pdf("corrige.pdf")],
    )
    assert (row.grade, row.max_grade, row.source) == (15, 20, Grade.Source.ASSIGN)
    assert "onerror" not in row.feedback and row.released_at is not None
    assert [f.filename for f in FeedbackFile.objects.filter(grade=row)] == ["corrige.pdf"]
    assert AuditEvent.objects.filter(action="grade.recorded").count() == 1
    assert AuditEvent.objects.get(action="assign.feedback_files").details["added"] == [
        "corrige.pdf"
    ]
    assert Entry.objects.filter(kind="grade").count() == 2
    # The same grade again writes nothing.
    actions.grade(actor=teacher, activity=work, learner=learner, points=15, feedback=row.feedback)
    assert AuditEvent.objects.filter(action__startswith="grade.").count() == 1
    with pytest.raises(Refused, match="between 0 and 20"):
        actions.grade(actor=teacher, activity=work, learner=learner, points=21)
    assert Grade.objects.get().grade == 15


def test_a_scale_is_graded_by_its_item(course, learner, teacher) -> None:
    work = homework(course, grade=-3.0)
    row = actions.grade(
        actor=teacher, activity=work, learner=learner, points=12, scale_item="Acquis"
    )
    assert (row.grade, row.scale_item, row.max_grade) == (None, "Acquis", 0)


def test_an_assignment_of_a_real_moodle_backup_takes_late_work(learner, teacher) -> None:
    call_command("import", str(MOODLE_44), stdout=io.StringIO())
    course = Course.objects.get()
    approve_course(actor=None, course=course)
    Enrolment.objects.create(user=learner, course=course)
    work = Activity.objects.filter(course=course, kind="assign").order_by("position").first()
    assert work is not None
    data = actions.settings_of(work)
    assert data.due is not None and data.due < NOW and data.cut_off is None
    actions.save_draft(actor=learner, activity=work, text="Rendu", uploads=[pdf()])
    done = actions.submit(actor=learner, activity=work)
    assert done.status == Submission.Status.SUBMITTED
    assert AuditEvent.objects.get(action="assign.submitted").details["late"] is True
    graded = actions.grade(actor=teacher, activity=work, learner=learner, points=80)
    assert graded.max_grade == 100


def test_an_assignment_handed_in_outside_the_box_takes_nothing(course, learner, client) -> None:
    work = homework(course, submission_types=())
    with pytest.raises(Refused, match="outside the box"):
        actions.save_draft(actor=learner, activity=work, text="x")
    client.force_login(learner)
    page = client.get(f"/assignments/{course.pk}/{work.pk}/").content.decode()
    assert "outside the box" in page and "Save draft" not in page


@pytest.mark.parametrize(
    "typed", ["Un\n\nDeux <3 & « trois »\nquatre", "<p>Du <strong>HTML</strong></p>"]
)
def test_a_text_comes_back_to_the_form_as_it_was_typed(typed: str) -> None:
    saved = actions.clean_text(typed)
    assert actions.as_typed(saved) == typed
    assert actions.clean_text(actions.as_typed(saved)) == saved


def test_without_drafts_work_is_submitted_as_saved_and_changes_while_open(course, learner) -> None:
    work = homework(course, drafts=False, require_statement=True)
    with pytest.raises(Refused, match="your own"):
        actions.save_draft(actor=learner, activity=work, text="Un")
    first = actions.save_draft(actor=learner, activity=work, text="Un", statement=True)
    assert first is not None and first.status == Submission.Status.SUBMITTED
    assert first.statement_accepted and first.submitted_at is not None
    again = actions.save_draft(actor=learner, activity=work, text="Deux", statement=True)
    assert again is not None and again.pk == first.pk and again.text == "<p>Deux</p>"
    assert AuditEvent.objects.filter(action="assign.submitted").count() == 2
    assert ActivityProgress.objects.get(user=learner, activity=work).completed_at is not None
    with pytest.raises(Refused, match="no drafts"):
        actions.revert_to_draft(actor=learner, activity=work, learner=learner)


def test_a_teacher_reverts_submitted_work_to_a_draft(course, learner, teacher) -> None:
    work = homework(course)
    with pytest.raises(Refused, match="Only submitted work"):
        actions.revert_to_draft(actor=teacher, activity=work, learner=learner)
    actions.save_draft(actor=learner, activity=work, text="Un")
    actions.submit(actor=learner, activity=work)
    back = actions.revert_to_draft(actor=teacher, activity=work, learner=learner)
    assert back.status == Submission.Status.DRAFT and back.attempt == 1
    assert AuditEvent.objects.get(action="assign.reverted_to_draft").details["learner"] == "lea"
    assert actions.save_draft(actor=learner, activity=work, text="Un, revu") is not None


def test_one_attempt_only_when_the_assignment_reopens_none(course, learner, teacher) -> None:
    work = homework(course, reopen="none")
    actions.save_draft(actor=learner, activity=work, text="Un")
    actions.submit(actor=learner, activity=work)
    with pytest.raises(Refused, match="one attempt only"):
        actions.reopen(actor=teacher, activity=work, learner=learner)
    assert Submission.objects.count() == 1


def test_each_grading_opens_the_next_attempt_when_reopening_is_automatic(
    course, learner, teacher
) -> None:
    work = homework(course, reopen="automatic", max_attempts=2)
    actions.save_draft(actor=learner, activity=work, text="Un")
    actions.submit(actor=learner, activity=work)
    actions.grade(actor=teacher, activity=work, learner=learner, points=8)
    latest = Submission.objects.order_by("-attempt").first()
    assert latest is not None and (latest.attempt, latest.status) == (2, "draft")
    actions.submit(actor=learner, activity=work)
    actions.grade(actor=teacher, activity=work, learner=learner, points=12)
    assert Submission.objects.count() == 2  # no third attempt: the maximum is two
