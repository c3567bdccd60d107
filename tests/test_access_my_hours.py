"""A learner's own access hours: the page listing them, and the home page's warning when
access ends within half an hour (read from the session: no query)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cartable.access.gate import CLOSES_KEY
from cartable.access.models import Rule
from tests.access_world import dated, move_clock, weekly
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

NBSP = "\u00a0"


def page(client) -> str:
    response = client.get("/access/mine/")
    assert response.status_code == 200
    return response.content.decode()


def test_it_lists_the_establishments_and_the_learners_groups_hours_for_the_week(
    learner, establishment, cohort, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    weekly(establishment, "18:00", "22:00", days=0b1111111, cohort=cohort)
    cohort.members.add(learner)
    move_clock(monkeypatch, "2026-01-05 10:00")  # a Monday
    text = page(signed_in(learner))
    assert "Mes horaires d’accès" in text
    assert "lundi 5 janvier" in text and "(aujourd’hui)" in text
    assert (
        f"de 9{NBSP}h{NBSP}00 à 12{NBSP}h{NBSP}00, de 18{NBSP}h{NBSP}00 à 22{NBSP}h{NBSP}00" in text
    )
    # Saturday: the group's evening only
    saturday = text.split("samedi 10 janvier")[1].split("</li>")[0]
    assert (
        f"de 18{NBSP}h{NBSP}00 à 22{NBSP}h{NBSP}00" in saturday
        and f"9{NBSP}h{NBSP}00" not in saturday
    )


def test_it_leaves_out_the_hours_of_a_group_the_learner_is_not_in(
    learner, establishment, cohort, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    weekly(establishment, "18:00", "22:00", days=0b1111111, cohort=cohort)
    move_clock(monkeypatch, "2026-01-05 10:00")
    text = page(signed_in(learner))
    assert f"18{NBSP}h{NBSP}00" not in text
    saturday = text.split("samedi 10 janvier")[1].split("</li>")[0]
    assert "fermé" in saturday


def test_it_shows_closed_days_and_the_learners_own_exceptions(
    learner, other_learner, establishment, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    dated(establishment, Rule.Kind.CLOSED, "2026-01-07")
    dated(establishment, Rule.Kind.CLOSED, "2026-01-20", "2026-01-22")
    dated(establishment, Rule.Kind.CLOSED, "2026-01-09", None, learner=learner)
    dated(establishment, Rule.Kind.CLOSED, "2026-01-06", None, learner=other_learner)
    move_clock(monkeypatch, "2026-01-05 10:00")
    text = page(signed_in(learner))
    tuesday = text.split("mardi 6 janvier")[1].split("</li>")[0]
    assert (
        f"de 9{NBSP}h{NBSP}00 à 12{NBSP}h{NBSP}00" in tuesday
    )  # another learner's block is not theirs
    wednesday = text.split("mercredi 7 janvier")[1].split("</li>")[0]
    assert "fermé" in wednesday
    assert "Jours de fermeture à venir" in text
    assert "Du mardi 20 janvier au jeudi 22 janvier" in text
    assert "À partir du vendredi 9 janvier, jusqu’à ce que l’équipe la lève" in text
    assert "pour vous seulement" in text
    assert "mardi 6 janvier, jusqu" not in text


def test_it_says_all_day_when_the_establishment_has_no_hours(
    learner, establishment, monkeypatch
) -> None:
    move_clock(monkeypatch, "2026-01-05 10:00")
    text = page(signed_in(learner))
    assert text.count("toute la journée") == 7
    assert "Jours de fermeture" not in text


def test_it_reads_a_learners_hours_page_in_few_queries(
    learner, establishment, cohort, monkeypatch, django_assert_max_num_queries
) -> None:
    weekly(establishment, "09:00", "12:00")
    weekly(establishment, "18:00", "22:00", days=0b1111111, cohort=cohort)
    cohort.members.add(learner)
    move_clock(monkeypatch, "2026-01-05 10:00")
    client = signed_in(learner)
    page(client)
    with django_assert_max_num_queries(4):
        page(client)


def test_it_is_the_learners_page_only(staff, teacher, monkeypatch) -> None:
    move_clock(monkeypatch, "2026-01-05 10:00")
    assert signed_in(staff).get("/access/mine/").status_code == 403
    assert signed_in(teacher).get("/access/mine/").status_code == 403


def test_it_warns_on_the_home_page_when_access_closes_within_half_an_hour(
    learner, establishment, course, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 11:00")
    client = signed_in(learner)
    home = client.get("/").content.decode()
    assert "L’accès se ferme" not in home
    assert "/access/mine/" in home
    move_clock(monkeypatch, "2026-01-05 11:31")
    home = client.get("/").content.decode()
    assert f"L’accès se ferme à 12{NBSP}h{NBSP}00." in home
    assert client.session[CLOSES_KEY] == int(
        move_clock(monkeypatch, "2026-01-05 12:00").timestamp()
    )


def test_it_adds_no_query_to_the_home_page_to_warn_that_access_closes(
    learner, establishment, course, monkeypatch
) -> None:
    weekly(establishment, "09:00", "12:00")
    move_clock(monkeypatch, "2026-01-05 11:10")
    client = signed_in(learner)
    client.get("/")
    with CaptureQueriesContext(connection) as far:
        assert "L’accès se ferme" not in client.get("/").content.decode()
    move_clock(monkeypatch, "2026-01-05 11:40")
    client.get("/")  # the gate reads the hours again (a minute passed)
    with CaptureQueriesContext(connection) as near:
        assert f"L’accès se ferme à 12{NBSP}h{NBSP}00." in client.get("/").content.decode()
    assert len(near) == len(far)


def test_it_never_warns_when_access_does_not_end_soon(learner, establishment, monkeypatch) -> None:
    move_clock(monkeypatch, "2026-01-05 23:50")  # no hours: open all day, every day
    client = signed_in(learner)
    client.get("/")
    assert "L’accès se ferme" not in client.get("/").content.decode()
