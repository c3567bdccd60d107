"""An establishment may ask its learners to sign in only from its enrolled devices, and only
from some device groups (per establishment, or per group of learners). Staff and teachers
sign in from anywhere. A learner's session ends at the next request once their device is no
longer allowed (withdrawn, lost, moved, or the session taken to another device)."""

from __future__ import annotations

import time

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from cartable.audit.models import AuditEvent
from cartable.devices import actions, credentials, signin
from cartable.devices.models import Device
from tests.conftest import make_user
from tests.devicedata import (
    add_device,
    add_group,
    enrolled,
    require_enrolled,
    sign_in,
)

pytestmark = pytest.mark.django_db

NOT_ENROLLED = "Cet appareil n’est pas inscrit"
SIGN_IN_REFUSED = "device.sign_in_refused"


def on(device: Client) -> Client:
    """A new browser session on the same device (its device cookie only)."""
    client = Client()
    client.cookies[credentials.COOKIE] = device.cookies[credentials.COOKIE].value
    return client


def signed_in_here(client: Client) -> bool:
    return client.get("/").status_code == 200


def test_a_learner_signs_in_from_any_device_when_the_rule_is_off(learner, staff) -> None:
    client = Client()
    assert sign_in(client, "lea").status_code == 302
    assert signed_in_here(client)
    assert not AuditEvent.objects.filter(action=SIGN_IN_REFUSED).exists()


def test_it_refuses_a_learner_on_an_unenrolled_device_when_required(
    learner, staff, establishment
) -> None:
    require_enrolled(staff, establishment)
    client = Client()
    response = sign_in(client, "lea")
    assert response.status_code == 200
    assert NOT_ENROLLED in response.content.decode()
    assert not signed_in_here(client)
    event = AuditEvent.objects.get(action=SIGN_IN_REFUSED)
    assert event.actor == learner
    assert event.details == {"reason": "not_enrolled", "device": ""}
    assert event.establishment_id == establishment.pk
    assert not AuditEvent.objects.filter(action="auth.sign_in").exists()


def test_it_says_so_in_english_too(learner, staff, establishment) -> None:
    require_enrolled(staff, establishment)
    client = Client()
    client.post("/language/", {"language": "en"})
    page = sign_in(client, "lea").content.decode()
    assert "This device is not enrolled: you may sign in only from the establishment" in page


def test_a_wrong_password_on_an_unenrolled_device_says_only_that_the_password_is_wrong(
    learner, staff, establishment
) -> None:
    require_enrolled(staff, establishment)
    page = sign_in(Client(), "lea", "pas-le-bon").content.decode()
    assert "Identifiant ou mot de passe incorrect" in page
    assert NOT_ENROLLED not in page


def test_it_lets_a_learner_sign_in_from_an_enrolled_device(learner, staff, establishment) -> None:
    device = add_device(staff)
    require_enrolled(staff, establishment)
    client = enrolled(staff, device)
    Device.objects.filter(pk=device.pk).update(last_seen_at=None)
    assert sign_in(client, "lea").status_code == 302
    assert signed_in_here(client)
    bound = client.session[signin.SESSION_KEY]
    assert bound[0] == device.pk
    device.refresh_from_db()
    assert device.last_seen_at is not None


@pytest.mark.parametrize("persona", ["staff", "teacher", "admin"])
def test_staff_and_teachers_sign_in_from_any_device(
    request, persona: str, staff, establishment
) -> None:
    user = request.getfixturevalue(persona)
    require_enrolled(staff, establishment)
    client = Client()
    assert sign_in(client, user.username).status_code == 302
    assert client.get("/").status_code in (200, 302)
    assert "_auth_user_id" in client.session


def test_it_refuses_a_device_whose_enrolment_was_withdrawn(learner, staff, establishment):
    device = add_device(staff)
    client = enrolled(staff, device)
    require_enrolled(staff, establishment)
    device.refresh_from_db()
    actions.revoke(actor=staff, device=device)
    page = sign_in(client, "lea").content.decode()
    assert "L’inscription de cet appareil a été retirée" in page
    assert AuditEvent.objects.get(action=SIGN_IN_REFUSED).details == {
        "reason": "revoked",
        "device": "Tablette 12",
    }


def test_it_refuses_a_device_marked_lost(learner, staff, establishment) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    require_enrolled(staff, establishment)
    Device.objects.filter(pk=device.pk).update(state=Device.State.LOST)
    assert "Cet appareil est hors service" in sign_in(client, "lea").content.decode()


def test_it_refuses_a_device_of_another_establishment(
    learner, staff, outsider_staff, establishment
) -> None:
    theirs = add_device(outsider_staff, "Tablette du campus")
    client = enrolled(outsider_staff, theirs)
    require_enrolled(staff, establishment)
    assert NOT_ENROLLED in sign_in(client, "lea").content.decode()


def test_it_refuses_a_forged_or_oversized_device_cookie(learner, staff, establishment) -> None:
    require_enrolled(staff, establishment)
    for value in ("forged", "x" * 5000):
        client = Client()
        client.cookies[credentials.COOKIE] = value
        assert NOT_ENROLLED in sign_in(client, "lea").content.decode()


