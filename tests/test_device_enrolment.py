"""A device is enrolled by typing a one-time code staff made; it then carries a credential
(a long-lived cookie) the box keeps only as a hash, until staff withdraw it."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cartable.audit.models import AuditEvent
from cartable.devices import actions, credentials
from cartable.devices.models import Device, EnrolmentCode
from tests.devicedata import TABLET_ADDRESS, add_device, code_for, enrolled

pytestmark = pytest.mark.django_db


def enrol(client: Client, code: str, address: str = TABLET_ADDRESS, **extra):
    return client.post("/device/enrol/", {"code": code}, REMOTE_ADDR=address, **extra)


def test_it_enrols_a_device_with_a_code_and_gives_it_a_lasting_private_cookie(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device)
    client = Client()
    response = enrol(client, code)
    assert response.status_code == 302
    assert response["Location"] == "/device/enrol/"
    cookie = response.cookies[credentials.COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Strict"
    assert cookie["secure"] == ""  # reached over plain HTTP, as on most boxes' LANs
    assert int(cookie["max-age"]) >= 365 * 24 * 3600
    assert len(cookie.value) >= 40
    device.refresh_from_db()
    assert device.credential_hash == hashlib.sha256(cookie.value.encode()).hexdigest()
    assert device.enrolled_at is not None and device.last_seen_at is not None
    assert device.is_enrolled
    page = client.get("/device/enrol/").content.decode()
    assert "Cet appareil est inscrit sous le nom «\u202fTablette 12\u202f»" in page
    actions_logged = list(AuditEvent.objects.order_by("seq").values_list("action", "target_id"))
    assert ("device.code_issued", str(device.pk)) in actions_logged
    assert ("device.enrolled", str(device.pk)) in actions_logged
    enrolment = AuditEvent.objects.get(action="device.enrolled")
    assert enrolment.actor_name == "anonymous"
    assert enrolment.ip_address == TABLET_ADDRESS


def test_it_makes_the_cookie_secure_over_https(staff) -> None:
    device = add_device(staff)
    response = enrol(Client(), code_for(staff, device), secure=True)
    assert response.cookies[credentials.COOKIE]["secure"] is True


def test_it_makes_short_codes_from_an_unambiguous_alphabet_and_keeps_only_their_hash(
    staff,
) -> None:
    device = add_device(staff)
    issued = actions.issue_code(actor=staff, device=device)
    assert len(issued.code) == 9 and issued.code[4] == "-"
    typed = issued.code.replace("-", "")
    assert set(typed) <= set(credentials.ALPHABET)
    assert not set("01OIL") & set(credentials.ALPHABET)
    stored = EnrolmentCode.objects.get(device=device)
    assert stored.code_hash == hashlib.sha256(typed.encode()).hexdigest()
    assert typed not in stored.code_hash
    assert stored.expires_at - timezone.now() <= timedelta(minutes=15)


def test_it_accepts_a_code_typed_in_lowercase_with_spaces(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device).replace("-", " ").lower()
    assert enrol(Client(), f"  {code} ").status_code == 302
    device.refresh_from_db()
    assert device.is_enrolled


@pytest.mark.parametrize("typed", ["ABCD-EFGH", "abc", "", "' OR 1=1 --", "A" * 20])
def test_it_refuses_a_wrong_code_and_says_so(staff, typed: str) -> None:
    device = add_device(staff)
    code_for(staff, device)
    client = Client()
    response = enrol(client, typed)
    assert response.status_code == 200
    assert credentials.COOKIE not in response.cookies
    device.refresh_from_db()
    assert not device.is_enrolled
    if typed:
        assert "Ce code est faux, a expiré ou a déjà servi" in response.content.decode()
        assert AuditEvent.objects.filter(action="device.enrolment_refused").count() == 1


def test_it_refuses_an_expired_code(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device)
    EnrolmentCode.objects.filter(device=device).update(
        expires_at=timezone.now() - timedelta(seconds=1)
    )
    response = enrol(Client(), code)
    assert response.status_code == 200
    assert "a expiré" in response.content.decode()
    device.refresh_from_db()
    assert not device.is_enrolled
    assert AuditEvent.objects.get(action="device.enrolment_refused").details == {
        "reason": "expired"
    }


def test_it_refuses_a_code_used_once_already(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device)
    first = Client()
    assert enrol(first, code).status_code == 302
    hashed = Device.objects.get(pk=device.pk).credential_hash
    response = enrol(Client(), code, address="10.0.0.99")
    assert response.status_code == 200
    assert credentials.COOKIE not in response.cookies
    assert Device.objects.get(pk=device.pk).credential_hash == hashed  # the first keeps it
    assert AuditEvent.objects.get(action="device.enrolment_refused").details == {"reason": "used"}


def test_a_new_code_replaces_the_previous_one(staff) -> None:
    device = add_device(staff)
    old = code_for(staff, device)
    new = code_for(staff, device)
    assert enrol(Client(), old).status_code == 200
    assert enrol(Client(), new).status_code == 302


def test_it_stops_an_address_that_typed_too_many_wrong_codes(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device)
    client = Client()
    for _ in range(credentials.MAX_FAILURES):
        enrol(client, "WXYZ-WXYZ")
    response = enrol(client, code)
    assert response.status_code == 200
    assert "Trop de codes faux" in response.content.decode()
    device.refresh_from_db()
    assert not device.is_enrolled
    assert enrol(Client(), code, address="10.0.0.77").status_code == 302  # another device


def test_it_refuses_codes_for_a_device_out_of_service(staff) -> None:
    device = add_device(staff)
    code = code_for(staff, device)
    Device.objects.filter(pk=device.pk).update(state=Device.State.LOST)
    assert enrol(Client(), code).status_code == 200
    device.refresh_from_db()
    with pytest.raises(actions.DeviceError):
        actions.issue_code(actor=staff, device=device)


def test_it_withdraws_an_enrolment_and_a_new_code_enrols_again(staff) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    device.refresh_from_db()
    actions.revoke(actor=staff, device=device)
    device.refresh_from_db()
    assert not device.is_enrolled and device.revoked_at is not None
    assert "Cet appareil est inscrit" not in client.get("/device/enrol/").content.decode()
    assert AuditEvent.objects.filter(action="device.revoked", target_id=str(device.pk)).exists()
    enrolled(staff, device, client)
    device.refresh_from_db()
    assert device.is_enrolled and device.revoked_at is None


def test_staff_may_not_make_codes_for_another_establishments_device(staff, outsider_staff):
    device = add_device(staff)
    with pytest.raises(actions.DeviceError):
        actions.issue_code(actor=outsider_staff, device=device)
    with pytest.raises(actions.DeviceError):
        actions.revoke(actor=outsider_staff, device=device)
    assert not EnrolmentCode.objects.exists()
