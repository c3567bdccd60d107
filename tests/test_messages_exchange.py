"""A learner's message to a remote teacher travels to the university in the next work bundle,
and the hub keeps it as the box wrote it."""

from __future__ import annotations

from pathlib import Path

import pytest

from cartable.accounts.models import Role
from cartable.catalog.models import Enrolment
from cartable.exchange import actions as exchange
from cartable.exchange.models import ReceivedEntry
from cartable.messaging import actions
from tests.conftest import make_user
from tests.exchangesides import Sides, register

pytestmark = pytest.mark.django_db


def test_a_message_to_a_remote_teacher_reaches_the_hub(
    monkeypatch, tmp_path: Path, institution, course, learner
) -> None:
    remote = make_user("prof-univ", Role.TEACHER, None, first_name="Paule", last_name="Lenoir")
    Enrolment.objects.create(user=remote, course=course, role=Enrolment.Role.TEACHER)
    sides = Sides(monkeypatch, tmp_path / "sides")
    (tmp_path / "sides").mkdir()
    hub, box = register(sides, institution)
    message = actions.send(
        actor=learner, recipient=remote, subject="Lettre", body="Ma question\x00 sur la lettre"
    )
    path = tmp_path / "work-1.cartable"
    done = exchange.export(actor=None, peer=hub, kind="work", destination=path)
    assert done.entries == 1
    with sides.on("hub"):
        exchange.apply(actor=None, path=path)
    received = ReceivedEntry.objects.get(peer=box)
    assert received.kind == "message"
    assert received.payload["message"]["id"] == message.pk
    assert received.payload["message"]["to"] == "prof-univ"
    assert received.payload["message"]["body"] == "Ma question sur la lettre"
    assert received.payload["user"] == {"username": "lea"}
