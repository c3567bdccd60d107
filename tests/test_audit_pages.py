"""Staff read the audit log: newest first, filtered, in pages, and export it as CSV. Staff see
their establishment's entries and the box's; administrators see all; nobody else sees any."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client, RequestFactory
from django.utils import timezone

from cartable.audit.actions import record
from cartable.audit.models import AuditEvent, Tally
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def page(user, query: str = "") -> tuple[int, str]:
    response = english(signed_in(user)).get("/audit/" + query)
    return response.status_code, response.content.decode()


def rows(html: str) -> int:
    return html.count("<tr data-action=")  # the entries' rows, not the heading


def backdate(event: AuditEvent, days: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE audit_auditevent SET at = %s WHERE id = %s",
            [event.at - timedelta(days=days), event.pk],
        )


def test_it_sends_anonymous_visitors_to_sign_in(db) -> None:
    response = Client().get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
    assert Client().post("/audit/export.csv").status_code == 302


def test_it_refuses_learners_and_teachers(learner, teacher) -> None:
    for user in (learner, teacher):
        assert signed_in(user).get("/audit/").status_code == 403
        assert signed_in(user).post("/audit/export.csv").status_code == 403


def test_it_lists_entries_newest_first_with_who_what_on_what_and_from_where(staff, learner) -> None:
    from django.test import RequestFactory

    request = RequestFactory(REMOTE_ADDR="10.0.0.7", HTTP_USER_AGENT="Firefox/128").get("/")
    record("account.created", actor=staff, target=learner, details={"role": "learner"})
    record("account.deactivated", actor=staff, target=learner, request=request)
    record("something.new", actor=staff, target=learner)
    status, html = page(staff)
    assert status == 200
    assert '<a href="/audit/" aria-current="page">Audit log</a>' in html
    table = html[html.index("<tbody>") :]
    newest, deactivated, created = (
        table.index(text) for text in ("something.new", "Account deactivated", "Account created")
    )
    assert newest < deactivated < created
    assert '<tr data-action="account.deactivated">' in html
    assert "<code" not in table  # labels, never the codes
    assert "Léa Moreau" in html and '<br><span class="muted">account</span>' in html
    assert "10.0.0.7" in html and "Firefox/128" in html
    assert '<span class="muted">role</span> Learner' in html


def test_it_shows_staff_their_establishment_and_the_box_admins_everything(
    staff, admin, learner, outsider_learner, outsider_staff
) -> None:
    record("account.created", actor=staff, target=learner)
    record("account.created", actor=outsider_staff, target=outsider_learner)
    record("establishment.created", actor=None)  # the box's
    _, html = page(staff)
    assert "Léa Moreau" in html and "Olga" not in html
    assert "Establishment created" in html
    _, html = page(outsider_staff)
    assert "Olga" in html and "Léa Moreau" not in html
    _, html = page(admin)
    assert "Olga" in html and "Léa Moreau" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("?action=account.created", {"account.created"}),
        ("?action=auth.*", {"auth.sign_in", "auth.sign_in_failed"}),
        ("?who=SAM", {"account.created", "account.deactivated"}),
        ("?who=system", {"group.created"}),
        ("?target=moreau", {"account.created", "account.deactivated", "auth.sign_in"}),
        (
            "?target=lea",
            {"account.created", "account.deactivated", "auth.sign_in", "auth.sign_in_failed"},
        ),
        ("?since=2000-01-01&until=2000-01-02", set()),
    ],
)
def test_it_filters_by_action_who_target_and_date(
    admin, staff, learner, query: str, expected: set[str]
) -> None:
    record("account.created", actor=staff, target=learner)
    record("account.deactivated", actor=staff, target=learner)
    record("group.created", actor=None)
    record("auth.sign_in", actor=learner, target=learner)
    record("auth.sign_in_failed", actor=None, actor_name="anonymous", details={"username": "lea"})
    _, html = page(admin, query)
    shown = {
        code
        for code in (
            "account.created",
            "account.deactivated",
            "group.created",
            "auth.sign_in",
            "auth.sign_in_failed",
        )
        if f'data-action="{code}"' in html
    }
    assert shown == expected


def test_it_filters_by_days_in_the_box_time_zone(admin) -> None:
    old = record("group.created", actor=None)
    backdate(old, 10)
    record("account.created", actor=None)
    today = timezone.localdate()
    since = (today - timedelta(days=10)).isoformat()
    _, html = page(admin, f"?since={since}&until={since}")
    assert 'data-action="group.created"' in html and 'data-action="account.created"' not in html
    _, html = page(admin, f"?since={today.isoformat()}")
    assert 'data-action="group.created"' not in html and 'data-action="account.created"' in html
    status, html = page(admin, f"?since={today.isoformat()}&until={since}")
    assert status == 200 and "The end date is before the start date." in html


def test_it_pages_by_entry_number(admin) -> None:
    for _number in range(120):
        record("group.created", actor=None)
    _, first = page(admin, "?action=group.created")
    assert rows(first) == 50
    assert "<td>120</td>" in first and "<td>71</td>" in first and "<td>70</td>" not in first
    assert 'href="?action=group.created&amp;before=71" rel="next"' in first
    assert 'rel="prev"' not in first
    _, second = page(admin, "?action=group.created&before=71")
    assert "<td>70</td>" in second and "<td>21</td>" in second and "<td>71</td>" not in second
    assert 'after=70" rel="prev"' in second and "before=21" in second
    _, last = page(admin, "?action=group.created&before=21")
    assert rows(last) == 20 and 'rel="next"' not in last
    _, back = page(admin, "?action=group.created&after=20")
    assert "<td>70</td>" in back and "<td>21</td>" in back and "<td>20</td>" not in back
    assert 'after=70" rel="prev"' in back


def test_it_lists_a_page_in_a_fixed_number_of_queries(admin, django_assert_num_queries) -> None:
    client = signed_in(admin)
    client.get("/audit/")  # the session is read once, warm
    for count in (3, 60):
        for _number in range(count):
            record("group.created", actor=admin, details={"n": 1})
        # session, user, the page's entries, the counts being made, the menu's counts (courses to
        # review, messages to approve)
        with django_assert_num_queries(6):
            assert client.get("/audit/").status_code == 200


def read_csv(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_it_exports_the_filtered_log_as_csv(
    staff, learner, outsider_staff, outsider_learner
) -> None:
    record("account.created", actor=staff, target=learner, details={"role": "learner"})
    record("account.deactivated", actor=staff, target=learner)
    record("account.created", actor=outsider_staff, target=outsider_learner)
    response = english(signed_in(staff)).post("/audit/export.csv", {"action": "account.*"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="audit-')
    table = read_csv(response)
    assert table[0][:5] == ["Number", "When (Europe/Paris)", "Who", "Action", "What"]
    assert [(line[0], line[3], line[4], line[7]) for line in table[1:]] == [
        ("1", "account.created", "Account created", "Léa Moreau"),
        ("2", "account.deactivated", "Account deactivated", "Léa Moreau"),
    ]
    assert table[1][10] == '{"role":"learner"}'
    assert len(table[1][11]) == 64  # the seal
    export = AuditEvent.objects.get(action="audit.exported")
    assert (export.actor, export.details) == (staff, {"action": "account.*"})


def test_it_exports_nothing_and_writes_nothing_on_get(staff, learner) -> None:
    """Imported content can make a staff member's browser send any GET to the box (an image's
    address): the export, which writes an audit entry, answers POST only."""
    record("account.created", actor=staff, target=learner)
    client = signed_in(staff)
    response = client.get("/audit/export.csv?action=auth.sign_in")
    assert response.status_code == 405
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_it_exports_from_a_form_that_carries_the_filters_and_a_csrf_token(staff) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(staff)
    page = client.get("/audit/?action=account.*&who=sam&device=10.0.0.7").content.decode()
    form = page.split('<form method="post" action="/audit/export.csv"', 1)[1].split("</form>")[0]
    assert '<input type="hidden" name="action" value="account.*">' in form
    assert '<input type="hidden" name="who" value="sam">' in form
    assert '<input type="hidden" name="device" value="10.0.0.7">' in form
    assert 'name="since"' not in form
    token = form.split('name="csrfmiddlewaretoken" value="', 1)[1].split('"', 1)[0]
    assert client.post("/audit/export.csv", {"action": "account.*"}).status_code == 403
    response = client.post(
        "/audit/export.csv", {"action": "account.*", "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 200
    b"".join(response.streaming_content)
    export = AuditEvent.objects.get(action="audit.exported")
    assert export.details == {"action": "account.*"}


def test_it_quotes_cells_a_spreadsheet_would_run(admin) -> None:
    record(
        "account.created",
        actor=None,
        actor_name='=HYPERLINK("http://evil")',
        details={"username": "+1"},
    )
    table = read_csv(signed_in(admin).post("/audit/export.csv"))
    line = table[1]
    assert line[2] == '\'=HYPERLINK("http://evil")'
    for cell in line:
        assert not cell.startswith(("=", "+", "-", "@"))


def test_it_refuses_an_export_with_bad_filters(admin) -> None:
    response = signed_in(admin).post("/audit/export.csv", {"since": "yesterday"})
    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="audit.exported").exists()


def test_it_logs_a_learners_first_try_at_once_and_counts_the_next_ones(learner, staff) -> None:
    client = signed_in(learner)
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/").status_code == 403
    assert client.post("/catalog/import/").status_code == 403
    tries = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    assert [(event.actor, event.details) for event in tries] == [
        (learner, {"path": "/audit/", "method": "GET"}),
    ]
    assert tries[0].establishment_id == learner.establishment_id
    Tally.objects.update(closes_at=timezone.now())  # the period is over
    assert client.get("/audit/").status_code == 403  # counted first, then a new period
    tries = AuditEvent.objects.filter(action="access.refused").order_by("seq")
    assert [(event.actor, event.details) for event in tries] == [
        (learner, {"path": "/audit/", "method": "GET"}),
        (
            learner,
            {
                "repeated": 2,
                "after": tries[0].seq,
                "until": tries[1].details["until"],
                "about": {"/audit/": 1, "/catalog/import/": 1},
            },
        ),
        (learner, {"path": "/audit/", "method": "GET"}),
    ]
    assert tries[1].establishment_id == learner.establishment_id
    status, html = page(staff, "?action=access.*")
    assert status == 200
    assert rows(html) == 3 and "Tried a page of another role" in html and "/catalog/import/" in html


def test_it_filters_by_device_address_or_browser_name(admin, learner) -> None:
    def on(address: str, agent: str):
        return RequestFactory().get("/", REMOTE_ADDR=address, HTTP_USER_AGENT=agent)

    record("auth.sign_in", actor=learner, target=learner, request=on("10.0.0.23", "Tablette X"))
    record("account.created", actor=admin, target=learner, request=on("10.0.0.5", "Firefox/140"))
    record("group.created", actor=admin, request=on("fe80::1", "Firefox/140"))
    for query, expected in (
        ("?device=10.0.0.23", {"auth.sign_in"}),
        ("?device=firefox", {"account.created", "group.created"}),
        ("?device=FE80:0:0::1", {"group.created"}),  # any spelling of the address
    ):
        _, html = page(admin, query)
        shown = {
            code
            for code in ("auth.sign_in", "account.created", "group.created")
            if f'data-action="{code}"' in html
        }
        assert shown == expected, query


def test_it_logs_a_learner_trying_a_teachers_page_of_their_own_course(learner, course) -> None:
    assert signed_in(learner).get(f"/courses/{course.pk}/learners/").status_code == 403
    event = AuditEvent.objects.get(action="access.refused")
    assert event.actor == learner and event.details["path"] == f"/courses/{course.pk}/learners/"


@pytest.mark.parametrize("value", ["²", "٣", "-1", "9" * 30])
def test_it_ignores_a_page_position_that_is_not_a_plain_number(staff, value: str) -> None:
    response = signed_in(staff).get("/audit/", {"before": value, "after": value})
    assert response.status_code == 200


def test_it_shows_actions_targets_and_details_in_french_without_codes(staff, learner) -> None:
    record(
        "account.created",
        actor=staff,
        target=learner,
        details={"role": "learner", "groups": ["Atelier"], "source": "csv"},
    )
    response = signed_in(staff).get("/audit/", HTTP_ACCEPT_LANGUAGE="fr")
    table = response.content.decode()
    table = table[table.index("<tbody>") : table.index("</tbody>")]
    assert "Compte créé" in table
    assert '<span class="muted">compte</span>' in table
    assert '<span class="muted">rôle</span> Apprenant' in table
    assert '<span class="muted">groupes</span>' in table
    for code in ("account.created", "accounts.user", ">role<", ">groups<"):
        assert code not in table.replace('data-action="account.created"', "")
