"""Bulk actions on the accounts ticked in the list: groups, deactivation, new passwords. Staff
act on their own establishment's accounts only; any other id refuses the whole request."""

from __future__ import annotations

import pytest

from cartable.accounts.models import Cohort, User
from cartable.audit.models import AuditEvent
from tests.conftest import PASSWORD, signed_in

pytestmark = pytest.mark.django_db

URL = "/accounts/bulk/"


def _snapshot():
    return (
        sorted(User.objects.values_list("pk", "password", "is_active")),
        sorted(Cohort.members.through.objects.values_list("cohort_id", "user_id")),
    )


def test_it_lists_accounts_with_boxes_to_tick(staff, learner) -> None:
    response = signed_in(staff).get("/accounts/")
    text = response.content.decode()
    assert f'name="accounts" value="{learner.pk}"' in text
    assert "Avec les comptes sélectionnés" in text
    assert "<script" not in text.split("<main", 1)[1]


def test_it_adds_and_removes_ticked_accounts_to_a_group(
    staff, learner, other_learner, cohort
) -> None:
    client = signed_in(staff)
    ids = [learner.pk, other_learner.pk]
    response = client.post(URL, {"accounts": ids, "action": "add_to_group", "group": cohort.pk})
    assert response.status_code == 302
    assert set(cohort.members.values_list("username", flat=True)) == {"lea", "omar"}
    event = AuditEvent.objects.get(action="account.bulk_group_added")
    assert event.details == {"count": 2, "users": ["omar", "lea"], "group": "DAEU A"}
    assert event.establishment_id == learner.establishment_id
    # Again: nothing changes, nothing more in the log.
    client.post(URL, {"accounts": ids, "action": "add_to_group", "group": cohort.pk})
    assert AuditEvent.objects.filter(action="account.bulk_group_added").count() == 1

    client.post(URL, {"accounts": [learner.pk], "action": "remove_from_group", "group": cohort.pk})
    assert list(cohort.members.values_list("username", flat=True)) == ["omar"]
    assert AuditEvent.objects.get(action="account.bulk_group_removed").details["users"] == ["lea"]


def test_it_deactivates_and_reactivates_ticked_accounts(staff, learner, other_learner) -> None:
    learner_client = signed_in(learner)
    client = signed_in(staff)
    response = client.post(
        URL, {"accounts": [learner.pk, other_learner.pk], "action": "deactivate"}
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    other_learner.refresh_from_db()
    assert not learner.is_active and not other_learner.is_active
    assert learner_client.get("/").status_code == 302  # signed out at the next request
    followed = client.get("/accounts/")
    assert "2 comptes ne peuvent plus se connecter." in followed.content.decode()
    assert AuditEvent.objects.get(action="account.bulk_deactivated").details["count"] == 2

    client.post(URL, {"accounts": [learner.pk], "action": "reactivate"})
    learner.refresh_from_db()
    assert learner.is_active
    assert AuditEvent.objects.get(action="account.bulk_reactivated").details["users"] == ["lea"]


def test_it_gives_new_readable_passwords_once_and_signs_the_accounts_out(
    staff, learner, other_learner
) -> None:
    learner_client = signed_in(learner)
    assert learner_client.get("/").status_code == 200
    response = signed_in(staff).post(
        URL, {"accounts": [learner.pk, other_learner.pk], "action": "new_passwords"}
    )
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    sheet = {item.user.username: item.password for item in response.context["credentials"]}
    assert set(sheet) == {"lea", "omar"}
    learner.refresh_from_db()
    assert learner.check_password(sheet["lea"])
    assert not learner.check_password(PASSWORD)
    assert sheet["lea"].isalnum() and sheet["lea"].islower()
    assert sheet["lea"] in response.content.decode()
    assert learner_client.get("/").status_code == 302
    event = AuditEvent.objects.get(action="account.bulk_password_reset")
    assert event.details == {"count": 2, "users": ["omar", "lea"]}
    assert sheet["lea"] not in str(event.details)


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        ("deactivate", {}),
        ("new_passwords", {}),
        ("add_to_group", {"group": "cohort"}),
    ],
)
def test_it_refuses_a_forged_foreign_id_without_changing_anything(
    staff, learner, outsider_learner, cohort, action, extra
) -> None:
    before = _snapshot()
    data = {"accounts": [learner.pk, outsider_learner.pk], "action": action}
    if extra:
        data["group"] = cohort.pk
    response = signed_in(staff).post(URL, data)
    assert response.status_code == 400
    assert "rien n’a été changé" in response.content.decode()
    assert _snapshot() == before
    assert not AuditEvent.objects.filter(action__startswith="account.bulk").exists()


def test_it_refuses_staff_accounts_and_unknown_ids(staff, learner, admin) -> None:
    before = _snapshot()
    client = signed_in(staff)
    for ids in ([learner.pk, admin.pk], [learner.pk, 999999], ["1 OR 1=1"], []):
        response = client.post(URL, {"accounts": ids, "action": "deactivate"})
        assert response.status_code == 400
    assert _snapshot() == before


def test_it_refuses_another_establishments_group(staff, learner, other_establishment) -> None:
    elsewhere = Cohort.objects.create(establishment=other_establishment, name="Ailleurs")
    response = signed_in(staff).post(
        URL, {"accounts": [learner.pk], "action": "add_to_group", "group": elsewhere.pk}
    )
    assert response.status_code == 302  # the form refuses a group it does not offer
    assert not elsewhere.members.exists()


def test_it_lets_administrators_act_on_any_establishment(admin, learner, outsider_learner) -> None:
    response = signed_in(admin).post(
        URL, {"accounts": [learner.pk, outsider_learner.pk], "action": "deactivate"}
    )
    assert response.status_code == 302
    learner.refresh_from_db()
    outsider_learner.refresh_from_db()
    assert not learner.is_active and not outsider_learner.is_active


def test_it_does_not_let_an_administrator_deactivate_themselves(admin, learner) -> None:
    response = signed_in(admin).post(
        URL, {"accounts": [learner.pk, admin.pk], "action": "deactivate"}
    )
    assert response.status_code == 400
    learner.refresh_from_db()
    assert learner.is_active


def test_it_keeps_learners_and_teachers_out(learner, teacher, other_learner) -> None:
    for user in (learner, teacher):
        response = signed_in(user).post(
            URL, {"accounts": [other_learner.pk], "action": "deactivate"}
        )
        assert response.status_code == 403
    other_learner.refresh_from_db()
    assert other_learner.is_active


def test_it_filters_and_searches_the_accounts_list(staff, learner, other_learner, cohort):
    cohort.members.add(learner)
    client = signed_in(staff)
    other_learner.is_active = False
    other_learner.save(update_fields=["is_active"])

    def names(**query):
        page = client.get("/accounts/", query).context["page"]
        return {user.username for user in page.object_list}

    assert names(q="Moreau") == {"lea"}
    assert names(group=cohort.pk) == {"lea"}
    assert names(status="inactive") == {"omar"}
    assert names(role="staff") == {"sam"}
