"""The box's clock: staff see it; every staff page warns when it looks wrong (earlier than the
audit log's last event, or far from the last import); an administrator sets it through the
configured command, or is shown the command to run, or confirms it is right; all audited."""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from datetime import UTC, timedelta

import pytest
from django.utils import timezone

from cartable.access import clock
from cartable.audit.actions import record
from cartable.audit.models import AuditEvent
from tests.access_world import move_clock
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_references() -> Iterator[None]:
    clock.forget()
    yield
    clock.forget()  # no other test reads the references of this one's moved clock


def test_it_shows_staff_the_clock_without_warning_when_it_looks_right(staff) -> None:
    record("course.imported", actor=staff)
    page = signed_in(staff).get("/access/clock/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "L’horloge de la box indique" in text
    assert "Elle semble juste." in text
    assert "message--warning" not in text
    assert "Régler l’horloge" not in text  # administrators only


def test_it_warns_on_every_staff_page_when_the_clock_is_before_the_last_event(
    staff, monkeypatch
) -> None:
    record("group.created", actor=staff)
    move_clock(monkeypatch, "1970-01-01 01:00")
    clock.forget()
    text = signed_in(staff).get("/accounts/").content.decode()
    assert "avant le dernier événement du journal d’audit" in text
    assert "/access/clock/" in text


def test_it_warns_when_the_clock_is_far_from_the_last_import(staff, monkeypatch) -> None:
    record("course.imported", actor=staff)
    move_clock(monkeypatch, "2037-06-01 10:00")
    warnings = clock.warnings()
    assert len(warnings) == 1
    assert "à plus de 30 jours du dernier import de cours" in warnings[0]
    assert "2037-06-01 10:00" in warnings[0]


def test_it_warns_no_learner_or_teacher(learner, teacher, course, monkeypatch) -> None:
    record("group.created", actor=teacher)
    move_clock(monkeypatch, "1970-01-01 01:00")
    for user in (learner, teacher):
        assert "message--warning" not in signed_in(user).get("/").content.decode()


def test_it_reads_the_references_once_a_minute(staff, django_assert_num_queries) -> None:
    client = signed_in(staff)
    client.get("/access/sessions/")
    # session, user, the sessions and their data, the menu's counts (courses to review, messages
    # to approve): no clock reference
    with django_assert_num_queries(6):
        assert client.get("/access/sessions/").status_code == 200


def test_an_administrator_confirms_the_clock_and_the_warning_stops(admin, monkeypatch) -> None:
    record("course.imported", actor=admin)
    move_clock(monkeypatch, "2037-06-01 10:00")
    monkeypatch.setattr(timezone, "now", lambda: clock.gate.now())  # the log's clock too
    assert clock.warnings()
    response = signed_in(admin).post("/access/clock/confirm/")
    assert response.status_code == 302
    assert clock.warnings() == []
    event = AuditEvent.objects.get(action="clock.confirmed")
    assert event.actor == admin


def test_it_shows_the_command_when_the_box_may_not_set_its_clock(admin, settings) -> None:
    settings.CLOCK_COMMAND = ""
    page = signed_in(admin).post("/access/clock/set/", {"moment": "2026-12-03 10:30"})
    assert page.status_code == 200
    moment = timezone.make_aware(timezone.datetime(2026, 12, 3, 10, 30))
    assert f"sudo date -s @{int(moment.timestamp())}" in page.content.decode()
    event = AuditEvent.objects.get(action="clock.correction_asked")
    assert event.details["asked"] == moment.astimezone(UTC).isoformat()
    assert not AuditEvent.objects.filter(action="clock.set").exists()


def test_it_sets_the_clock_through_the_configured_command(admin, settings, tmp_path) -> None:
    written = tmp_path / "args.json"
    script = tmp_path / "fake_date.py"
    script.write_text(
        f"import json, sys\nopen({str(written)!r}, 'w').write(json.dumps(sys.argv[1:]))\n"
    )
    settings.CLOCK_COMMAND = f"{sys.executable} {script} -s"
    response = signed_in(admin).post("/access/clock/set/", {"moment": "2026-12-03 10:30"})
    assert response.status_code == 302
    moment = timezone.make_aware(timezone.datetime(2026, 12, 3, 10, 30))
    assert json.loads(written.read_text()) == ["-s", f"@{int(moment.timestamp())}"]
    event = AuditEvent.objects.get(action="clock.set")
    assert event.details["status"] == 0
    assert event.actor == admin


def test_it_says_when_the_command_fails(admin, settings) -> None:
    settings.CLOCK_COMMAND = "/bin/false"
    page = signed_in(admin).post("/access/clock/set/", {"moment": "2026-12-03 10:30"})
    assert page.status_code == 400
    assert "L’horloge n’a pas pu être réglée" in page.content.decode()
    assert AuditEvent.objects.get(action="clock.set_failed").details["status"] == 1


def test_it_refuses_a_bad_date(admin) -> None:
    page = signed_in(admin).post("/access/clock/set/", {"moment": "demain matin"})
    assert page.status_code == 400
    assert not AuditEvent.objects.filter(action__startswith="clock.").exists()


@pytest.mark.parametrize("persona", ["staff", "outsider_staff", "teacher", "learner"])
def test_it_lets_only_administrators_set_the_clock(persona, request, settings) -> None:
    settings.CLOCK_COMMAND = "/bin/true"
    client = signed_in(request.getfixturevalue(persona))
    assert client.post("/access/clock/set/", {"moment": "2026-12-03 10:30"}).status_code == 403
    assert client.post("/access/clock/confirm/").status_code == 403
    assert not AuditEvent.objects.filter(action__startswith="clock.").exists()


def test_it_starts_again_from_the_clock_set_after_a_clock_far_ahead(admin, monkeypatch) -> None:
    move_clock(monkeypatch, "2037-06-01 10:00")
    monkeypatch.setattr(timezone, "now", lambda: clock.gate.now())
    record("group.created", actor=admin)  # written while the clock was far ahead
    move_clock(monkeypatch, "2026-12-03 10:00")
    assert any("avant le dernier événement" in w for w in clock.warnings(clock.references()))
    clock.confirm(actor=admin)
    assert clock.warnings(clock.references()) == []
    assert clock.references().latest is not None
    assert clock.references().checked is not None
    assert timedelta(0) <= clock.gate.now() - clock.references().checked < timedelta(minutes=1)
