"""Learners study an imported course: every kind renders, progress is kept, restrictions are
followed, and pages move from one activity to the next."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone

from cartable.catalog.models import Activity, Course, Enrolment
from cartable.learning.models import ActivityProgress
from tests.conftest import signed_in
from tests.importers.test_activity_kinds import _course

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path: Path, learner, teacher) -> Course:
    """The importer's every-kind course, published, with the learner and teacher enrolled."""
    call_command(
        "import", str(_course().build(tmp_path / "kinds.mbz")), "--publish", stdout=io.StringIO()
    )
    course = Course.objects.get(shortname="BUILT")
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role="teacher")
    return course


def page_of(client, course: Course, title: str, query: str = "") -> str:
    activity = course.activities.get(title=title)
    response = client.get(f"/courses/{course.pk}/activities/{activity.pk}/{query}")
    assert response.status_code == 200, (title, response.status_code)
    return response.content.decode()


def test_it_opens_every_activity_of_an_imported_course(learner, imported) -> None:
    client = signed_in(learner)
    outline = client.get(f"/courses/{imported.pk}/").content.decode()
    for activity in imported.activities.filter(visible=True).exclude(kind="label"):
        link = f'href="/courses/{imported.pk}/activities/{activity.pk}/"'
        if activity.kind == "qbank":  # the course's questions, not a learner's activity
            assert link not in outline
            continue
        assert link in outline
        page_of(client, imported, activity.title)
    assert "Just a label" in outline  # labels show inline on the course page


def test_it_shows_a_book_chapter_by_chapter(learner, imported) -> None:
    client = signed_in(learner)
    first = page_of(client, imported, "A book")
    assert '<h2 id="chapter-title">One</h2>' in first
    assert "?chapter=6" in first and "Two" not in first  # chapter "Two" is hidden
    sub = page_of(client, imported, "A book", "?chapter=6")
    assert '<h3 id="chapter-title">One.a</h3>' in sub
    assert 'href="?chapter=5" rel="prev"' in sub


def test_it_finds_glossary_entries_by_letter_and_words(learner, imported) -> None:
    client = signed_in(learner)
    assert "<dt>Atom</dt>" in page_of(client, imported, "A glossary")
    assert "<dt>Atom</dt>" in page_of(client, imported, "A glossary", "?q=atome")
    assert "<dt>Atom</dt>" not in page_of(client, imported, "A glossary", "?q=zebre")
    assert "<dt>Atom</dt>" in page_of(client, imported, "A glossary", "?letter=A")


def test_it_follows_a_lessons_jumps(learner, imported) -> None:
    client = signed_in(learner)
    start = page_of(client, imported, "A lesson")
    assert '<h2 id="lesson-title">Start</h2>' in start
    assert 'href="?page=42">Next</a>' in start
    assert '<h2 id="lesson-title">Q</h2>' in page_of(client, imported, "A lesson", "?page=42")


def test_it_shows_a_web_link_as_text_only(learner, imported) -> None:
    page = page_of(signed_in(learner), imported, "A link")
    assert "https://example.org/a?b=1" in page
    assert 'href="https://example.org' not in page


def test_it_records_views_and_course_progress(learner, imported) -> None:
    client = signed_in(learner)
    page_of(client, imported, "A book")
    page_of(client, imported, "A book")  # a reload within a minute counts once
    row = ActivityProgress.objects.get(user=learner, activity__title="A book")
    assert row.views == 1
    ActivityProgress.objects.filter(pk=row.pk).update(
        last_viewed_at=row.last_viewed_at - timedelta(minutes=2)
    )
    page_of(client, imported, "A book")
    row.refresh_from_db()
    assert row.views == 2
    assert row.first_viewed_at < row.last_viewed_at
    outline = client.get(f"/courses/{imported.pk}/")
    assert outline.context["progress"].done == 1
    assert outline.context["resume_id"] == row.activity_id
    home = client.get("/")
    [card] = home.context["courses"]
    assert card["progress"].done == 1
    assert card["resume"] == row.activity_id


def test_it_completes_an_activity_when_viewing_is_its_rule(learner, imported) -> None:
    page = imported.activities.get(title="A page")
    page.completion = {"tracking": "automatic", "view": True}
    page.completion_mode = "view"
    page.save()
    page_of(signed_in(learner), imported, "A page")
    row = ActivityProgress.objects.get(user=learner, activity=page)
    assert row.completed_at is not None and row.completed_by == "view"


