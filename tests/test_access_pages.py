"""Staff's access-hours pages: list, create, change and delete weekly hours and exceptions of
their establishment (administrators: any), each change audited; bad input refused with a
reason; never another establishment's."""

from __future__ import annotations

from datetime import date, time

import pytest

from cartable.access.models import Rule
from cartable.audit.models import AuditEvent
from tests.access_world import dated, weekly
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def test_it_lists_the_hours_of_the_staffs_establishment(staff, establishment, cohort) -> None:
    weekly(establishment, "09:00", "12:00")
    weekly(establishment, "18:00", "22:00", cohort=cohort, days=0b1111111)
    dated(establishment, "closed", "2026-05-01", note="Fête du travail")
    page = signed_in(staff).get(f"/access/hours/{establishment.pk}/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "lundi, mardi, mercredi, jeudi, vendredi" in text
    assert "09:00 – 12:00" in text
    assert "DAEU A" in text
    assert "2026-05-01" in text
    assert "Fête du travail" in text


def test_it_creates_weekly_hours_for_a_group_and_audits_them(staff, establishment, cohort) -> None:
    response = signed_in(staff).post(
        f"/access/hours/{establishment.pk}/weekly/",
        {"scope": f"group:{cohort.pk}", "days": ["0", "2", "4"], "start": "18:00", "end": "22:00"},
    )
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.kind, rule.cohort, rule.weekdays()) == ("weekly", cohort, [0, 2, 4])
    assert (rule.start, rule.end) == (time(18), time(22))
    event = AuditEvent.objects.get(action="hours.rule_created")
    assert event.actor == staff
    assert event.establishment_id == establishment.pk
    assert event.details["group"] == "DAEU A"
    assert event.details["days"] == [0, 2, 4]


def test_it_blocks_a_learner_until_lifted(staff, establishment, learner) -> None:
    response = signed_in(staff).post(
        f"/access/hours/{establishment.pk}/exceptions/",
        {"scope": "learner", "username": " LEA ", "kind": "closed", "first_day": "2026-01-05"},
    )
    assert response.status_code == 302
    rule = Rule.objects.get()
    assert (rule.learner, rule.kind, rule.first_day, rule.last_day) == (
        learner,
        "closed",
        date(2026, 1, 5),
        None,
    )
    assert AuditEvent.objects.get(action="hours.rule_created").details["learner"] == "lea"


def test_it_makes_a_closed_day_one_day(staff, establishment) -> None:
    signed_in(staff).post(
        f"/access/hours/{establishment.pk}/exceptions/",
        {"scope": "establishment", "kind": "closed", "first_day": "2026-05-01"},
    )
    rule = Rule.objects.get()
    assert (rule.first_day, rule.last_day, rule.cohort, rule.learner) == (
        date(2026, 5, 1),
        date(2026, 5, 1),
        None,
        None,
    )


@pytest.mark.parametrize(
    ("address", "post", "error"),
    [
        (
            "weekly",
            {"scope": "establishment", "start": "09:00", "end": "12:00"},
            "Ce champ est obligatoire.",
        ),
        (
            "weekly",
            {"scope": "establishment", "days": ["0"], "start": "9h", "end": "12:00"},
            "heure valide",
        ),
        (
            "weekly",
            {"scope": "establishment", "days": ["0"], "start": "09:00"},
            "Ce champ est obligatoire.",
        ),
        (
            "exceptions",
            {"scope": "establishment", "kind": "closed", "first_day": "2026-05-01", "end": "10:00"},
            "le début et la fin",
        ),
        (
            "weekly",
            {"scope": "group:999999", "days": ["0"], "start": "09:00", "end": "12:00"},
            "Sélectionnez un choix valide",
        ),
        (
            "weekly",
            {"scope": "establishment", "days": ["9"], "start": "09:00", "end": "12:00"},
            "Sélectionnez un choix valide",
        ),
        (
            "exceptions",
            {"scope": "establishment", "kind": "open", "first_day": "2026-05-01"},
            "heures d’ouverture",
        ),
        (
            "exceptions",
            {
                "scope": "establishment",
                "kind": "closed",
                "first_day": "2026-05-03",
                "last_day": "2026-05-01",
            },
            "avant le premier",
        ),
        (
            "exceptions",
            {"scope": "learner", "kind": "closed", "first_day": "2026-05-01"},
            "Indiquez l’identifiant de l’apprenant.",
        ),
        (
            "exceptions",
            {"scope": "learner", "username": "olga", "kind": "closed", "first_day": "2026-05-01"},
            "Aucun apprenant de cet établissement",
        ),
        (
            "exceptions",
            {"scope": "learner", "username": "tess", "kind": "closed", "first_day": "2026-05-01"},
            "Aucun apprenant de cet établissement",
        ),
        (
            "exceptions",
            {"scope": "establishment", "kind": "maybe", "first_day": "2026-05-01"},
            "Sélectionnez un choix valide",
        ),
    ],
)
def test_it_refuses_bad_input_with_a_reason(
    staff, establishment, teacher, outsider_learner, address, post, error
) -> None:
    response = signed_in(staff).post(f"/access/hours/{establishment.pk}/{address}/", post)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Rule.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="hours.").exists()


