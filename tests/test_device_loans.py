"""Loans: which learner holds which device, since when, until when, in what condition; one
open loan per device; overdue loans listed; a printable loan form; every step audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from cartable.audit.models import AuditEvent
from cartable.devices import actions
from cartable.devices.models import Device, Loan
from tests.conftest import signed_in
from tests.devicedata import add_device

pytestmark = pytest.mark.django_db


def lend(staff, device, learner, days: int = 14, condition: str = "good") -> Loan:
    return actions.check_out(
        actor=staff,
        device=device,
        learner=learner,
        due_on=timezone.localdate() + timedelta(days=days),
        condition=condition,
        notes="Écran rayé en haut à gauche",
    )


def test_staff_lend_a_device_from_its_page_and_get_the_loan_form(staff, learner) -> None:
    device = add_device(staff, asset_number="INV-0042")
    client = signed_in(staff)
    due = timezone.localdate() + timedelta(days=30)
    response = client.post(
        f"/devices/{device.pk}/checkout/",
        {"learner": learner.pk, "due_on": due.isoformat(), "condition": "worn", "notes": "Rayé"},
    )
    loan = Loan.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/devices/loans/{loan.pk}/"
    assert (loan.learner, loan.due_on, loan.condition_out, loan.notes_out) == (
        learner,
        due,
        "worn",
        "Rayé",
    )
    assert loan.checked_out_by == staff and loan.returned_at is None
    event = AuditEvent.objects.get(action="loan.checked_out")
    assert event.actor == staff
    assert event.target_id == str(device.pk)
    assert event.details == {"learner": "lea", "due": due.isoformat(), "condition": "worn"}
    page = client.get(response["Location"]).content.decode()
    for text in (
        "Fiche de prêt d’appareil",
        "Léa Moreau",
        "lea",
        "Tablette 12",
        "INV-0042",
        "Usé",
        "Signature de l’apprenant",
        "Signature du membre du personnel",
        'class="page-sheet"',
    ):
        assert text in page, text


def test_the_loan_form_is_in_english_too(staff, learner) -> None:
    loan = lend(staff, add_device(staff), learner)
    client = signed_in(staff)
    client.post("/language/", {"language": "en"})
    page = client.get(f"/devices/loans/{loan.pk}/").content.decode()
    assert "Device loan form" in page and "Learner's signature" in page.replace("&#x27;", "'")


def test_the_loan_form_has_print_styles() -> None:
    from pathlib import Path

    css = (Path(__file__).parent.parent / "frontend/devices.css").read_text()
    assert "@media print" in css and ".signature" in css


def test_a_device_has_one_open_loan_at_a_time(staff, learner, other_learner) -> None:
    device = add_device(staff)
    lend(staff, device, learner)
    with pytest.raises(actions.DeviceError, match=r"lent|prêté"):
        lend(staff, device, other_learner)
    with pytest.raises(IntegrityError), transaction.atomic():
        Loan.objects.create(
            device=device,
            learner=other_learner,
            checked_out_at=timezone.now(),
            due_on=timezone.localdate(),
            condition_out="good",
        )
    assert Loan.objects.count() == 1
    page = signed_in(staff).post(
        f"/devices/{device.pk}/checkout/",
        {"learner": other_learner.pk, "due_on": "2099-01-01", "condition": "good"},
    )
    assert page.status_code == 200
    assert "Cet appareil est déjà prêté" in page.content.decode()


def test_a_returned_device_can_be_lent_again(staff, learner, other_learner) -> None:
    device = add_device(staff)
    loan = lend(staff, device, learner)
    client = signed_in(staff)
    response = client.post(
        f"/devices/loans/{loan.pk}/return/", {"condition": "damaged", "notes": "Coque fendue"}
    )
    assert response.status_code == 302
    loan.refresh_from_db()
    assert loan.returned_at is not None and loan.returned_by == staff
    assert (loan.condition_in, loan.notes_in) == ("damaged", "Coque fendue")
    event = AuditEvent.objects.get(action="loan.returned")
    assert event.details == {"learner": "lea", "condition": "damaged", "late": False}
    again = client.post(f"/devices/loans/{loan.pk}/return/", {"condition": "good"})
    assert again.status_code == 200  # already returned: nothing to record
    assert AuditEvent.objects.filter(action="loan.returned").count() == 1
    lend(staff, device, other_learner)
    assert Loan.objects.filter(returned_at__isnull=True).count() == 1


def test_it_lists_overdue_loans(staff, learner, other_learner) -> None:
    late = lend(staff, add_device(staff, "Tablette en retard"), learner)
    Loan.objects.filter(pk=late.pk).update(due_on=timezone.localdate() - timedelta(days=2))
    lend(staff, add_device(staff, "Tablette à l’heure"), other_learner)
    back = lend(staff, add_device(staff, "Tablette rendue"), other_learner)
    Loan.objects.filter(pk=back.pk).update(due_on=timezone.localdate() - timedelta(days=9))
    actions.check_in(actor=staff, loan=Loan.objects.get(pk=back.pk), condition="good")
    client = signed_in(staff)
    page = client.get("/devices/loans/overdue/").content.decode()
    assert "Tablette en retard" in page
    assert "Tablette à l’heure" not in page and "Tablette rendue" not in page
    assert "1 prêt" in page
    assert AuditEvent.objects.get(action="loan.returned").details["late"] is True
    listed = client.get("/devices/loans/").content.decode()  # not returned, by due date
    assert listed.index("Tablette en retard") < listed.index("Tablette à l’heure")
    assert "Tablette rendue" not in listed
    returned = client.get("/devices/loans/?status=returned").content.decode()
    assert "Tablette rendue" in returned and "Tablette en retard" not in returned
    assert "Tablette en retard" in client.get("/devices/?q=retard").content.decode()


def test_it_lends_only_to_a_learner_of_the_devices_establishment(
    staff, teacher, outsider_learner, learner
) -> None:
    device = add_device(staff)
    for person in (teacher, outsider_learner):
        with pytest.raises(actions.DeviceError):
            lend(staff, device, person)
    page = signed_in(staff).post(
        f"/devices/{device.pk}/checkout/",
        {"learner": outsider_learner.pk, "due_on": "2099-01-01", "condition": "good"},
    )
    assert page.status_code == 200  # not among the choices
    with pytest.raises(actions.DeviceError, match=r"past|passée"):
        lend(staff, device, learner, days=-1)
    Device.objects.filter(pk=device.pk).update(state=Device.State.RETIRED)
    device.refresh_from_db()
    with pytest.raises(actions.DeviceError):
        lend(staff, device, learner)
    assert not Loan.objects.exists()
    assert not AuditEvent.objects.filter(action="loan.checked_out").exists()


def test_outsiders_neither_see_nor_return_a_loan(
    staff, outsider_staff, learner, teacher, other_learner
) -> None:
    loan = lend(staff, add_device(staff), learner)
    assert signed_in(outsider_staff).get(f"/devices/loans/{loan.pk}/").status_code == 404
    assert (
        signed_in(outsider_staff)
        .post(f"/devices/loans/{loan.pk}/return/", {"condition": "good"})
        .status_code
        == 404
    )
    assert "Tablette 12" not in signed_in(outsider_staff).get("/devices/loans/").content.decode()
    for person in (learner, teacher, other_learner):
        assert signed_in(person).get(f"/devices/loans/{loan.pk}/").status_code == 403
    with pytest.raises(actions.DeviceError):
        actions.check_in(actor=outsider_staff, loan=loan, condition="good")
    loan.refresh_from_db()
    assert loan.returned_at is None
