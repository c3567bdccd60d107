"""The learner's assignment page and the teacher's pages, without JavaScript: every form
posts; files come back as downloads only, to their learner and the course's teachers."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from cartable.assignments import actions
from cartable.assignments.models import Extension, Submission, SubmissionFile
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Enrolment
from cartable.grades.models import Grade
from tests.assignwork import PDF, homework, pdf, upload
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def page_of(work) -> str:
    return reverse("assignments:assignment", args=[work.course_id, work.pk])


def save_of(work) -> str:
    return reverse("assignments:save", args=[work.course_id, work.pk])


def test_the_activity_page_leads_the_learner_to_their_work(course, learner) -> None:
    work = homework(course)
    response = signed_in(learner).get(reverse("learning:activity", args=[course.pk, work.pk]))
    assert response.status_code == 200
    assert page_of(work) in response.content.decode()


def test_a_learner_saves_a_draft_then_submits_it(course, learner) -> None:
    work = homework(course, due=timezone.now() + timedelta(days=2))
    client = signed_in(learner)
    page = client.get(page_of(work))
    assert page.status_code == 200 and b"Nothing handed in yet" in page.content
    response = client.post(
        save_of(work), {"text": "Mon essai", "files": [pdf()], "action": "draft"}
    )
    assert response.status_code == 302
    saved = Submission.objects.get(learner=learner)
    assert saved.status == "draft" and saved.text == "<p>Mon essai</p>"
    page = client.get(page_of(work))
    assert b"Draft (not submitted)" in page.content and b"copie.pdf" in page.content
    response = client.post(save_of(work), {"text": "Mon essai", "action": "submit"})
    assert response.status_code == 302
    saved.refresh_from_db()
    assert saved.status == "submitted" and saved.files.count() == 1
    page = client.get(page_of(work))
    assert b"Submitted for grading" in page.content and b"Save draft" not in page.content


def test_a_refused_file_keeps_the_text_typed_and_says_why(course, learner) -> None:
    work = homework(course, file_types=".pdf")
    response = signed_in(learner).post(
        save_of(work),
        {"text": "Texte à garder", "files": [upload("copie.pdf", b"MZ\x90\x00 program")]},
    )
    assert response.status_code == 400
    assert "Texte à garder" in response.content.decode()
    assert "not accepted" in response.content.decode()
    assert not Submission.objects.exists()


def test_it_refuses_work_before_the_opening_date_on_the_server(course, learner) -> None:
    work = homework(course, allow_submissions_from=timezone.now() + timedelta(days=1))
    client = signed_in(learner)
    assert b"Save draft" not in client.get(page_of(work)).content
    response = client.post(save_of(work), {"text": "Trop tôt", "action": "draft"})
    assert response.status_code == 400 and b"opens on" in response.content
    assert not Submission.objects.exists()


def test_a_learner_never_reaches_another_learners_file(course, learner, other_learner) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    work = homework(course)
    actions.save_draft(actor=other_learner, activity=work, uploads=[pdf()])
    item = SubmissionFile.objects.get()
    address = reverse("assignments:file", args=[course.pk, work.pk, item.pk])
    assert signed_in(learner).get(address).status_code == 404
    mine = signed_in(other_learner).get(address)
    assert mine.status_code == 200
    assert mine.headers["Content-Disposition"].startswith("attachment")
    assert mine.headers["X-Content-Type-Options"] == "nosniff"
    assert b"".join(mine.streaming_content) == PDF
    grading = reverse("assignments:grade", args=[course.pk, work.pk, other_learner.pk])
    assert signed_in(learner).get(grading).status_code == 404


def test_html_handed_in_comes_back_as_a_download_never_a_page(course, learner, teacher) -> None:
    work = homework(course)
    actions.save_draft(
        actor=learner, activity=work, uploads=[upload("page.html", b"<html><script>x</script>")]
    )
    item = SubmissionFile.objects.get()
    response = signed_in(teacher).get(
        reverse("assignments:file", args=[course.pk, work.pk, item.pk])
    )
    assert response.status_code == 200
    assert response.headers["Content-Type"] == "application/octet-stream"
    assert response.headers["Content-Disposition"].startswith("attachment")


def test_teachers_see_the_submissions_and_grade_them(course, learner, teacher) -> None:
    work = homework(course, due=timezone.now() - timedelta(days=1))
    actions.save_draft(actor=learner, activity=work, text="Mon essai")
    actions.submit(actor=learner, activity=work)
    client = signed_in(teacher)
    assert client.get(page_of(work)).status_code == 302
    listing = client.get(reverse("assignments:submissions", args=[course.pk, work.pk]))
    assert listing.status_code == 200
    text = listing.content.decode()
    assert "Léa Moreau" in text and "Submitted" in text and "Late" in text
    grading = reverse("assignments:grade", args=[course.pk, work.pk, learner.pk])
    assert "Mon essai" in client.get(grading).content.decode()
    response = client.post(
        grading,
        {"points": "25", "feedback": "Trop", "files": [pdf("corrige.pdf")]},
    )
    assert response.status_code == 400 and not Grade.objects.exists()
    response = client.post(
        grading, {"points": "14.5", "feedback": "Bien", "files": [pdf("corrige.pdf")]}
    )
    assert response.status_code == 302
    graded = Grade.objects.get()
    assert (graded.grade, graded.feedback) == (14.5, "<p>Bien</p>")
    feedback = graded.files.get()
    page = signed_in(learner).get(page_of(work)).content.decode()
    assert "14.5 out of 20" in page and "Bien" in page and "corrige.pdf" in page
    download = signed_in(learner).get(
        reverse("assignments:feedback_file", args=[course.pk, work.pk, feedback.pk])
    )
    assert download.status_code == 200
    assert download.headers["Content-Disposition"].startswith("attachment")


def test_a_feedback_file_waits_for_its_grades_release(course, learner, teacher) -> None:
    work = homework(course)
    actions.grade(actor=teacher, activity=work, learner=learner, points=10, uploads=[pdf()])
    graded = Grade.objects.get()
    Grade.objects.filter(pk=graded.pk).update(released_at=None)
    address = reverse("assignments:feedback_file", args=[course.pk, work.pk, graded.files.get().pk])
    assert signed_in(learner).get(address).status_code == 404
    assert b"Feedback" not in signed_in(learner).get(page_of(work)).content


def test_a_teacher_grants_an_extension(course, learner, teacher) -> None:
    now = timezone.now()
    work = homework(course, due=now - timedelta(days=2), cut_off=now - timedelta(days=1))
    address = reverse("assignments:extension", args=[course.pk, work.pk, learner.pk])
    client = signed_in(teacher)
    assert client.get(address).status_code == 200
    too_early = (now - timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(address, {"due": too_early, "reason": "x"})
    assert response.status_code == 400 and b"after the assignment" in response.content
    later = timezone.localtime(now + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(address, {"due": later, "reason": "Hospitalisé"})
    assert response.status_code == 302
    assert Extension.objects.get().reason == "Hospitalisé"
    assert b"Save draft" in signed_in(learner).get(page_of(work)).content


def test_the_learners_page_costs_few_queries(
    course, learner, django_assert_max_num_queries
) -> None:
    work = homework(course)
    actions.save_draft(actor=learner, activity=work, text="Texte", uploads=[pdf()])
    client = signed_in(learner)
    client.get(page_of(work))
    with django_assert_max_num_queries(14):
        assert client.get(page_of(work)).status_code == 200


def test_a_learner_may_send_files_larger_than_a_form(course, learner, settings) -> None:
    work = homework(course)
    big = PDF + b"0" * (settings.REQUEST_MAX_BYTES + 1)
    response = signed_in(learner).post(save_of(work), {"files": [pdf(data=big)]})
    assert response.status_code == 302
    assert SubmissionFile.objects.get().size == len(big)
    settings.ASSIGN_MAX_UPLOAD_BYTES = settings.REQUEST_MAX_BYTES // 2  # refused unread
    response = signed_in(learner).post(save_of(work), {"files": [pdf("b.pdf", data=big)]})
    assert response.status_code == 413 and SubmissionFile.objects.count() == 1


def test_bad_input_changes_nothing(course, learner, teacher) -> None:
    work = homework(course)
    client = signed_in(teacher)
    grading = reverse("assignments:grade", args=[course.pk, work.pk, learner.pk])
    for data in ({"points": "beaucoup"}, {"points": "-1"}, {"points": "20.001"}):
        assert client.post(grading, data).status_code == 400
    extending = reverse("assignments:extension", args=[course.pk, work.pk, learner.pk])
    assert client.post(extending, {"due": "demain", "reason": ""}).status_code == 400
    learner_client = signed_in(learner)
    response = learner_client.post(save_of(work), {"text": "x" * 200_001, "action": "draft"})
    assert response.status_code == 400
    response = learner_client.post(save_of(work), {"text": "Texte", "remove": ["abc", "-3"]})
    assert response.status_code == 302
    assert not Grade.objects.exists() and not Extension.objects.exists()
    assert Submission.objects.get().text == "<p>Texte</p>"


def test_the_teachers_list_costs_few_queries_whatever_the_class(
    course, learner, other_learner, teacher, django_assert_max_num_queries
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    work = homework(course)
    for person in (learner, other_learner):
        actions.save_draft(actor=person, activity=work, text="Texte")
    client = signed_in(teacher)
    address = reverse("assignments:submissions", args=[course.pk, work.pk])
    client.get(address)
    with django_assert_max_num_queries(14):
        assert client.get(address).status_code == 200


def test_without_drafts_the_learner_saves_and_submits_at_once(course, learner) -> None:
    work = homework(course, drafts=False)
    client = signed_in(learner)
    assert b"Save and submit" in client.get(page_of(work)).content
    assert client.post(save_of(work), {"text": "Un", "action": "save"}).status_code == 302
    page = client.get(page_of(work)).content.decode()
    assert "Submitted for grading" in page and "Save and submit" in page  # still open
    assert client.post(save_of(work), {"text": "Deux", "action": "save"}).status_code == 302
    assert Submission.objects.get().text == "<p>Deux</p>"


def test_a_teacher_gives_submitted_work_back_as_a_draft(course, learner, teacher) -> None:
    work = homework(course, reopen="none")
    actions.save_draft(actor=learner, activity=work, text="Un")
    actions.submit(actor=learner, activity=work)
    client = signed_in(teacher)
    grading = reverse("assignments:grade", args=[course.pk, work.pk, learner.pk])
    page = client.get(grading).content.decode()
    assert "Give it back as a draft" in page and "Allow a new attempt" not in page
    reverting = reverse("assignments:revert", args=[course.pk, work.pk, learner.pk])
    assert client.post(reverting).status_code == 302
    assert Submission.objects.get().status == "draft"
    assert b"Save draft" in signed_in(learner).get(page_of(work)).content


def test_a_submit_sent_twice_is_one_submission(course, learner) -> None:
    work = homework(course)
    client = signed_in(learner)
    form = {"text": "Mon essai", "action": "submit"}
    assert client.post(save_of(work), form).status_code == 302
    assert client.post(save_of(work), form).status_code == 302  # a double click
    assert Submission.objects.get().status == "submitted"
    assert AuditEvent.objects.filter(action="assign.submitted").count() == 1
    changed = client.post(save_of(work), {"text": "Autre chose", "action": "submit"})
    assert changed.status_code == 400 and b"already submitted" in changed.content
