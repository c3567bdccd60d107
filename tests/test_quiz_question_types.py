"""Every question type the importer reads can be answered on a quiz page: the page shows an
input for every field the right answer posts, and posting the right answers through the
page earns full marks (questions of the real Moodle XML bank in tests/fixtures)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from cartable.assessment import engine
from cartable.assessment.models import Attempt
from cartable.catalog.models import Activity, Course, Enrolment, Question
from cartable.importers.model import QuizSlot
from tests import quizdata
from tests.conftest import build_course
from tests.conftest import signed_in as signed_in_fr
from tests.kinddata import as_json

pytestmark = pytest.mark.django_db

BANK = Path(__file__).parent / "fixtures" / "moodle_xml" / "moodlexml_development_course_568q.xml"
TYPES = (
    "calculated",
    "calculatedmulti",
    "ddwtos",
    "essay",
    "gapselect",
    "match",
    "multianswer",
    "multichoice",
    "numerical",
    "randomsamatch",
    "shortanswer",
    "truefalse",
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def names_in(html: str) -> set[str]:
    return set(re.findall(r'name="(q\d+:[^"]+)"', html))


@pytest.fixture
def quiz(institution, learner) -> Activity:
    # A course waiting for review takes a question file at once; then it is published.
    course = build_course(institution, "BANK101", status=Course.Status.PENDING_REVIEW)
    call_command(
        "import-questions",
        str(BANK),
        "--course",
        course.shortname,
        stdout=io.StringIO(),
        stderr=io.StringIO(),
    )
    Course.objects.filter(pk=course.pk).update(status=Course.Status.PUBLISHED)
    Enrolment.objects.create(user=learner, course=course)
    chosen = []
    for qtype in TYPES:
        row = (
            Question.objects.filter(course=course, qtype=qtype, status="ready")
            .order_by("source_id")
            .first()
        )
        assert row is not None, qtype
        chosen.append(row)
    settings = quizdata.quiz_content((), per_page=100)
    slots = tuple(
        QuizSlot(slot=n, page=1, max_mark=1.0, question_id=row.source_id)
        for n, row in enumerate(chosen, start=1)
    )
    from dataclasses import replace

    settings = replace(settings, slots=slots, sum_grades=float(len(slots)))
    return Activity.objects.create(
        course=course,
        section=course.sections.first(),
        position=90,
        kind=Activity.Kind.QUIZ,
        review_status=Activity.Review.APPROVED,
        title="Tous les types",
        data=as_json(settings),
    )


def test_every_type_is_answered_right_through_the_page(quiz, learner) -> None:
    client = signed_in_fr(learner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post(reverse("assessment:start", args=[quiz.course_id, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    html = client.get(url).content.decode()
    shown = names_in(html)
    loaded = engine.load_all(attempt)
    assert sorted(item.question.qtype for item in loaded.values()) == sorted(TYPES)
    form: dict[str, str] = {}
    for item in loaded.values():
        right = item.prepared.correct()
        if right is None:
            assert item.question.qtype == "essay"
            form[item.prefix + "answer"] = "Une réponse."
            assert item.prefix + "answer" in shown
            continue
        fields = {item.prefix + k: v for k, v in item.prepared.form_data(right).items()}
        assert set(fields) <= shown, (item.question.qtype, set(fields) - shown)
        form.update(fields)
    client.post(url, form)
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    states = {row.question["qtype"]: row.state for row in attempt.questions.all()}
    assert states == {qtype: "gradedright" for qtype in TYPES if qtype != "essay"} | {
        "essay": "needsgrading"
    }
    review = client.get(reverse("assessment:review", args=[attempt.pk]))
    assert review.status_code == 200


def test_drag_and_drop_types_are_answered_from_the_keyboard(course, learner) -> None:
    questions = (quizdata.description(), quizdata.drop_on_image(), quizdata.marker())
    quiz = quizdata.add_quiz(course, questions, per_page=10)
    client = signed_in_fr(learner)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.post(reverse("assessment:start", args=[course.pk, quiz.pk]))
    attempt = Attempt.objects.get(activity=quiz)
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    html = client.get(url).content.decode()
    assert "Lisez bien." in html and "Information" in html
    assert '<select name="q2:p1" aria-label="France"' in html
    assert 'type="text" name="q3:c1"' in html
    form: dict[str, str] = {}
    for item in engine.load_all(attempt).values():
        right = item.prepared.correct()
        if right is not None:
            fields = {item.prefix + k: v for k, v in item.prepared.form_data(right).items()}
            assert set(fields) <= names_in(html)
            form.update(fields)
    client.post(url, form)
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    attempt.refresh_from_db()
    assert dict(attempt.questions.values_list("slot", "state")) == {
        1: "finished",
        2: "gradedright",
        3: "gradedright",
    }
    assert attempt.sum_marks == pytest.approx(2.0)
