"""A file attached to a message, where the establishment allows files: checked as an
assignment's files are (name, size, type by content), stored by its hash, downloaded by its
author, by its recipient once delivered and by the staff who moderate it, by nobody else; and
carried to the university with a message to a remote teacher."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cartable.accounts.models import Role
from cartable.catalog import blobs
from cartable.catalog.models import Enrolment
from cartable.messaging import actions
from cartable.messaging.models import Message, Policy
from cartable.outbox.models import Entry
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


def pdf(name: str = "lettre.pdf", data: bytes = PDF) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/pdf")


@pytest.fixture
def files_allowed(establishment) -> Policy:
    return Policy.objects.create(establishment=establishment, attachments=True)


def test_it_attaches_a_file_and_gives_it_to_the_recipient(
    files_allowed, learner, teacher, course
) -> None:
    client = signed_in(learner)
    assert 'type="file"' in client.get("/messages/new/").content.decode()
    response = client.post(
        "/messages/new/",
        {"recipient": teacher.pk, "subject": "Ma lettre", "body": "La voici.", "attachment": pdf()},
    )
    assert response.status_code == 302
    message = Message.objects.get()
    assert (message.attachment_name, message.attachment_type) == ("lettre.pdf", "application/pdf")
    assert message.attachment_size == len(PDF)
    assert blobs.store().exists(message.attachment_id)
    thread = signed_in(teacher).get(f"/messages/{message.conversation_id}/").content.decode()
    assert f"/messages/files/{message.pk}/" in thread
    download = signed_in(teacher).get(f"/messages/files/{message.pk}/")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert signed_in(learner).get(f"/messages/files/{message.pk}/").status_code == 200


def test_it_refuses_a_file_where_the_establishment_allows_none(learner, teacher, course) -> None:
    client = signed_in(learner)
    assert 'type="file"' not in client.get("/messages/new/").content.decode()
    with pytest.raises(actions.MessageError):
        actions.send(actor=learner, recipient=teacher, body="Voici", upload=pdf())
    assert not Message.objects.exists()


@pytest.mark.parametrize(
    ("upload", "said"),
    [
        (pdf("script.pdf", b"#!/bin/sh\nrm -rf /\n"), "ne peut pas être joint"),
        (pdf("programme.exe", b"MZ\x90\x00" + b"\x00" * 60), "ne peut pas être joint"),
        (pdf("vide.pdf", b""), "est vide"),
        (pdf("gros.pdf", PDF + b"x" * 2048), "trop volumineux"),
    ],
    ids=["renamed-script", "program", "empty", "too-large"],
)
def test_it_refuses_a_file_a_message_may_not_carry(
    settings, files_allowed, learner, teacher, course, upload, said: str
) -> None:
    settings.ASSIGN_MAX_UPLOAD_BYTES = 1024
    with pytest.raises(actions.MessageError, match=said):
        actions.send(actor=learner, recipient=teacher, body="Voici", upload=upload)
    assert not Message.objects.exists()


def test_it_keeps_a_waiting_file_from_the_recipient_and_shows_it_to_staff(
    files_allowed, learner, other_learner, teacher, staff, outsider_staff, course
) -> None:
    files_allowed.moderated = True
    files_allowed.save()
    message = actions.send(actor=learner, recipient=teacher, body="Voici", upload=pdf())
    address = f"/messages/files/{message.pk}/"
    assert signed_in(teacher).get(address).status_code == 404
    assert signed_in(other_learner).get(address).status_code == 404
    assert signed_in(outsider_staff).get(address).status_code == 404
    assert Client().get(address).status_code == 302
    assert signed_in(staff).get(address).status_code == 200
    assert address in signed_in(staff).get(f"/messages/moderation/{message.pk}/").content.decode()
    actions.decide(actor=staff, message=message, approve=True)
    assert signed_in(teacher).get(address).status_code == 200
    assert signed_in(other_learner).get(address).status_code == 404


def test_a_teacher_attaches_a_file_to_an_answer(files_allowed, learner, teacher, course) -> None:
    first = actions.send(actor=learner, recipient=teacher, body="Question")
    response = signed_in(teacher).post(
        f"/messages/{first.conversation_id}/", {"body": "Voici le corrigé", "attachment": pdf()}
    )
    assert response.status_code == 302
    answer = Message.objects.get(author=teacher)
    assert answer.attachment_name == "lettre.pdf"
    assert signed_in(learner).get(f"/messages/files/{answer.pk}/").status_code == 200


def test_it_sends_a_remote_teachers_file_with_the_message(files_allowed, learner, course) -> None:
    remote = make_user("prof-univ", Role.TEACHER, None)
    Enrolment.objects.create(user=remote, course=course, role=Enrolment.Role.TEACHER)
    message = actions.send(actor=learner, recipient=remote, body="Voici", upload=pdf())
    entry = Entry.objects.get()
    assert entry.payload["files"] == [
        {
            "filename": "lettre.pdf",
            "sha256": message.attachment_id,
            "size": len(PDF),
            "mimetype": "application/pdf",
        }
    ]
