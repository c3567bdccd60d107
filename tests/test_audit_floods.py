"""Refused pages and failed sign-ins come in floods: the first from a person or device in a
period is logged at once, the next ones are counted, and the count is logged when the period
is over. Nothing is dropped, and no sealed entry is rewritten."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from cartable.audit.actions import MAX_SAMPLES, OTHERS, record
from cartable.audit.models import AuditEvent, Tally
from cartable.audit.verify import verify
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db


def period_over() -> None:
    Tally.objects.update(closes_at=timezone.now() - timedelta(seconds=1))


def test_it_logs_a_learner_probing_200_pages_once_then_counts_every_try(
    learner, staff, home
) -> None:
    client = signed_in(learner)
    client.defaults["REMOTE_ADDR"] = "10.0.0.31"
    for number in range(200):
        assert client.get(f"/accounts/{number}/").status_code == 403
    refused = AuditEvent.objects.filter(action="access.refused")
    assert refused.count() == 1
    assert refused.get().details == {"path": "/accounts/0/", "method": "GET"}

    period_over()
    record("group.created", actor=staff)  # the next entry, whoever writes it
    first, count = refused.order_by("seq")
    assert (count.actor, count.ip_address) == (learner, "10.0.0.31")
    assert count.details["repeated"] == 199
    assert count.details["after"] == first.seq
    about = count.details["about"]
    assert len(about) == MAX_SAMPLES + 1
    assert about["/accounts/1/"] == 1 and about[OTHERS] == 199 - MAX_SAMPLES
    assert sum(about.values()) == 199
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.action == "group.created" and last.seq == count.seq + 1
    assert Tally.objects.count() == 0
    assert verify(home).intact


def test_a_refusal_after_the_period_logs_the_count_before_itself(learner, home) -> None:
    client = signed_in(learner)
    for page in ("/audit/", "/catalog/", "/audit/"):
        assert client.get(page).status_code == 403
    period_over()
    assert client.get("/accounts/").status_code == 403
    refused = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    assert [(event.details.get("path"), event.details.get("repeated")) for event in refused] == [
        ("/audit/", None),
        (None, 2),
        ("/accounts/", None),
    ]
    assert refused[1].details["about"] == {"/catalog/": 1, "/audit/": 1}
    assert Tally.objects.get().first_seq == refused[2].seq
    assert verify(home).intact


def test_it_counts_each_person_and_device_apart(learner, other_learner) -> None:
    signed_in(learner).get("/audit/", REMOTE_ADDR="10.0.0.31")
    signed_in(learner).get("/audit/", REMOTE_ADDR="10.0.0.32")
    signed_in(other_learner).get("/audit/", REMOTE_ADDR="10.0.0.31")
    signed_in(learner).get("/catalog/", REMOTE_ADDR="10.0.0.31")
    refused = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    assert [(event.actor, event.ip_address) for event in refused] == [
        (learner, "10.0.0.31"),
        (learner, "10.0.0.32"),
        (other_learner, "10.0.0.31"),
    ]
    assert Tally.objects.get(count=1).samples == {"/catalog/": 1}


def test_it_counts_failed_sign_ins_from_one_device_by_the_account_tried(learner, admin) -> None:
    anyone = Client(REMOTE_ADDR="10.0.0.66")
    for _ in range(100):
        anyone.post("/accounts/login/", {"username": "ada", "password": "wrong"})
    for name in ("lea", "LEA", "ghost"):
        anyone.post("/accounts/login/", {"username": name, "password": "wrong"})
    failed = AuditEvent.objects.filter(action="auth.sign_in_failed").order_by("seq")
    # One entry at once for the first try (per establishment the accounts belong to, and
    # names that are no account's apart), the rest counted.
    assert [event.details for event in failed] == [{"username": "ada"}, {"username": "?"}]
    out = io.StringIO()
    call_command("audit", "flush", stdout=out)
    counts = failed.filter(details__has_key="repeated")
    assert [(event.details["repeated"], event.details["about"]) for event in counts] == [
        (101, {"ada": 99, "lea": 2}),
    ]
    assert counts.get().establishment_id == admin.establishment_id
    assert "1" in out.getvalue()


def test_a_sign_in_that_follows_still_logs_at_once(learner) -> None:
    device = Client(REMOTE_ADDR="10.0.0.66")
    device.post("/accounts/login/", {"username": "lea", "password": "wrong"})
    device.post("/accounts/login/", {"username": "lea", "password": "wrong"})
    device.post("/accounts/login/", {"username": "lea", "password": PASSWORD})
    assert list(AuditEvent.objects.order_by("seq").values_list("action", flat=True)) == [
        "auth.sign_in_failed",
        "auth.sign_in",
    ]
    assert Tally.objects.get().count == 1


def test_it_shows_staff_what_is_being_counted(learner, staff, outsider_staff) -> None:
    client = signed_in(learner)
    for number in range(3):
        client.get(f"/accounts/{number}/", REMOTE_ADDR="10.0.0.31")
    first = AuditEvent.objects.get(action="access.refused")
    page = signed_in(staff).get("/audit/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Being counted" in page
    assert f"lea (10.0.0.31) — 2 more since #{first.seq}," in page
    elsewhere = signed_in(outsider_staff).get("/audit/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Being counted" not in elsewhere.content.decode()
