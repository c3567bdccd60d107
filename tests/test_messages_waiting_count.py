"""The number of messages waiting for a staff member's approval, in their menu: their
establishment's only, one small query, and never computed for learners or teachers."""

from __future__ import annotations

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cartable.messaging import actions
from cartable.messaging.models import Policy
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

BODY = "Bonjour, je n’ai pas compris l’exercice 3."
COUNT = re.compile(
    r'class="tag tag--count">(\d+)<span class="visually-hidden"> messages? en attente'
)


def waiting_in_menu(client, path: str = "/accounts/") -> list[str]:
    response = client.get(path)
    assert response.status_code == 200
    return COUNT.findall(response.content.decode())


def test_it_shows_staff_how_many_messages_wait_for_their_approval(
    establishment, learner, teacher, staff, course
) -> None:
    Policy.objects.create(establishment=establishment, moderated=True)
    client = signed_in(staff)
    assert waiting_in_menu(client) == []
    first = actions.send(actor=learner, recipient=teacher, body=BODY)
    actions.send(actor=teacher, recipient=learner, body="Voyez la page 12.")
    assert waiting_in_menu(client) == ["2"]
    actions.decide(actor=staff, message=first, approve=True)
    assert waiting_in_menu(client) == ["1"]


def test_it_leaves_another_establishments_messages_out_of_the_count(
    establishment, learner, teacher, outsider_staff, admin, course
) -> None:
    Policy.objects.create(establishment=establishment, moderated=True)
    actions.send(actor=learner, recipient=teacher, body=BODY)
    assert waiting_in_menu(signed_in(outsider_staff)) == []
    assert waiting_in_menu(signed_in(admin)) == ["1"]  # administrators moderate everywhere


def test_it_counts_nothing_for_learners_and_teachers(
    establishment, learner, teacher, course
) -> None:
    Policy.objects.create(establishment=establishment, moderated=True)
    actions.send(actor=learner, recipient=teacher, body=BODY)
    for user in (learner, teacher):
        client = signed_in(user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert COUNT.findall(client.get("/").content.decode()) == []
        assert not any(
            "messaging_message" in q["sql"] and "PENDING" in q["sql"].upper()
            for q in queries.captured_queries
        )


def test_it_costs_staff_one_small_query(establishment, learner, teacher, staff, course) -> None:
    Policy.objects.create(establishment=establishment, moderated=True)
    actions.send(actor=learner, recipient=teacher, body=BODY)
    client = signed_in(staff)
    client.get("/accounts/")
    with CaptureQueriesContext(connection) as queries:
        assert waiting_in_menu(client) == ["1"]
    counts = [
        q["sql"]
        for q in queries.captured_queries
        if "messaging_message" in q["sql"] and "COUNT(" in q["sql"].upper()
    ]
    assert len(counts) == 1, counts
