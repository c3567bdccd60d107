"""Renaming and deleting device groups: staff of the group's establishment (administrators:
any), audited; a group that holds devices or that a sign-in rule names is never deleted."""

from __future__ import annotations

import pytest

from cartable.audit.models import AuditEvent
from cartable.devices import actions
from cartable.devices.models import DeviceGroup
from tests.conftest import signed_in
from tests.devicedata import add_device, add_group

pytestmark = pytest.mark.django_db

NNBSP = "\u202f"


def test_staff_rename_a_device_group_and_it_is_audited(staff) -> None:
    room = add_group(staff, "Salle 1")
    client = signed_in(staff)
    assert "Salle 1" in client.get(f"/devices/groups/{room.pk}/").content.decode()
    response = client.post(f"/devices/groups/{room.pk}/", {"name": "  Salle informatique  "})
    assert response.status_code == 302 and response["Location"] == "/devices/groups/"
    room.refresh_from_db()
    assert room.name == "Salle informatique"
    event = AuditEvent.objects.get(action="device.group_renamed")
    assert event.actor == staff
    assert event.details == {"from": "Salle 1", "to": "Salle informatique"}
    listing = client.get("/devices/groups/").content.decode()
    assert f"Groupe d’appareils renommé «{NNBSP}Salle informatique{NNBSP}»" in listing


def test_it_refuses_an_empty_name_or_one_already_taken(staff) -> None:
    room = add_group(staff, "Salle 1")
    add_group(staff, "Salle 2")
    client = signed_in(staff)
    taken = client.post(f"/devices/groups/{room.pk}/", {"name": "Salle 2"})
    assert taken.status_code == 200
    assert "Il existe déjà un groupe d’appareils" in taken.content.decode()
    assert client.post(f"/devices/groups/{room.pk}/", {"name": "   "}).status_code == 200
    room.refresh_from_db()
    assert room.name == "Salle 1"
    assert not AuditEvent.objects.filter(action="device.group_renamed").exists()


def test_staff_delete_an_empty_device_group_and_it_is_audited(staff) -> None:
    room = add_group(staff, "Salle vide")
    response = signed_in(staff).post(f"/devices/groups/{room.pk}/delete/")
    assert response.status_code == 302 and response["Location"] == "/devices/groups/"
    assert not DeviceGroup.objects.filter(pk=room.pk).exists()
    event = AuditEvent.objects.get(action="device.group_deleted")
    assert event.actor == staff and event.details == {"name": "Salle vide"}


def test_it_refuses_to_delete_a_group_that_holds_devices(staff) -> None:
    room = add_group(staff, "Aile B")
    device = add_device(staff, "Tablette 4", group=room)
    client = signed_in(staff)
    response = client.post(f"/devices/groups/{room.pk}/delete/", follow=True)
    text = response.content.decode()
    assert "contient encore 1 appareil" in text
    assert "déplacez-le d’abord dans un autre groupe" in text
    device.refresh_from_db()
    assert device.group == room
    assert DeviceGroup.objects.filter(pk=room.pk).exists()
    assert not AuditEvent.objects.filter(action="device.group_deleted").exists()


def test_it_refuses_to_delete_a_group_a_sign_in_rule_names(staff, cohort) -> None:
    assert staff.establishment is not None
    room = add_group(staff, "Salle de classe")
    wing = add_group(staff, "Aile C")
    actions.set_policy(
        actor=staff, establishment=staff.establishment, enrolled_only=True, groups=[room]
    )
    actions.set_cohort_rule(actor=staff, cohort=cohort, groups=[wing])
    client = signed_in(staff)
    for group in (room, wing):
        text = client.post(f"/devices/groups/{group.pk}/delete/", follow=True).content.decode()
        assert "est nommé dans une règle de connexion" in text
    assert DeviceGroup.objects.filter(pk__in=[room.pk, wing.pk]).count() == 2
    assert not AuditEvent.objects.filter(action="device.group_deleted").exists()


def test_another_establishments_staff_neither_rename_nor_delete_a_group(
    staff, outsider_staff, learner
) -> None:
    room = add_group(staff, "Salle 1")
    outsider = signed_in(outsider_staff)
    assert outsider.get(f"/devices/groups/{room.pk}/").status_code == 404
    assert outsider.post(f"/devices/groups/{room.pk}/", {"name": "Pris"}).status_code == 404
    assert outsider.post(f"/devices/groups/{room.pk}/delete/").status_code == 404
    assert signed_in(learner).post(f"/devices/groups/{room.pk}/delete/").status_code == 403
    with pytest.raises(actions.DeviceError):
        actions.delete_group(actor=outsider_staff, group=room)
    with pytest.raises(actions.DeviceError):
        actions.rename_group(actor=outsider_staff, group=room, name="Pris")
    room.refresh_from_db()
    assert room.name == "Salle 1"


def test_an_administrator_deletes_any_establishments_empty_group(staff, admin) -> None:
    room = add_group(staff, "Salle vide")
    assert signed_in(admin).post(f"/devices/groups/{room.pk}/delete/").status_code == 302
    assert not DeviceGroup.objects.filter(pk=room.pk).exists()
