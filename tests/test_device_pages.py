"""Staff's pages for devices: the register with its filters, a device's page, groups, codes,
withdrawing, the sign-in rule; each for their establishment only (administrators: all)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cartable.audit.models import AuditEvent
from cartable.devices import actions
from cartable.devices.models import CohortDeviceRule, Device, DeviceGroup, DevicePolicy
from tests.conftest import signed_in
from tests.devicedata import add_device, add_group, enrolled

pytestmark = pytest.mark.django_db


def test_staff_add_a_device_and_find_it_with_the_filters(staff) -> None:
    room = add_group(staff, "Salle informatique")
    client = signed_in(staff)
    response = client.post(
        "/devices/new/",
        {"label": "PC 3", "kind": "classroom_pc", "asset_number": "SN-77", "group": room.pk},
    )
    device = Device.objects.get(label="PC 3")
    assert response["Location"] == f"/devices/{device.pk}/"
    assert (device.establishment, device.group, device.kind) == (
        staff.establishment,
        room,
        "classroom_pc",
    )
    assert AuditEvent.objects.get(action="device.created").details == {
        "kind": "classroom_pc",
        "asset": "SN-77",
        "group": "Salle informatique",
        "state": "active",
    }
    other = add_device(staff, "Tablette perdue")
    Device.objects.filter(pk=other.pk).update(state=Device.State.LOST)
    enrolled(staff, device)

    def listed(query: str) -> str:
        return client.get(f"/devices/?{query}").content.decode()

    assert "PC 3" in listed(f"group={room.pk}") and "Tablette perdue" not in listed(
        f"group={room.pk}"
    )
    assert "Tablette perdue" in listed("state=lost") and "PC 3" not in listed("state=lost")
    assert "PC 3" in listed("enrolled=yes") and "Tablette perdue" not in listed("enrolled=yes")
    assert "Tablette perdue" in listed("enrolled=no") and "PC 3" not in listed("enrolled=no")
    assert "PC 3" in listed("q=sn-77")
    assert client.get("/devices/?state=nonsense&group=abc").status_code == 200


def test_an_asset_number_is_unique_in_an_establishment(staff, outsider_staff) -> None:
    add_device(staff, asset_number="INV-1")
    page = signed_in(staff).post(
        "/devices/new/", {"label": "Double", "kind": "tablet", "asset_number": "INV-1"}
    )
    assert "Un autre appareil a le numéro d’inventaire" in page.content.decode()
    add_device(outsider_staff, asset_number="INV-1")  # another establishment's register
    assert Device.objects.filter(asset_number="INV-1").count() == 2


def test_staff_change_a_device_and_it_is_audited(staff) -> None:
    device = add_device(staff)
    response = signed_in(staff).post(
        f"/devices/{device.pk}/edit/",
        {"label": "Tablette 12", "kind": "tablet", "state": "retired", "notes": "Batterie HS"},
    )
    assert response.status_code == 302
    device.refresh_from_db()
    assert (device.state, device.notes) == ("retired", "Batterie HS")
    assert AuditEvent.objects.get(action="device.changed").details == {
        "state": ["active", "retired"]
    }


def test_staff_may_not_put_a_device_in_another_establishments_group(staff, outsider_staff) -> None:
    theirs = add_group(outsider_staff, "Salle du campus")
    device = add_device(staff)
    page = signed_in(staff).post(
        f"/devices/{device.pk}/edit/",
        {"label": "X", "kind": "tablet", "state": "active", "group": theirs.pk},
    )
    assert page.status_code == 200
    device.refresh_from_db()
    assert device.group is None and device.label == "Tablette 12"


def test_the_code_page_shows_a_new_code_once(staff) -> None:
    device = add_device(staff)
    client = signed_in(staff)
    assert "enrolment-code" not in client.get(f"/devices/{device.pk}/code/").content.decode()
    response = client.post(f"/devices/{device.pk}/code/")
    page = response.content.decode()
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    assert 'id="enrolment-code"' in page and "/device/enrol/" in page


def test_staff_withdraw_an_enrolment_from_the_device_page(staff) -> None:
    device = add_device(staff)
    enrolled(staff, device)
    client = signed_in(staff)
    assert "Retirer l’inscription" in client.get(f"/devices/{device.pk}/").content.decode()
    assert client.post(f"/devices/{device.pk}/revoke/").status_code == 302
    device.refresh_from_db()
    assert device.revoked_at is not None
    assert AuditEvent.objects.filter(action="device.revoked").count() == 1


def test_staff_create_device_groups(staff) -> None:
    client = signed_in(staff)
    assert client.post("/devices/groups/", {"name": "Aile B"}).status_code == 302
    assert DeviceGroup.objects.get().establishment == staff.establishment
    page = client.post("/devices/groups/", {"name": "Aile B"})
    assert "Il existe déjà un groupe d’appareils" in page.content.decode()
    assert AuditEvent.objects.filter(action="device.group_created").count() == 1


def test_staff_set_the_sign_in_rule_of_their_establishment(
    staff, establishment, cohort, outsider_staff, other_establishment
) -> None:
    room = add_group(staff, "Salle 1")
    theirs = add_group(outsider_staff, "Salle du campus")
    client = signed_in(staff)
    address = f"/devices/rules/{establishment.pk}/"
    page = client.get(address).content.decode()
    assert "Salle 1" in page and "Salle du campus" not in page
    response = client.post(
        address, {"form": "establishment", "enrolled_only": "on", "groups": [room.pk]}
    )
    assert response.status_code == 302
    policy = DevicePolicy.objects.get(establishment=establishment)
    assert policy.enrolled_only and list(policy.groups.all()) == [room]
    assert AuditEvent.objects.get(action="device.rule_changed").details == {
        "enrolled_only": True,
        "groups": ["Salle 1"],
    }
    refused = client.post(
        address, {"form": "establishment", "enrolled_only": "on", "groups": [theirs.pk]}
    )
    assert refused.status_code == 200
    assert list(DevicePolicy.objects.get().groups.all()) == [room]
    assert (
        client.post(
            address, {"form": "cohort", "cohort": cohort.pk, "device_groups": [room.pk]}
        ).status_code
        == 302
    )
    assert list(CohortDeviceRule.objects.get(cohort=cohort).groups.all()) == [room]
    client.post(address, {"form": "cohort", "cohort": cohort.pk})
    assert not CohortDeviceRule.objects.exists()
    assert client.post(address, {"form": "autre"}).status_code == 400
    assert client.get(f"/devices/rules/{other_establishment.pk}/").status_code == 404


def test_other_establishments_staff_see_none_of_the_devices(staff, outsider_staff) -> None:
    device = add_device(staff, "Tablette secrète")
    add_group(staff, "Salle secrète")
    client = signed_in(outsider_staff)
    assert "Tablette secrète" not in client.get("/devices/").content.decode()
    assert "Salle secrète" not in client.get("/devices/groups/").content.decode()
    for address in ("", "edit/", "code/", "checkout/"):
        assert client.get(f"/devices/{device.pk}/{address}").status_code == 404
    for address in ("code/", "revoke/", "edit/", "checkout/"):
        assert client.post(f"/devices/{device.pk}/{address}").status_code == 404
    assert not AuditEvent.objects.filter(action="device.code_issued").exists()


def test_learners_and_teachers_may_not_open_the_staff_pages(learner, teacher, staff) -> None:
    device = add_device(staff)
    for person in (learner, teacher):
        client = signed_in(person)
        for address in ("/devices/", f"/devices/{device.pk}/", "/devices/loans/overdue/"):
            assert client.get(address).status_code == 403
        assert client.post(f"/devices/{device.pk}/code/").status_code == 403
    assert not AuditEvent.objects.filter(action="device.code_issued").exists()


def test_administrators_see_every_establishments_devices(admin, staff, outsider_staff) -> None:
    add_device(staff, "Tablette ici")
    add_device(outsider_staff, "Tablette là-bas")
    page = signed_in(admin).get("/devices/").content.decode()
    assert "Tablette ici" in page and "Tablette là-bas" in page


def test_the_enrolment_page_is_open_to_anyone(db, learner) -> None:
    from django.test import Client

    assert Client().get("/device/enrol/").status_code == 200
    assert signed_in(learner).get("/device/enrol/").status_code == 200


def test_the_register_costs_the_same_queries_for_3_devices_or_30(staff, learner) -> None:
    client = signed_in(staff)
    room = add_group(staff, "Salle 2")

    def count() -> int:
        client.get("/devices/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/devices/").status_code == 200
        return len(queries)

    def add(number: int) -> None:
        for index in range(number):
            device = add_device(staff, f"Appareil {Device.objects.count()}", group=room)
            if index % 2:
                actions.check_out(
                    actor=staff,
                    device=device,
                    learner=learner,
                    due_on=date(2099, 1, 1),
                    condition="good",
                )

    add(3)
    few = count()
    add(27)
    assert count() == few
