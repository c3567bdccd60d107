"""A learner's portfolio: a PDF that opens, in the learner's language with French typography,
listing their courses, completion and released grades with a certificate per completed course,
signed by the box so that any changed byte shows."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pypdf import PdfReader

from cartable.accounts.models import Institution, User
from cartable.audit.models import AuditEvent
from cartable.exchange import identity
from cartable.records import portfolio, seal
from tests import forked
from tests.conftest import signed_in
from tests.datafolders import migrated
from tests.records import give_record

pytestmark = pytest.mark.django_db
NARROW = "\u202f"


def text_of(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def download(staff: User, learner: User) -> bytes:
    response = signed_in(staff).post(
        reverse("records:portfolio", kwargs={"account_id": learner.pk})
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert 'filename="cartable-lea-portfolio.pdf"' in response["Content-Disposition"]
    return response.content


def test_it_renders_the_portfolio_in_french(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)

    text = text_of(download(staff, learner))

    assert "Relevé de parcours" in text
    assert "Léa Moreau" in text
    assert f"Identifiant{NARROW}: lea" in text
    assert f"Établissement{NARROW}: Maison centrale" in text
    assert "Écrire une lettre de motivation" in text
    assert "Histoire de la Révolution" in text
    assert f"Progression{NARROW}: 4 activités faites sur 4 (100{NARROW}%)" in text
    assert f"Progression{NARROW}: 1 activités faites sur 4 (25{NARROW}%)" in text
    assert "Terminé le 1er mai 2025" in text
    assert f"Lettre finale{NARROW}: 15,5 sur 20" in text
    assert "Devoir non publié" not in text  # its grade is not released
    # One certificate, for the completed course only.
    assert text.count("Certificat de réussite") == 1
    assert f"«{NARROW}Écrire une lettre de motivation{NARROW}»" in text
    assert f"«{NARROW}Histoire de la Révolution{NARROW}»" not in text
    assert identity.load().public.fingerprint in text
    event = AuditEvent.objects.get(action="records.portfolio_issued")
    assert event.details["fingerprint"] == identity.load().public.fingerprint


def test_it_speaks_the_learners_language(
    staff: User, learner: User, institution: Institution
) -> None:
    learner.language = "en"
    learner.save(update_fields=["language"])
    give_record(learner, institution)

    text = text_of(download(staff, learner))

    assert "Learning record" in text
    assert "Completed on 1 May 2025" in text
    assert "Final letter" not in text
    assert "Lettre finale: 15.5 out of 20" in text
    assert "Certificate of completion" in text


def test_the_signature_holds_and_a_changed_byte_breaks_it(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    data = download(staff, learner)

    checked = seal.check_pdf(data)
    assert checked.valid
    assert checked.fingerprint == identity.load().public.fingerprint

    for where in (100, len(data) // 2, len(data) - 10):
        changed = bytearray(data)
        changed[where] ^= 0x01
        try:
            assert not seal.check_pdf(bytes(changed)).valid, where
        except seal.SealError as error:  # the change hit the signature's own text
            assert error.code in {"no_signature", "bad_signature"}
    start = data.index(b"signature=") + len(b"signature=")
    forged = data[:start] + (b"1" if data[start : start + 1] != b"1" else b"2") + data[start + 1 :]
    assert not seal.check_pdf(forged).valid


def test_another_box_key_does_not_pass_for_this_box(
    learner: User, institution: Institution
) -> None:
    from cartable.exchange.wire.keys import PrivateIdentity

    give_record(learner, institution)
    other = PrivateIdentity.generate()
    data = portfolio.render(learner, other)

    checked = seal.check_pdf(data)
    assert checked.valid
    assert checked.fingerprint == other.public.fingerprint
    assert checked.fingerprint != identity.load(create=True).public.fingerprint


def test_the_check_page_says_valid_and_who_signed(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    data = download(staff, learner)
    client = signed_in(staff)

    good = client.post(
        reverse("records:check"), {"file": SimpleUploadedFile("p.pdf", data)}
    ).content.decode()
    changed = data.replace(b"Moreau", b"Moriau", 1) if b"Moreau" in data else data[:-20] + b"%" * 20
    bad = client.post(
        reverse("records:check"), {"file": SimpleUploadedFile("p.pdf", changed)}
    ).content.decode()

    assert "Portfolio valide" in good
    assert identity.load().public.fingerprint in good
    assert "(cette box)" in good
    assert "Non valide" in bad
    assert "Portfolio valide" not in bad


def test_the_check_page_refuses_other_files(staff: User) -> None:
    page = signed_in(staff).post(
        reverse("records:check"), {"file": SimpleUploadedFile("x.txt", b"hello")}
    )

    assert page.status_code == 200
    assert "ni un portfolio Cartable ni un export de transfert" in page.content.decode()


def test_staff_of_another_establishment_get_no_portfolio(
    outsider_staff: User, learner: User
) -> None:
    response = signed_in(outsider_staff).post(
        reverse("records:portfolio", kwargs={"account_id": learner.pk})
    )

    assert response.status_code == 404
    assert not AuditEvent.objects.filter(action="records.portfolio_issued").exists()


def test_the_portfolio_counts_its_queries(
    staff: User, learner: User, institution: Institution, django_assert_max_num_queries
) -> None:
    give_record(learner, institution)
    with django_assert_max_num_queries(8):
        portfolio.gather(learner)


@pytest.mark.slow
def test_the_command_says_valid_or_invalid(
    learner: User, institution: Institution, tmp_path: Path, settings
) -> None:
    give_record(learner, institution)
    data = portfolio.render(learner, identity.load(create=True))
    good, bad = tmp_path / "good.pdf", tmp_path / "bad.pdf"
    good.write_bytes(data)
    changed = bytearray(data)
    changed[len(data) // 2] ^= 0x01
    bad.write_bytes(bytes(changed))
    migrated(settings.HOME)  # the box's own database, as the command's first run makes it

    def verify(path: Path) -> subprocess.CompletedProcess[str]:
        env = {"CARTABLE_HOME": str(settings.HOME), "LANGUAGE": "en", "PATH": "/usr/bin:/bin"}
        return forked.run(
            ["-m", "cartable", "records", "verify", str(path)], env=env, cwd=Path.cwd()
        )

    ok, refused = verify(good), verify(bad)
    assert ok.returncode == 0, ok.stderr
    assert f"Valid: {good}" in ok.stdout
    assert identity.load().public.fingerprint in ok.stdout
    assert "(this box)" in ok.stdout
    assert refused.returncode == 1
    assert "Invalid" in refused.stderr


def test_a_closed_accounts_portfolio_says_when_and_why(
    staff: User, learner: User, institution: Institution
) -> None:
    give_record(learner, institution)
    signed_in(staff).post(
        reverse("records:close", kwargs={"account_id": learner.pk}),
        {"reason": "transfer", "closed_on": "2026-12-03"},
    )

    text = text_of(download(staff, learner))

    assert "Compte clos le 3 décembre 2026 (Transfert vers un autre établissement)" in text
