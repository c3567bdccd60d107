"""What quiz pages cost the database: a fixed number of queries whatever the number of
questions, and reading a page again writes nothing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cartable.assessment import actions
from tests import quizdata
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE")


def cost(client, method: str, url: str, data=None) -> tuple[int, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url) if method == "GET" else client.post(url, data or {})
    assert response.status_code in (200, 302)
    sql = [q["sql"] for q in queries.captured_queries]
    written = [
        s for s in sql if s.lstrip().upper().startswith(WRITES) and "django_session" not in s
    ]
    return len(sql), written


@pytest.mark.parametrize("per_page", [1, 5])
def test_quiz_pages_cost_the_same_whatever_the_questions(course, learner, per_page) -> None:
    quiz = quizdata.add_quiz(course, per_page=per_page)
    attempt = actions.start(actor=learner, activity=quiz)
    client = signed_in(learner)
    summary, written = cost(client, "GET", reverse("assessment:quiz", args=[course.pk, quiz.pk]))
    assert summary <= 9 and written == []
    page, written = cost(client, "GET", reverse("assessment:attempt", args=[attempt.pk, 1]))
    assert page <= 6 and written == []
    # Saving the same answers again writes nothing (the session aside).
    url = reverse("assessment:attempt", args=[attempt.pk, 1])
    cost(client, "POST", url, {"q2:answer": "1", "save": "1"})
    saved, written = cost(client, "POST", url, {"q2:answer": "1", "save": "1"})
    assert saved <= 10 and written == []
    review_cost, _ = cost(client, "GET", reverse("assessment:summary", args=[attempt.pk]))
    assert review_cost <= 6
