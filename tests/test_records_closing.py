"""Staff close a learner's account on transfer or release: deactivated, signed out at once,
audited; only staff of the learner's establishment (or an administrator) may."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from cartable.accounts.models import User
from cartable.audit.models import AuditEvent
from cartable.records.models import Closure
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def close(client, account: User, **post: str):
    data = {"reason": "transfer", "closed_on": "2026-12-03", "note": "Vers Fresnes"} | post
    return client.post(reverse("records:close", kwargs={"account_id": account.pk}), data)


def test_it_closes_the_account_and_ends_its_sessions(staff: User, learner: User) -> None:
    learners_device = signed_in(learner)
    assert learners_device.get(reverse("web:home")).status_code == 200

    response = close(signed_in(staff), learner)

    assert response.status_code == 302
    learner.refresh_from_db()
    assert not learner.is_active
    closure = Closure.objects.get(account=learner)
    assert (closure.reason, closure.closed_on, closure.note) == (
        "transfer",
        date(2026, 12, 3),
        "Vers Fresnes",
    )
    assert closure.closed_by == staff
    event = AuditEvent.objects.get(action="records.account_closed")
    assert event.details == {"reason": "transfer", "date": "2026-12-03", "sessions_ended": 1}
    # The learner's open page now asks to sign in.
    after = learners_device.get(reverse("web:home"))
    assert after.status_code == 302
    assert reverse("accounts:login") in after["Location"]


def test_it_refuses_a_closure_without_a_reason(staff: User, learner: User) -> None:
    response = close(signed_in(staff), learner, reason="")

    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.is_active
    assert not Closure.objects.exists()


def test_it_does_not_close_an_account_twice(staff: User, learner: User) -> None:
    client = signed_in(staff)
    close(client, learner)
    response = close(client, learner, reason="release")

    assert response.status_code == 302
    assert list(Closure.objects.values_list("reason", flat=True)) == ["transfer"]


@pytest.mark.parametrize("closer", ["outsider_staff", "teacher", "other_learner"])
def test_it_lets_no_one_else_close_an_account(
    request: pytest.FixtureRequest, closer: str, learner: User
) -> None:
    response = close(signed_in(request.getfixturevalue(closer)), learner)

    assert response.status_code in (403, 404)
    learner.refresh_from_db()
    assert learner.is_active
    assert not Closure.objects.exists()


def test_it_closes_only_learners_accounts(staff: User, teacher: User) -> None:
    response = close(signed_in(staff), teacher)

    assert response.status_code == 404
    teacher.refresh_from_db()
    assert teacher.is_active


def test_the_record_page_shows_the_closure_in_french(staff: User, learner: User) -> None:
    client = signed_in(staff)
    close(client, learner, reason="release")

    page = client.get(reverse("records:account", kwargs={"account_id": learner.pk}))

    text = page.content.decode()
    assert page.status_code == 200
    assert "Libération" in text
    assert "Dossier de Léa Moreau" in text
    assert "Clore le compte" not in text  # closed already
