"""The learner home is kept per everything it shows (learning/kept.py): whatever changes what
it shows — progress, the study plan, a released grade, a message, a course's title or status,
the learner's name, the language, the day — shows at the next request after a page that was
kept; what is kept for one learner never shows for another; its forms carry the request's own
CSRF token, which the box accepts; flash messages still show, once."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from cartable.catalog.models import Course, Enrolment
from cartable.learning import kept
from cartable.learning.models import StudyPlanItem
from cartable.messaging import actions as messaging
from tests.conftest import signed_in
from tests.test_recent_feedback import grade, quiz

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@pytest.fixture(autouse=True)
def _no_pages_kept_before() -> None:
    kept.PAGES.clear()


def home(client: Client, **headers: str) -> str:
    """The learner home, without its CSRF tokens (masked afresh on every request)."""
    response = client.get("/", **headers)
    assert response.status_code == 200
    return TOKEN.sub("", response.content.decode())


def rendered_afresh(client: Client) -> str:
    kept.PAGES.clear()
    return home(client)


def test_a_kept_home_is_the_page_rendered_afresh(course, learner, teacher) -> None:
    StudyPlanItem.objects.create(
        course=course, activity=course.activities.first(), learner=learner, created_by=teacher
    )
    grade(quiz(course, "Quiz 1"), learner, "<p>Bien vu</p>")
    client = signed_in(learner)
    first = home(client)
    assert len(kept.PAGES) == 1
    assert home(client) == first  # from the kept page
    assert rendered_afresh(client) == first


def test_progress_shows_at_once(course, learner) -> None:
    client = signed_in(learner)
    before = home(client)
    assert "Continuer" not in before
    activity = course.activities.filter(kind="page").first()
    client.get(f"/courses/{course.pk}/activities/{activity.pk}/")
    after = home(client)
    assert after != before
    assert f'href="/courses/{course.pk}/activities/{activity.pk}/">Continuer' in after
    assert after == rendered_afresh(client)


def test_a_plan_item_its_tick_and_its_late_date_show_at_once(course, learner, teacher) -> None:
    client = signed_in(learner)
    assert "Mon plan de travail" not in home(client)
    item = StudyPlanItem.objects.create(
        course=course,
        activity=course.activities.first(),
        learner=learner,
        created_by=teacher,
        due_date=timezone.localdate(),
    )
    page = home(client)
    assert "Mon plan de travail" in page and "En retard" not in page
    item.due_date = timezone.localdate() - timedelta(days=1)
    item.save()
    assert "En retard" in home(client)
    response = client.post(f"/courses/plan/{item.pk}/tick/", {"done": "1"})
    assert response.status_code == 302
    assert "1 fait" in home(client)


def test_a_released_grade_a_message_and_a_title_show_at_once(course, learner, teacher) -> None:
    client = signed_in(learner)
    home(client)
    grade(quiz(course, "Quiz 2"), learner, "<p>Très clair</p>")
    assert "Très clair" in home(client)
    messaging.send(actor=teacher, recipient=learner, body="Bonjour, à demain.")
    assert "1 message non lu" in home(client)
    Course.objects.filter(pk=course.pk).update(title="Histoire moderne")
    assert "Histoire moderne" in home(client)
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PENDING_REVIEW)
    assert "Histoire moderne" not in home(client)


def test_the_name_and_the_language_show_at_once(course, learner) -> None:
    client = signed_in(learner)
    assert "Bonjour Léa" in home(client)
    type(learner).objects.filter(pk=learner.pk).update(first_name="Lina")
    assert "Bonjour Lina" in home(client)
    english = home(client, HTTP_ACCEPT_LANGUAGE="en")
    assert "Hello Lina" in english or "Bonjour Lina" in english
    client.post("/language/", {"language": "en", "next": "/"})
    assert "Hello Lina" in home(client)
    client.post("/language/", {"language": "fr", "next": "/"})
    assert "Bonjour Lina" in home(client)


def test_a_page_kept_for_one_learner_never_shows_for_another(
    course, learner, other_learner
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    grade(quiz(course, "Quiz 3"), learner, "<p>Pour Léa seulement</p>")
    mine = home(signed_in(learner))
    theirs = home(signed_in(other_learner))
    assert "Pour Léa seulement" in mine and "Pour Léa seulement" not in theirs
    assert other_learner.first_name in theirs and learner.first_name not in theirs
    assert len(kept.PAGES) == 2


def test_a_kept_pages_forms_carry_the_requests_own_token_which_the_box_accepts(
    course, learner, teacher
) -> None:
    item = StudyPlanItem.objects.create(
        course=course, activity=course.activities.first(), learner=learner, created_by=teacher
    )
    client = Client(enforce_csrf_checks=True)
    client.force_login(learner)
    first = client.get("/").content.decode()
    second = client.get("/").content.decode()
    tokens = TOKEN.findall(second)
    assert len(tokens) >= 2  # the header's sign-out form and the plan item's
    assert TOKEN.findall(first) != tokens  # masked afresh, as Django does
    assert "\x00" not in second
    refused = client.post(f"/courses/plan/{item.pk}/tick/", {"done": "1"})
    assert refused.status_code == 403 and not item.ticks.exists()
    response = client.post(
        f"/courses/plan/{item.pk}/tick/", {"done": "1", "csrfmiddlewaretoken": tokens[-1]}
    )
    assert response.status_code == 302
    assert item.ticks.filter(learner=learner).exists()


def test_flash_messages_show_once_on_a_kept_home(course, learner) -> None:
    from django.contrib import messages
    from django.contrib.messages.middleware import MessageMiddleware
    from django.contrib.sessions.middleware import SessionMiddleware
    from django.test import RequestFactory

    from cartable.web.views import home as home_view

    def request_with(note: str | None) -> str:
        request = RequestFactory().get("/")
        request.user = learner
        SessionMiddleware(lambda r: None).process_request(request)
        MessageMiddleware(lambda r: None).process_request(request)
        if note:
            messages.info(request, note)
        return home_view(request).content.decode()

    assert 'class="messages"' not in request_with(None)
    assert len(kept.PAGES) == 1
    shown = request_with("Votre séance se termine bientôt.")
    assert 'class="messages"' in shown and "Votre séance se termine bientôt." in shown
    assert 'class="messages"' not in request_with(None)


def test_it_keeps_a_bounded_number_of_pages() -> None:
    pages = kept._Pages(2)
    for key in (b"a", b"b", b"c"):
        pages.put(key, (key.decode(),))
    assert len(pages) == 2 and pages.get(b"a") is None
    assert pages.get(b"b") == ("b",)
    pages.put(b"d", ("d",))  # "c" was used least recently
    assert pages.get(b"c") is None and pages.get(b"b") == ("b",)
