"""Devices for the tests: one made by staff, enrolled from a test client with a code."""

from __future__ import annotations

from django.test import Client

from cartable.accounts.models import Establishment, User
from cartable.devices import actions, credentials
from cartable.devices.models import Device, DeviceGroup, DevicePolicy
from tests.conftest import PASSWORD

TABLET_ADDRESS = "10.0.0.31"


def add_device(
    staff: User, label: str = "Tablette 12", group: DeviceGroup | None = None, **extra: str
) -> Device:
    assert staff.establishment is not None
    return actions.create_device(
        actor=staff,
        establishment=staff.establishment,
        kind=extra.pop("kind", Device.Kind.TABLET),
        label=label,
        group=group,
        **extra,
    )


def add_group(staff: User, name: str) -> DeviceGroup:
    assert staff.establishment is not None
    return actions.create_group(actor=staff, establishment=staff.establishment, name=name)


def code_for(staff: User, device: Device) -> str:
    return actions.issue_code(actor=staff, device=device).code


def enrolled(staff: User, device: Device, client: Client | None = None) -> Client:
    """A client (the device) that typed a fresh code on the enrolment page."""
    client = client or Client()
    response = client.post(
        "/device/enrol/", {"code": code_for(staff, device)}, REMOTE_ADDR=TABLET_ADDRESS
    )
    assert response.status_code == 302, response.content.decode()
    assert client.cookies[credentials.COOKIE].value
    return client


def require_enrolled(
    staff: User, establishment: Establishment, groups: list[DeviceGroup] | None = None
) -> DevicePolicy:
    return actions.set_policy(
        actor=staff, establishment=establishment, enrolled_only=True, groups=groups or []
    )


def sign_in(client: Client, username: str, password: str = PASSWORD, **extra: str):
    return client.post(
        "/accounts/login/",
        {"username": username, "password": password},
        REMOTE_ADDR=TABLET_ADDRESS,
        **extra,
    )
