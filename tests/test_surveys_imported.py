"""A choice and a survey as the importer brings them in from a Moodle backup (built in code,
as Moodle writes it), answered on the box with their imported settings."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from cartable.catalog.models import Course, Enrolment
from cartable.learning.models import ActivityProgress
from cartable.surveys.models import ChoiceAnswer, FeedbackResponse, FeedbackValue
from tests.conftest import signed_in
from tests.importers.test_activity_kinds import _course

pytestmark = pytest.mark.django_db


@pytest.fixture
def imported(tmp_path: Path, learner, teacher) -> Course:
    call_command(
        "import", str(_course().build(tmp_path / "kinds.mbz")), "--publish", stdout=io.StringIO()
    )
    course = Course.objects.get(shortname="BUILT")
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role="teacher")
    return course


def _url(course: Course, title: str, name: str) -> str:
    activity = course.activities.get(title=title)
    return reverse(name, kwargs={"course_id": course.pk, "activity_id": activity.pk})


def test_it_answers_an_imported_choice_with_its_settings(imported, learner, teacher) -> None:
    choice = imported.activities.get(title="A choice")
    assert choice.completion_mode == "answer"  # Moodle's "completionsubmit"
    client = signed_in(learner)
    url = _url(imported, "A choice", "surveys:choice")
    page = client.get(url).content.decode()
    assert 'value="81" disabled' in page  # "Yes": limits on, no place
    assert client.post(url, {"option": "81"}).status_code == 400
    assert client.post(url, {"option": "82"}).status_code == 302
    assert ChoiceAnswer.objects.get(activity=choice).option == 82
    # Results always shown, with names (Moodle's "publish": 1).
    assert "Résultats" in client.get(url).content.decode()
    assert "Léa Moreau" in client.get(url).content.decode()
    progress = ActivityProgress.objects.get(user=learner, activity=choice)
    assert progress.completed_at is not None


def test_it_answers_an_imported_survey_with_its_settings(imported, learner, teacher) -> None:
    survey = imported.activities.get(title="A feedback")
    client = signed_in(learner)
    url = _url(imported, "A feedback", "surveys:feedback")
    assert "Info" in client.get(url).content.decode()  # the label item
    missing = client.post(url, {})
    assert missing.status_code == 400 and "demande une réponse" in missing.content.decode()
    assert client.post(url, {"item-91": ["Pour apprendre"]}).status_code == 302
    assert "Thanks" in client.get(url).content.decode()  # the page after submit
    response = FeedbackResponse.objects.get(activity=survey)
    assert response.user == learner  # not anonymous (Moodle's "anonymous": 2)
    assert FeedbackValue.objects.get(response=response).value == "Pour apprendre"
    # Several responses allowed: answering again replaces the named one.
    assert client.post(url, {"item-91": ["Pour réussir"]}).status_code == 302
    assert FeedbackValue.objects.get(response__activity=survey).value == "Pour réussir"
    results = signed_in(teacher).get(_url(imported, "A feedback", "surveys:feedback_results"))
    assert "Pour réussir" in results.content.decode()
