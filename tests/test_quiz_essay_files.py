"""Files attached to a quiz essay, without JavaScript: posted with the page (multipart),
checked by content and size before anything is stored, kept on resume, removable, served
back as downloads to the learner and the teachers, never to another learner, and named by
their hashes in the attempt's outbox entry."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.catalog.models import Blob
from cartable.importers import questions as q
from cartable.outbox.models import Entry
from tests import quizdata
from tests.assignwork import PDF, PNG, pdf, upload
from tests.test_quiz_pages import signed_in, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def essay_with_files(**options: object) -> q.Question:
    base = quizdata.essay()
    data = replace(
        base.data,  # type: ignore[type-var]
        **{"attachments": 2, "file_types": ".pdf", "max_bytes": 10_000, **options},
    )
    return replace(base, data=data)


def _page(attempt: Attempt) -> str:
    return reverse("assessment:attempt", args=[attempt.pk, 1])


def _files(attempt: Attempt) -> list[dict[str, object]]:
    row = AttemptQuestion.objects.get(attempt=attempt, slot=1)
    return list(row.actions[-1]["response"]["files"]) if row.actions else []


def test_a_learner_attaches_a_file_finds_it_again_and_hands_it_in(
    course, learner, other_learner, teacher
) -> None:
    quiz = quizdata.add_quiz(course, (essay_with_files(),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    html = client.get(_page(attempt)).content.decode()
    assert 'enctype="multipart/form-data"' in html
    assert 'type="file" name="q1:attachments" multiple' in html
    assert "At most 2 files." in html and "Accepted types: .pdf." in html
    response = client.post(
        _page(attempt), {"q1:answer": "Voici ma copie.", "q1:attachments": [pdf()], "save": "1"}
    )
    assert response.status_code == 302
    files = _files(attempt)
    assert [(f["name"], f["size"], f["mimetype"]) for f in files] == [
        ("copie.pdf", len(PDF), "application/pdf")
    ]
    sha = str(files[0]["sha256"])
    assert Blob.objects.filter(sha256=sha).exists()
    # Resumed elsewhere: the file is listed, and saving the text again keeps it.
    again = signed_in(learner)
    html = again.get(_page(attempt)).content.decode()
    link = reverse("assessment:attachment", args=[attempt.pk, 1, sha])
    assert link in html and "copie.pdf" in html
    again.post(_page(attempt), {"q1:answer": "Voici ma copie, relue.", "save": "1"})
    assert [f["sha256"] for f in _files(attempt)] == [sha]
    mine = again.get(link)
    assert mine.status_code == 200
    assert b"".join(mine.streaming_content) == PDF
    assert mine["Content-Disposition"].startswith("attachment")
    assert mine["X-Content-Type-Options"] == "nosniff"
    assert signed_in(other_learner).get(link).status_code == 404
    again.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    entry = Entry.objects.filter(kind="attempt", user=learner, payload__has_key="files").get()
    assert entry.payload["files"] == [
        {
            "slot": 1,
            "sha256": sha,
            "filename": "copie.pdf",
            "mimetype": "application/pdf",
            "size": len(PDF),
        }
    ]
    grading = signed_in(teacher).get(reverse("assessment:grading", args=[attempt.pk]))
    assert link in grading.content.decode()
    assert signed_in(teacher).get(link).status_code == 200
    assert signed_in(other_learner).get(link).status_code == 404


def test_a_file_can_be_removed(course, learner) -> None:
    quiz = quizdata.add_quiz(course, (essay_with_files(),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    client.post(_page(attempt), {"q1:answer": "Texte", "q1:attachments": [pdf("a.pdf")]})
    sha = _files(attempt)[0]["sha256"]
    client.post(_page(attempt), {"q1:answer": "Texte", "q1:remove": sha})
    assert _files(attempt) == []


@pytest.mark.parametrize(
    ("files", "options", "message"),
    [
        ([upload("image.pdf", PNG, "application/pdf")], {}, "its content is not of a type"),
        ([pdf(data=PDF + b"0" * 20_000)], {}, "is too large"),
        ([pdf("a.pdf"), pdf("b.pdf"), pdf("c.pdf")], {}, "takes at most 2 files"),
        ([pdf()], {"attachments": 0}, "This question takes no files."),
        ([upload("vide.pdf", b"", "application/pdf")], {}, "is empty"),
    ],
)
def test_a_refused_file_changes_nothing(course, learner, files, options, message) -> None:
    quiz = quizdata.add_quiz(course, (essay_with_files(**options),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    blobs = Blob.objects.count()
    response = client.post(
        _page(attempt), {"q1:answer": "Texte", "q1:attachments": files}, follow=True
    )
    assert message in response.content.decode()
    assert AttemptQuestion.objects.get(attempt=attempt, slot=1).actions == []
    assert Blob.objects.count() == blobs


def test_files_on_a_question_that_is_no_essay_are_refused(course, learner) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.earth(),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    response = client.post(_page(attempt), {"q1:attachments": [pdf()]}, follow=True)
    assert "This question takes no files." in response.content.decode()
    assert AttemptQuestion.objects.get(attempt=attempt, slot=1).actions == []


def test_a_files_only_essay_shows_no_text_box(course, learner) -> None:
    quiz = quizdata.add_quiz(course, (essay_with_files(response_format="noinline", attachments=1),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    html = client.get(_page(attempt)).content.decode()
    assert 'name="q1:answer"' not in html
    assert 'type="file" name="q1:attachments">' in html  # one file: not "multiple"
    client.post(_page(attempt), {"q1:attachments": [pdf()]})
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    row = AttemptQuestion.objects.get(attempt=attempt, slot=1)
    assert row.state == "needsgrading"


def test_nobody_else_downloads_a_file_of_an_unknown_attempt(course, learner) -> None:
    link = reverse("assessment:attachment", args=[999_999, 1, "0" * 64])
    assert signed_in(learner).get(link).status_code == 404


def test_a_quiz_page_takes_a_file_larger_than_a_form(course, learner, settings) -> None:
    quiz = quizdata.add_quiz(course, (essay_with_files(max_bytes=0),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    settings.REQUEST_MAX_BYTES = 64 * 1024
    big = PDF + b"0" * (100 * 1024)
    response = client.post(
        _page(attempt), {"q1:answer": "Texte", "q1:attachments": [pdf(data=big)]}
    )
    assert response.status_code == 302
    assert [f["size"] for f in _files(attempt)] == [len(big)]
    settings.ASSIGN_MAX_UPLOAD_BYTES = 16 * 1024  # over the box's limit: refused unread
    refused = client.post(_page(attempt), {"q1:answer": "Autre", "q1:attachments": [pdf(data=big)]})
    assert refused.status_code == 413
    assert len(AttemptQuestion.objects.get(attempt=attempt, slot=1).actions) == 1
