"""A learner's transfer export, imported by a box so that the learner continues where they
were: progress, grades and submissions intact; refused whole, with nothing changed, when the
file was tampered with, signed by an unknown box, or unsafe."""

from __future__ import annotations

import io
import json
import zipfile
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from cartable.accounts.models import Institution, Role, User
from cartable.assignments.models import Submission
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Enrolment
from cartable.exchange import identity
from cartable.exchange.models import Peer
from cartable.exchange.wire.keys import PrivateIdentity
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
from cartable.records import seal
from tests.conftest import make_user, signed_in
from tests.records import DONE_AT, HANDED_IN, give_record

pytestmark = pytest.mark.django_db


def export(staff: User, learner: User) -> bytes:
    response = signed_in(staff).post(reverse("records:export", kwargs={"account_id": learner.pk}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    return b"".join(response.streaming_content)


def upload(staff: User, data: bytes, **extra: str):
    return signed_in(staff).post(
        reverse("records:import"), {"file": SimpleUploadedFile("t.zip", data), **extra}
    )


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zipped:
        return {name: zipped.read(name) for name in zipped.namelist()}


def rezip(files: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
    return out.getvalue()


def resign(files: dict[str, bytes], signer: PrivateIdentity) -> dict[str, bytes]:
    return files | {"signature.json": seal.sign_manifest(files["manifest.json"], signer)}


def state() -> dict[str, Any]:
    """What an import may change, to compare before and after a refusal."""
    return {
        "users": sorted(User.objects.values_list("username", "is_active", "role")),
        "enrolments": Enrolment.objects.count(),
        "progress": ActivityProgress.objects.count(),
        "grades": Grade.objects.count(),
        "submissions": Submission.objects.count(),
    }


def progress_of(learner: User) -> list[tuple[Any, ...]]:
    return sorted(
        ActivityProgress.objects.filter(user=learner).values_list(
            "activity__source_key", "course__title", "views", "completed_at", "completed_by"
        )
    )


def grades_of(learner: User) -> list[tuple[Any, ...]]:
    return sorted(
        Grade.objects.filter(user=learner).values_list(
            "activity__title", "grade", "max_grade", "released_at", "feedback"
        ),
        key=repr,
    )


def test_a_learner_continues_where_they_were(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    progress, grades = progress_of(learner), grades_of(learner)
    data = export(staff, learner)
    learner.delete()  # the box of arrival has the same courses, not the learner

    page = upload(staff, data)

    assert page.status_code == 200, page.content.decode()
    text = page.content.decode()
    assert "Transfert importé" in text
    arrived = User.objects.get(username="lea")
    assert (arrived.first_name, arrived.last_name, arrived.role, arrived.is_active) == (
        "Léa", "Moreau", Role.LEARNER, True,
    )  # fmt: skip
    assert arrived.establishment == staff.establishment
    assert progress_of(arrived) == progress
    assert grades_of(arrived) == grades
    assert sorted(
        Enrolment.objects.filter(user=arrived).values_list("course__title", flat=True)
    ) == ["Histoire de la Révolution", "Écrire une lettre de motivation"]
    submission = Submission.objects.get(learner=arrived)
    assert (submission.status, submission.submitted_at) == ("submitted", DONE_AT)
    handed = submission.files.get()
    assert (handed.filename, handed.mimetype, handed.size) == (
        "lettre.pdf", "application/pdf", len(HANDED_IN),
    )  # fmt: skip
    assert blobs.store().open(handed.blob_id).read() == HANDED_IN
    # The new account's password is shown once, to hand over.
    assert arrived.check_password(page.context["result"].password)
    event = AuditEvent.objects.get(action="records.transfer_imported")
    assert event.details["progress"] == len(progress)
    assert event.details["grades"] == 2
    assert event.details["submissions"] == 1
    assert AuditEvent.objects.filter(action="records.transfer_exported").count() == 1


def test_importing_twice_changes_nothing(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    data = export(staff, learner)
    learner.delete()
    upload(staff, data)
    before = state()
    events = AuditEvent.objects.exclude(action="auth.sign_in").count()

    page = upload(staff, data)

    assert "Cet export a déjà été importé" in page.content.decode()
    assert state() == before
    assert AuditEvent.objects.exclude(action="auth.sign_in").count() == events


def test_it_reopens_a_closed_account_without_doubling_anything(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    signed_in(staff).post(
        reverse("records:close", kwargs={"account_id": learner.pk}),
        {"reason": "transfer", "closed_on": "2026-12-03"},
    )
    data = export(staff, learner)
    before = state()

    page = upload(staff, data)

    assert "compte rouvert" in page.content.decode()
    learner.refresh_from_db()
    assert learner.is_active
    assert state() == before | {
        "users": sorted(User.objects.values_list("username", "is_active", "role"))
    }
    assert ActivityProgress.objects.filter(user=learner).count() == before["progress"]


def refused(staff: User, data: bytes, message: str, **extra: str) -> None:
    before = state()
    page = upload(staff, data, **extra)
    text = page.content.decode()
    assert page.status_code == 400
    assert message in text, text
    assert state() == before
    assert AuditEvent.objects.filter(action="records.transfer_refused").exists()
    assert not AuditEvent.objects.filter(action="records.transfer_imported").exists()


def test_a_tampered_manifest_is_refused(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    files = members(export(staff, learner))
    learner.delete()
    manifest = json.loads(files["manifest.json"])
    manifest["courses"][0]["grades"][0]["grade"] = 20
    files["manifest.json"] = json.dumps(manifest).encode()

    refused(staff, rezip(files), "a été modifié après sa signature")


def test_a_tampered_file_is_refused(staff: User, learner: User, institution: Institution) -> None:
    give_record(learner, institution)
    files = members(export(staff, learner))
    learner.delete()
    name = next(name for name in files if name.startswith("files/"))
    files[name] = b"%PDF-1.4 une autre lettre"

    refused(staff, rezip(files), "a été modifié après sa signature")


def test_a_zip_climbing_out_of_its_folder_is_refused(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    files = members(export(staff, learner))
    learner.delete()

    refused(
        staff, rezip(files | {"../../evil.txt": b"x"}), "un nom qu’il contient sort de son dossier"
    )


def test_an_unexpected_member_is_refused(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    files = members(export(staff, learner))
    learner.delete()

    refused(staff, rezip(files | {"notes.txt": b"x"}), "pas un export de transfert Cartable")


def test_an_unknown_signer_needs_its_fingerprint_confirmed(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    other = PrivateIdentity.generate()
    data = rezip(resign(members(export(staff, learner)), other))
    learner.delete()

    refused(staff, data, other.public.fingerprint)
    refused(staff, data, "ne connaît pas", fingerprint="AAAA-BBBB-CCCC-DDDD-EEEE")
    page = upload(staff, data, fingerprint=other.public.fingerprint.lower().replace("-", " "))

    assert page.status_code == 200
    assert User.objects.filter(username="lea", is_active=True).exists()


def test_a_known_peers_export_is_accepted(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    other = PrivateIdentity.generate()
    Peer.objects.create(
        name="box-caen", role=Peer.Role.BOX, signing_key=other.public.signing.hex(),
        encryption_key=other.public.encryption.hex(), fingerprint=other.public.fingerprint,
    )  # fmt: skip
    data = rezip(resign(members(export(staff, learner)), other))
    learner.delete()

    page = upload(staff, data)

    assert page.status_code == 200
    assert "box-caen" in page.content.decode()


def test_a_username_taken_by_someone_else_is_refused(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    data = export(staff, learner)
    learner.delete()
    make_user("lea", Role.TEACHER, staff.establishment)

    refused(staff, data, "appartient à un autre compte")


def test_courses_this_box_lacks_are_listed(
    staff: User, learner: User, institution: Institution
) -> None:
    record = give_record(learner, institution)
    data = export(staff, learner)
    learner.delete()
    record.started.delete()

    page = upload(staff, data)

    assert page.status_code == 200
    assert page.context["result"].missing == ["Histoire de la Révolution"]
    assert Enrolment.objects.filter(user__username="lea").count() == 1


def test_an_export_is_only_for_staff_of_the_learners_establishment(
    outsider_staff: User, teacher: User, learner: User
) -> None:
    for who in (outsider_staff, teacher):
        response = signed_in(who).post(reverse("records:export", kwargs={"account_id": learner.pk}))
        assert response.status_code in (403, 404)
    assert not AuditEvent.objects.filter(action="records.transfer_exported").exists()


def test_the_signature_is_over_the_manifest(staff: User, learner: User) -> None:
    files = members(export(staff, learner))
    checked = seal.check_manifest(files["manifest.json"], files["signature.json"])
    assert checked.valid
    assert checked.fingerprint == identity.load().public.fingerprint
    assert not seal.check_manifest(files["manifest.json"] + b" ", files["signature.json"]).valid


def test_an_administrator_imports_into_the_establishment_they_choose(
    admin: User, staff: User, learner: User, institution: Institution, other_establishment
) -> None:
    give_record(learner, institution)
    data = export(staff, learner)
    learner.delete()

    page = upload(admin, data, establishment=str(other_establishment.pk))

    assert page.status_code == 200
    assert User.objects.get(username="lea").establishment == other_establishment


@pytest.mark.parametrize(
    "manifest",
    [
        b"[" * 100_000 + b"]" * 100_000,  # nested past the parser's depth
        b'{"format": "cartable-transfer1"}',  # fields missing
        b"\xff\xfe not UTF-8",
    ],
)
def test_a_signed_but_malformed_manifest_is_refused(
    staff: User, learner: User, manifest: bytes
) -> None:
    files = {"manifest.json": manifest}
    data = rezip(resign(files, identity.load(create=True)))

    refused(staff, data, "Le manifeste de cet export n’est pas valide")


def test_the_check_page_checks_a_transfer_export(staff: User, learner: User) -> None:
    files = members(export(staff, learner))
    client = signed_in(staff)
    tampered = files | {"manifest.json": files["manifest.json"].replace(b"lea", b"leo")}

    good = client.post(
        reverse("records:check"), {"file": SimpleUploadedFile("t.zip", rezip(files))}
    ).content.decode()
    bad = client.post(
        reverse("records:check"), {"file": SimpleUploadedFile("t.zip", rezip(tampered))}
    ).content.decode()

    assert "Export de transfert valide" in good
    assert identity.load().public.fingerprint in good
    assert "Export de transfert non valide" in bad
    assert "a été modifié après sa signature" in bad
    assert User.objects.filter(username="lea").exists()


def test_a_zip_bomb_is_refused(staff: User, learner: User) -> None:
    files = members(export(staff, learner))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as zipped:
        for name, content in files.items():
            zipped.writestr(name, content)
        zipped.writestr("files/" + "0" * 64, b"\0" * (16 * 1024 * 1024))  # ~1000:1

    refused(staff, out.getvalue(), "ses données se décompressent au-delà de la limite")