def test_it_keeps_learners_to_the_establishments_device_groups(
    learner, staff, establishment
) -> None:
    classroom, cells = add_group(staff, "Salle 1"), add_group(staff, "Aile B")
    in_class = enrolled(staff, add_device(staff, "PC salle 1", group=classroom))
    in_cell = enrolled(staff, add_device(staff, "Boîtier B12", group=cells))
    no_group = enrolled(staff, add_device(staff, "Portable"))
    require_enrolled(staff, establishment, [classroom])
    assert sign_in(on(in_class), "lea").status_code == 302
    for client in (on(in_cell), on(no_group)):
        page = sign_in(client, "lea").content.decode()
        assert "Vous ne pouvez pas vous connecter depuis cet appareil ici" in page
    reasons = AuditEvent.objects.filter(action=SIGN_IN_REFUSED).values_list("details", flat=True)
    assert list(reasons) == [{"reason": "outside_groups", "device": "Boîtier B12"}]  # then counted


def test_a_group_of_learners_has_its_own_device_groups(
    learner, other_learner, staff, establishment, cohort
) -> None:
    classroom, cells = add_group(staff, "Salle 1"), add_group(staff, "Aile B")
    cohort.members.add(learner)
    in_class = enrolled(staff, add_device(staff, "PC salle 1", group=classroom))
    in_cell = enrolled(staff, add_device(staff, "Boîtier B12", group=cells))
    actions.set_cohort_rule(actor=staff, cohort=cohort, groups=[cells])
    # The group's rule applies though the establishment asks nothing of the others…
    assert sign_in(Client(), "omar").status_code == 302
    assert NOT_ENROLLED in sign_in(Client(), "lea").content.decode()
    assert sign_in(on(in_cell), "lea").status_code == 302
    # …and replaces the establishment's for its members.
    require_enrolled(staff, establishment, [classroom])
    assert sign_in(Client(), "lea").status_code == 200
    assert sign_in(on(in_class), "lea").status_code == 200
    assert sign_in(on(in_cell), "lea").status_code == 302
    assert sign_in(on(in_class), "omar").status_code == 302
    assert sign_in(on(in_cell), "omar").status_code == 200
    event = AuditEvent.objects.get(action="device.group_rule_changed")
    assert event.details == {"group": "DAEU A", "groups": ["Aile B"]}


# --- Open sessions ------------------------------------------------------------------------------


def test_withdrawing_a_device_ends_its_learners_session_at_the_next_request(
    learner, staff, establishment
) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    require_enrolled(staff, establishment)
    assert sign_in(client, "lea").status_code == 302
    assert signed_in_here(client)
    device.refresh_from_db()
    actions.revoke(actor=staff, device=device)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    page = client.get(response["Location"]).content.decode()
    assert "L’inscription de cet appareil a été retirée" in page
    event = AuditEvent.objects.get(action="device.session_ended")
    assert event.actor == learner
    assert event.details == {"reason": "revoked", "device": "Tablette 12"}
    assert "_auth_user_id" not in client.session


def test_a_session_taken_to_another_device_ends(learner, staff, establishment) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    require_enrolled(staff, establishment)
    sign_in(client, "lea")
    elsewhere = Client()
    name = settings.SESSION_COOKIE_NAME
    elsewhere.cookies[name] = client.cookies[name].value
    assert elsewhere.get("/").status_code == 302
    assert AuditEvent.objects.get(action="device.session_ended").details["reason"] == (
        "not_enrolled"
    )


def test_a_rule_turned_on_reaches_open_sessions_within_a_minute(
    learner, staff, establishment, monkeypatch
) -> None:
    client = Client()
    sign_in(client, "lea")
    assert signed_in_here(client)
    require_enrolled(staff, establishment)
    assert signed_in_here(client)  # checked again once a minute, not on every page
    now = int(time.time()) + signin.CHECK_EVERY + 1
    monkeypatch.setattr("cartable.devices.middleware.time.time", lambda: now)
    monkeypatch.setattr("cartable.web.middleware.time.time", lambda: now)
    assert client.get("/").status_code == 302
    assert AuditEvent.objects.filter(action="device.session_ended").exists()


def test_staff_sessions_are_never_checked(staff, establishment) -> None:
    require_enrolled(staff, establishment)
    client = Client()
    sign_in(client, "sam")
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/health/").status_code == 200
    assert not [q for q in queries if "devices_" in q["sql"]]


# --- What it costs -------------------------------------------------------------------------------


def device_queries(client: Client, address: str = "/health/") -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return [q["sql"] for q in queries if "devices_" in q["sql"]]


def test_a_learner_the_rule_does_not_apply_to_costs_no_query(learner, staff) -> None:
    client = Client()
    sign_in(client, "lea")
    assert device_queries(client) == []


def test_a_learner_on_an_enrolled_device_costs_one_query_by_key(
    learner, staff, establishment
) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    require_enrolled(staff, establishment)
    sign_in(client, "lea")
    client.get("/health/")  # the idle clock starts
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/health/").status_code == 200
    tables = [q["sql"].split(" FROM ", 1)[1].split()[0].strip('"`') for q in queries]
    assert tables == ["django_session", "accounts_user", "devices_device"]
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith("UPDATE")]


def test_another_learner_is_unaffected_by_a_rule_for_another_establishment(
    outsider_staff, other_establishment, establishment, staff
) -> None:
    require_enrolled(outsider_staff, other_establishment)
    make_user("nina", "learner", establishment)
    assert sign_in(Client(), "nina").status_code == 302


def test_a_sign_in_on_an_enrolled_device_marks_it_seen(teacher, staff) -> None:
    device = add_device(staff)
    client = enrolled(staff, device)
    Device.objects.filter(pk=device.pk).update(last_seen_at=None)
    assert sign_in(client, "tess").status_code == 302
    device.refresh_from_db()
    assert device.last_seen_at is not None