def test_it_changes_a_rule_and_audits_before_and_after(staff, establishment) -> None:
    rule = weekly(establishment, "09:00", "12:00")
    client = signed_in(staff)
    form = client.get(f"/access/rules/{rule.pk}/")
    assert form.status_code == 200
    assert 'value="09:00' in form.content.decode()
    response = client.post(
        f"/access/rules/{rule.pk}/",
        {"scope": "establishment", "days": ["0", "1"], "start": "08:30", "end": "11:30"},
    )
    assert response.status_code == 302
    rule.refresh_from_db()
    assert (rule.start, rule.weekdays()) == (time(8, 30), [0, 1])
    event = AuditEvent.objects.get(action="hours.rule_changed")
    assert event.details["before"]["start"] == "09:00"
    assert event.details["after"]["start"] == "08:30"


def test_it_deletes_a_rule_and_audits_it(staff, establishment) -> None:
    rule = dated(establishment, "closed", "2026-05-01")
    response = signed_in(staff).post(f"/access/rules/{rule.pk}/delete/")
    assert response.status_code == 302
    assert not Rule.objects.exists()
    event = AuditEvent.objects.get(action="hours.rule_deleted")
    assert event.target_id == str(rule.pk)
    assert event.details["first_day"] == "2026-05-01"


def test_it_lets_an_administrator_manage_any_establishment(admin, other_establishment) -> None:
    response = signed_in(admin).post(
        f"/access/hours/{other_establishment.pk}/weekly/",
        {"scope": "establishment", "days": ["0"], "start": "09:00", "end": "12:00"},
    )
    assert response.status_code == 302
    assert Rule.objects.get().establishment == other_establishment


def test_it_hides_another_establishments_hours_from_staff(
    staff, other_establishment, outsider_learner
) -> None:
    rule = weekly(other_establishment, "09:00", "12:00")
    client = signed_in(staff)
    assert client.get(f"/access/hours/{other_establishment.pk}/").status_code == 404
    assert client.get(f"/access/rules/{rule.pk}/").status_code == 404
    assert client.post(f"/access/rules/{rule.pk}/delete/").status_code == 404
    assert (
        client.post(
            f"/access/hours/{other_establishment.pk}/weekly/",
            {"scope": "establishment", "days": ["0"], "start": "09:00", "end": "12:00"},
        ).status_code
        == 404
    )
    assert Rule.objects.count() == 1


def test_it_refuses_a_group_of_another_establishment(staff, establishment, other_establishment):
    from cartable.accounts.models import Cohort

    elsewhere = Cohort.objects.create(establishment=other_establishment, name="Ailleurs")
    response = signed_in(staff).post(
        f"/access/hours/{establishment.pk}/weekly/",
        {"scope": f"group:{elsewhere.pk}", "days": ["0"], "start": "09:00", "end": "12:00"},
    )
    assert response.status_code == 400
    assert not Rule.objects.exists()


@pytest.mark.parametrize("persona", ["learner", "teacher"])
def test_it_refuses_the_pages_to_learners_and_teachers(persona, request, establishment) -> None:
    client = signed_in(request.getfixturevalue(persona))
    assert client.get("/access/").status_code == 403
    assert client.get(f"/access/hours/{establishment.pk}/").status_code == 403
    assert (
        client.post(
            f"/access/hours/{establishment.pk}/weekly/",
            {"scope": "establishment", "days": ["0"], "start": "09:00", "end": "12:00"},
        ).status_code
        == 403
    )
    assert not Rule.objects.exists()


def test_it_shows_the_pages_in_english(staff, establishment) -> None:
    weekly(establishment, "09:00", "12:00")
    client = signed_in(staff)
    client.post("/language/", {"language": "en", "next": "/"})
    text = client.get(f"/access/hours/{establishment.pk}/").content.decode()
    assert "Weekly hours" in text
    assert "Monday, Tuesday" in text
