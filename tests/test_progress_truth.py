"""Progress tells the truth: an activity that needs an answer the box records (a quiz, an
assignment, a survey, a choice, a lesson, a package) is never done by being opened, and says
what is left to do; question banks are the course's, not a learner's activity."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.catalog.kinds import KINDS, kind_of
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.learning.models import ActivityProgress
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"


def test_it_keeps_a_learner_who_opened_everything_below_100_percent(learner, teacher) -> None:
    call_command(
        "import",
        str(FIXTURES / "moodle30_tgz_mdk101_68activities.mbz"),
        "--publish",
        stdout=io.StringIO(),
    )
    course = Course.objects.get()
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    client = signed_in(learner)
    outline = client.get(f"/courses/{course.pk}/").context["outline"]
    shown = [entry.pk for part in outline for entry in part["entries"]]
    opened = list(Activity.objects.filter(pk__in=shown).order_by("pk"))
    for activity in opened:
        assert client.get(f"/courses/{course.pk}/activities/{activity.pk}/").status_code == 200
    answering = [a for a in opened if kind_of(a.kind).answer is not None]
    assert {a.kind for a in answering} == {"assign"} and len(answering) == 10
    page = client.get(f"/courses/{course.pk}/")
    progress = page.context["progress"]
    read = [a for a in opened if a.completion_mode == "view" and kind_of(a.kind).studied]
    assert progress.done == len(read) == progress.total - len(answering)
    assert progress.percent < 100
    states = {entry.pk: entry for part in page.context["outline"] for entry in part["entries"]}
    for activity in answering:
        assert states[activity.pk].state == "to_do"
        assert states[activity.pk].to_do == str(kind_of(activity.kind).answer)
    assert "À faire\u202f: Rendre votre travail" in page.content.decode()
    assert not ActivityProgress.objects.filter(
        activity__in=answering, completed_at__isnull=False
    ).exists()
    # The home page and the teacher's view of the class agree.
    home = client.get("/").context["courses"][0]["progress"]
    assert (home.done, home.total) == (progress.done, progress.total)
    row = signed_in(teacher).get(f"/courses/{course.pk}/learners/").context["rows"][0]
    assert row["done"] == progress.done and row["percent"] == progress.percent < 100


def test_it_tells_the_learner_what_is_left_on_an_activity_that_needs_an_answer(
    learner, course
) -> None:
    quiz = Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=50,
        kind=Activity.Kind.QUIZ,
        title="Contrôle",
        review_status=Activity.Review.APPROVED,
        completion_mode="answer",
    )
    page = signed_in(learner).get(f"/courses/{course.pk}/activities/{quiz.pk}/")
    text = page.content.decode()
    assert "À faire\u202f: Répondre au quiz." in text
    assert "prochaine version" not in text
    assert not page.context["done"]


def test_it_keeps_question_banks_off_learners_pages_and_progress(
    learner, teacher, institution
) -> None:
    course = build_course(institution, "BANK")
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    bank = Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=9,
        kind=Activity.Kind.QBANK,
        title="Banque de questions",
        review_status=Activity.Review.APPROVED,
    )
    for user in (learner, teacher):
        client = signed_in(user)
        assert "Banque de questions" not in client.get(f"/courses/{course.pk}/").content.decode()
        assert client.get(f"/courses/{course.pk}/activities/{bank.pk}/").status_code == 404
    assert signed_in(learner).get(f"/courses/{course.pk}/").context["progress"].total == 4


@pytest.mark.parametrize(
    ("kind", "completion", "mode"),
    [
        ("page", {"tracking": "none"}, "view"),
        ("page", {"tracking": "automatic", "view": True}, "view"),
        ("page", {"tracking": "manual"}, "manual"),
        (
            "forum",
            {"tracking": "automatic", "view": True, "rules": [["completionposts", 2]]},
            "answer",
        ),
        ("resource", {"tracking": "automatic", "grade": True}, "answer"),
        ("quiz", {"tracking": "none"}, "answer"),
        ("quiz", {"tracking": "automatic", "view": True}, "answer"),
        ("quiz", {"tracking": "manual"}, "manual"),
        ("assign", {"tracking": "none"}, "answer"),
        ("feedback", {"tracking": "none"}, "answer"),
        ("choice", {"tracking": "none"}, "answer"),
        ("lesson", {"tracking": "none"}, "answer"),
        ("scorm", {"tracking": "none"}, "answer"),
        ("h5pactivity", {"tracking": "none"}, "answer"),
    ],
)
def test_it_decides_how_each_kind_is_completed(kind: str, completion: dict, mode: str) -> None:
    assert KINDS[kind].completion_mode(completion) == mode
