"""Staff review an imported course in a real browser, reject one activity with a comment,
publish the rest, and find their decisions in the audit log and its CSV export; the learner
never sees the rejected activity."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from cartable.catalog.models import Activity, Course
from cartable.demo.load import load
from tests.browser.test_learner_journey import sign_in

pytestmark = pytest.mark.django_db(transaction=True)

BACKUP = Path(__file__).resolve().parent.parent / "fixtures/mbz/moodle44_tgz_multiple_mod_types.mbz"


def test_it_rejects_an_activity_publishes_the_rest_and_logs_both(
    make_page, live_server, outside
) -> None:
    load()
    call_command("import", str(BACKUP), stdout=io.StringIO())
    course = Course.objects.get(shortname="DRIPRELEASE")
    call_command("enrol", "apprenant", course.shortname, stdout=io.StringIO())
    activities = list(
        Activity.objects.filter(course=course, retired_at__isnull=True)
        .exclude(kind="label")
        .order_by("section__position", "position")
    )
    titles = [activity.title for activity in activities]
    rejected = next(activity for activity in activities if titles.count(activity.title) == 1)

    staff = make_page()
    sign_in(staff, live_server, "personnel", "cartable-personnel")
    staff.get_by_role("link", name="Validation 1 cours en attente").click()
    staff.get_by_role("link", name=course.title).click()
    card = staff.locator(f"article[aria-labelledby='activity-{rejected.pk}']")
    card.get_by_label("Commentaire (obligatoire pour refuser)").fill("Lien vers un site extérieur")
    card.get_by_role("button", name=f"Refuser : {rejected.title}").click()
    staff.get_by_text(f"Décision enregistrée pour « {rejected.title} ».").wait_for()
    staff.get_by_role("button", name="Approuver et publier le cours").click()
    staff.get_by_text("Approuvé : les apprenants voient maintenant ce cours").wait_for()

    learner = make_page()
    sign_in(learner, live_server, "apprenant", "cartable-apprenant")
    learner.get_by_role("link", name=course.title).first.click()
    learner.get_by_role("heading", name=course.title, level=1).wait_for()
    assert learner.get_by_role("link", name=rejected.title, exact=True).count() == 0
    response = learner.goto(f"{live_server.url}/courses/{course.pk}/activities/{rejected.pk}/")
    assert response is not None and response.status == 404

    staff.get_by_role("link", name="Journal d’audit").click()
    staff.get_by_label("Action").select_option(label="Tout : Validation")
    staff.get_by_label("Qui (identifiant)").fill("personnel")
    staff.get_by_role("button", name="Filtrer").click()
    staff.wait_for_url(lambda url: "/audit/?" in url)  # the filtered list, not the one before
    rows = staff.locator("tbody tr")
    expect(rows).to_have_count(2)  # the course approved, the activity rejected: nothing else
    assert "Cours approuvé" in rows.nth(0).inner_text()
    assert "Activité refusée" in rows.nth(1).inner_text()
    assert "Lien vers un site extérieur" in rows.nth(1).inner_text()

    with staff.expect_download() as download:
        staff.get_by_role("button", name="Exporter en CSV").click()
    text = Path(download.value.path()).read_text(encoding="utf-8-sig")
    header, *lines = list(csv.reader(io.StringIO(text)))
    assert header[3] == "Action"
    # Oldest first, action codes as recorded, the comment kept.
    assert [line[3] for line in lines] == ["review.activity_rejected", "review.course_approved"]
    assert "Lien vers un site extérieur" in lines[0][10]
    assert outside.requests == []
