"""Administrators add and rename establishments and institutions from the web, each change
audited; nobody else may; bad short names are refused with a reason and change nothing."""

from __future__ import annotations

import html

import pytest

from cartable.accounts.models import Establishment, Institution
from cartable.audit.models import AuditEvent
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def text(response) -> str:
    return html.unescape(response.content.decode())


def test_it_lists_establishments_with_their_accounts_and_adds_one(admin, learner) -> None:
    client = signed_in(admin)
    page = text(client.get("/accounts/establishments/"))
    assert "Maison centrale" in page and "maison-centrale" in page
    response = client.post(
        "/accounts/establishments/",
        {"slug": "mc-sud", "name": "Maison centrale sud", "kind": "prison"},
        follow=True,
    )
    assert "Établissement « Maison centrale sud » créé." in text(response)
    created = Establishment.objects.get(slug="mc-sud")
    assert (created.name, created.kind) == ("Maison centrale sud", "prison")
    event = AuditEvent.objects.get(action="establishment.created")
    assert event.actor == admin and event.target_id == str(created.pk)
    assert event.establishment_id == created.pk


@pytest.mark.parametrize(
    ("slug", "error"),
    [
        ("Maison Sud", "ne peut contenir que des minuscules, des chiffres et des tirets"),
        ("maison-centrale", "est déjà pris"),
    ],
)
def test_it_refuses_a_bad_or_taken_short_name(admin, slug: str, error: str) -> None:
    before = Establishment.objects.count()
    response = signed_in(admin).post(
        "/accounts/establishments/", {"slug": slug, "name": "Sud", "kind": "prison"}
    )
    assert response.status_code == 400
    assert error in text(response)
    assert Establishment.objects.count() == before
    assert not AuditEvent.objects.filter(action="establishment.created").exists()


def test_it_renames_an_institution_and_logs_what_changed(admin, institution) -> None:
    client = signed_in(admin)
    form = text(client.get(f"/accounts/institutions/{institution.pk}/"))
    assert 'value="Université de Lille"' in form
    client.post(
        f"/accounts/institutions/{institution.pk}/",
        {"name": "Université de Lille — Campus Cité", "kind": "university"},
    )
    institution.refresh_from_db()
    assert institution.name == "Université de Lille — Campus Cité"
    assert institution.slug == "univ-lille"  # the short name never changes
    event = AuditEvent.objects.get(action="institution.changed")
    assert event.details == {"name": ["Université de Lille", "Université de Lille — Campus Cité"]}
    # Saving without a change writes nothing.
    client.post(
        f"/accounts/institutions/{institution.pk}/",
        {"name": "Université de Lille — Campus Cité", "kind": "university"},
    )
    assert AuditEvent.objects.filter(action="institution.changed").count() == 1


def test_it_refuses_an_unknown_kind(admin, institution) -> None:
    response = signed_in(admin).post(
        f"/accounts/institutions/{institution.pk}/", {"name": "X", "kind": "prison"}
    )
    assert response.status_code == 400
    institution.refresh_from_db()
    assert institution.name == "Université de Lille"


def test_it_keeps_the_pages_for_administrators(staff, learner, institution) -> None:
    for user in (staff, learner):
        client = signed_in(user)
        assert client.get("/accounts/establishments/").status_code == 403
        assert (
            client.post(
                "/accounts/institutions/", {"slug": "u", "name": "U", "kind": "school"}
            ).status_code
            == 403
        )
    assert not Institution.objects.filter(slug="u").exists()


def test_it_shows_administrators_the_links_from_the_accounts_page(admin, staff) -> None:
    assert "/accounts/establishments/" in signed_in(admin).get("/accounts/").content.decode()
    assert "/accounts/establishments/" not in signed_in(staff).get("/accounts/").content.decode()
