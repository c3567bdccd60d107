"""Certainty-based marking on the quiz pages, without JavaScript: the certainty radio group
saved with each page, found again on resume, graded with the CBM marks, shown on the review
with the summary under the grade; immediatecbm's "Check" asks for a certainty."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import replace

import pytest
from django.urls import reverse
from django.utils import translation

from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.audit.models import AuditEvent
from cartable.outbox.models import Entry
from tests import quizdata
from tests.test_quiz_pages import right_answers, signed_in, start

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def _page(attempt: Attempt, number: int) -> str:
    return reverse("assessment:attempt", args=[attempt.pk, number])


def _checked(html: str, name: str, value: str) -> bool:
    return bool(re.search(rf'name="{re.escape(name)}" value="{value}"[^>]* checked', html))


def test_certainties_are_saved_resumed_and_graded(course, learner) -> None:
    questions = (quizdata.capital(), quizdata.earth(), quizdata.river())
    quiz = quizdata.add_quiz(course, questions, preferred_behaviour="deferredcbm")
    client = signed_in(learner)
    attempt = start(client, quiz)
    html = client.get(_page(attempt, 1)).content.decode()
    for slot in (1, 2):
        for level in ("1", "2", "3"):
            assert f'type="radio" name="q{slot}:-certainty" value="{level}"' in html
    assert "C=1 (Unsure: &lt;67%)" in html and "Certainty:" in html
    posted = {**right_answers(attempt, 0), "q1:-certainty": "3", "q2:-certainty": "1"}
    client.post(_page(attempt, 1), {**posted, "next": "1"})
    # A power cut: signed in again elsewhere, the certainties are there.
    again = signed_in(learner)
    html = again.get(_page(attempt, 1)).content.decode()
    assert _checked(html, "q1:-certainty", "3") and _checked(html, "q2:-certainty", "1")
    assert not _checked(html, "q1:-certainty", "1")
    # The last page answered right without a certainty: low is assumed.
    again.post(_page(attempt, 2), {**right_answers(attempt, 1), "save": "1"})
    rows = {row.slot: row for row in AttemptQuestion.objects.filter(attempt=attempt)}
    assert (rows[1].state, rows[2].state, rows[3].state) == ("complete", "complete", "todo")
    again.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    attempt.refresh_from_db()
    marks = {row.slot: row.mark for row in AttemptQuestion.objects.filter(attempt=attempt)}
    assert marks == {1: pytest.approx(3.0), 2: pytest.approx(1.0), 3: pytest.approx(1.0)}
    assert attempt.sum_marks == pytest.approx(5.0)
    assert attempt.grade == pytest.approx(5.0 * 10 / 3)  # relative to all right at C=1
    review = again.get(reverse("assessment:review", args=[attempt.pk])).content.decode()
    assert "Certainty-based marking" in review
    assert "Average CBM mark" in review
    assert "100.0%" in review  # accuracy
    assert "You did not select a certainty. Assuming: C=1 (Unsure: &lt;67%)." in review
    assert "your base mark of 1.00 was adjusted to 3.00" in review
    assert re.search(r'name="q1:-certainty" value="3" checked disabled', review)
    entry = Entry.objects.filter(kind="attempt", user=learner, payload__has_key="files").get()
    carried = {
        q["slot"]: (q["certainty"], q["raw_fraction"], q["mark"])
        for q in entry.payload["questions"]
    }
    assert carried == {1: (3, 1.0, 3.0), 2: (1, 1.0, 1.0), 3: (None, 1.0, 1.0)}


def test_no_summary_when_marks_are_hidden(course, learner) -> None:
    hidden = replace(quizdata.DEFAULT_REVIEW, marks=quizdata.NEVER)
    quiz = quizdata.add_quiz(
        course, (quizdata.earth(),), preferred_behaviour="deferredcbm", review=hidden
    )
    client = signed_in(learner)
    attempt = start(client, quiz)
    client.post(_page(attempt, 1), {**right_answers(attempt, 0), "q1:-certainty": "2"})
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    page = client.get(reverse("assessment:review", args=[attempt.pk])).content.decode()
    assert "Average CBM mark" not in page and "base mark" not in page
    attempt.refresh_from_db()
    assert attempt.sum_marks == pytest.approx(2.0)


def test_immediate_cbm_checks_with_a_certainty_only(course, learner) -> None:
    questions = (quizdata.capital(), quizdata.earth())
    quiz = quizdata.add_quiz(course, questions, preferred_behaviour="immediatecbm")
    client = signed_in(learner)
    attempt = start(client, quiz)
    answers = right_answers(attempt, 0)
    html = client.get(_page(attempt, 1)).content.decode()
    assert 'name="check" value="1"' in html
    # "Check" without a certainty: invalid, said, nothing graded.
    client.post(_page(attempt, 1), {**answers, "check": "1"})
    row = AttemptQuestion.objects.get(attempt=attempt, slot=1)
    assert row.state == "invalid" and row.mark is None
    html = client.get(_page(attempt, 1)).content.decode()
    assert "Please choose how certain you are." in html
    # With a certainty: graded at once, and over.
    client.post(_page(attempt, 1), {**answers, "q1:-certainty": "2", "check": "1"})
    row.refresh_from_db()
    assert row.state == "gradedright" and row.mark == pytest.approx(2.0)
    # A wrong answer at high certainty costs 6 when the attempt is finished.
    wrong = {"q2:answer": "0" if answers.get("q2:answer") == "1" else "1"}
    client.post(_page(attempt, 1), {**answers, **wrong, "q2:-certainty": "3", "save": "1"})
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    attempt.refresh_from_db()
    assert attempt.sum_marks == pytest.approx(2.0 - 6.0)
    assert AuditEvent.objects.filter(action="quiz.answers_saved").count() >= 2


@pytest.mark.parametrize("value", ["9", "0", "-1", "abc", "", "3.0"])
def test_a_bad_certainty_is_no_certainty(course, learner, value) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.earth(),), preferred_behaviour="deferredcbm")
    client = signed_in(learner)
    attempt = start(client, quiz)
    response = client.post(_page(attempt, 1), {**right_answers(attempt, 0), "q1:-certainty": value})
    assert response.status_code == 302
    row = AttemptQuestion.objects.get(attempt=attempt, slot=1)
    assert row.state == "todo"
    assert row.actions[-1]["certainty"] is None


def test_another_learner_cannot_set_a_certainty(course, learner, other_learner) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.earth(),), preferred_behaviour="deferredcbm")
    attempt = start(signed_in(learner), quiz)
    outsider = signed_in(other_learner)
    posted = {**right_answers(attempt, 0), "q1:-certainty": "3"}
    assert outsider.post(_page(attempt, 1), posted).status_code == 404
    assert AttemptQuestion.objects.get(attempt=attempt, slot=1).actions == []


def test_a_deferred_quiz_ignores_a_posted_certainty(course, learner) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.earth(),))
    client = signed_in(learner)
    attempt = start(client, quiz)
    html = client.get(_page(attempt, 1)).content.decode()
    assert "-certainty" not in html
    client.post(_page(attempt, 1), {**right_answers(attempt, 0), "q1:-certainty": "3"})
    client.post(reverse("assessment:summary", args=[attempt.pk]), {"finish": "1"})
    attempt.refresh_from_db()
    assert attempt.sum_marks == pytest.approx(1.0)


def test_the_certainty_speaks_french(course, learner) -> None:
    from tests.conftest import signed_in as signed_in_fr

    quiz = quizdata.add_quiz(course, (quizdata.earth(),), preferred_behaviour="deferredcbm")
    client = signed_in_fr(learner)
    attempt = start(client, quiz)
    with translation.override("fr"):
        html = client.get(_page(attempt, 1)).content.decode()
    assert "Certitude\u202f:" in html
    assert "C1 (peu sûr\u202f: &lt;\u202f67\u202f%)" in html
    assert "C3 (très sûr\u202f: &gt;\u202f80\u202f%)" in html