def test_it_lets_the_learner_tick_a_manual_activity(learner, imported) -> None:
    book = imported.activities.get(title="A book")
    book.completion = {"tracking": "manual"}
    book.completion_mode = "manual"
    book.save()
    client = signed_in(learner)
    assert 'name="done" value="1"' in page_of(client, imported, "A book")
    # Viewed is not done for an activity completed by hand.
    assert client.get(f"/courses/{imported.pk}/").context["progress"].done == 0
    client.post(f"/courses/{imported.pk}/activities/{book.pk}/done/", {"done": "1"})
    assert ActivityProgress.objects.get(user=learner, activity=book).completed_by == "manual"
    assert client.get(f"/courses/{imported.pk}/").context["progress"].done == 1
    client.post(f"/courses/{imported.pk}/activities/{book.pk}/done/", {"done": "0"})
    assert ActivityProgress.objects.get(user=learner, activity=book).completed_at is None


def test_it_keeps_a_restricted_activity_closed_until_its_rule_is_met(learner, imported) -> None:
    book = imported.activities.get(title="A book")
    book.completion = {"tracking": "manual"}
    book.completion_mode = "manual"
    book.save()
    glossary = imported.activities.get(title="A glossary")
    module = int(book.source_key.rpartition("-")[2])
    glossary.availability = {
        "op": "&",
        "c": [{"type": "completion", "cm": module, "e": 1}],
        "showc": [True],
    }
    glossary.save()
    client = signed_in(learner)
    outline = client.get(f"/courses/{imported.pk}/").content.decode()
    assert "Disponible une fois « A book » terminé." in outline
    response = client.get(f"/courses/{imported.pk}/activities/{glossary.pk}/")
    assert response.status_code == 403
    client.post(f"/courses/{imported.pk}/activities/{book.pk}/done/", {"done": "1"})
    assert client.get(f"/courses/{imported.pk}/activities/{glossary.pk}/").status_code == 200


def test_it_hides_an_activity_whose_rule_says_so(learner, teacher, imported) -> None:
    glossary = imported.activities.get(title="A glossary")
    later = int((timezone.now() + timedelta(days=30)).timestamp())
    glossary.availability = {
        "op": "&",
        "c": [{"type": "date", "d": ">=", "t": later}],
        "showc": [False],
    }
    glossary.save()
    assert "A glossary" not in signed_in(learner).get(f"/courses/{imported.pk}/").content.decode()
    assert "A glossary" in signed_in(teacher).get(f"/courses/{imported.pk}/").content.decode()


def test_it_moves_to_the_previous_and_next_activity(learner, imported) -> None:
    ordered = list(
        imported.activities.filter(visible=True)
        .exclude(kind="label")
        .order_by("section__position", "position")
    )
    page = page_of(signed_in(learner), imported, ordered[1].title)
    assert f'href="/courses/{imported.pk}/activities/{ordered[0].pk}/" rel="prev"' in page
    assert f'href="/courses/{imported.pk}/activities/{ordered[2].pk}/" rel="next"' in page


def test_it_keeps_the_activity_page_to_a_fixed_number_of_queries(learner, institution) -> None:
    """Session, user, course, activity, its neighbours, the learner's progress on it (a view
    within a minute of the last one writes nothing): the same six queries for 10 or 200
    activities."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.conftest import build_course

    counts = []
    for sections in (2, 40):
        course = build_course(institution, f"N{sections}", sections=sections, pages_per_section=5)
        Enrolment.objects.create(user=learner, course=course)
        client = signed_in(learner)
        target = course.activities.order_by("pk")[3]
        client.get(f"/courses/{course.pk}/activities/{target.pk}/")
        with CaptureQueriesContext(connection) as queries:
            client.get(f"/courses/{course.pk}/activities/{target.pk}/")
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 6


def test_it_shows_teachers_their_learners_progress(
    learner, other_learner, teacher, imported
) -> None:
    Enrolment.objects.create(user=other_learner, course=imported)
    page_of(signed_in(learner), imported, "A book")
    response = signed_in(teacher).get(f"/courses/{imported.pk}/learners/")
    rows = {row["learner"].username: row["done"] for row in response.context["rows"]}
    assert rows == {"lea": 1, "omar": 0}


def test_it_keeps_the_progress_page_from_learners(learner, imported) -> None:
    assert signed_in(learner).get(f"/courses/{imported.pk}/learners/").status_code == 403


def test_it_keeps_a_retired_activity_out_of_reach(learner, imported) -> None:
    book = imported.activities.get(title="A book")
    book.retired_at = timezone.now()
    book.save()
    client = signed_in(learner)
    assert client.get(f"/courses/{imported.pk}/activities/{book.pk}/").status_code == 404
    assert "A book" not in client.get(f"/courses/{imported.pk}/").content.decode()
    assert Activity.objects.filter(pk=book.pk).exists()
