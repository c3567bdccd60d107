"""A learner's deadlines in one list: study plan dates, quiz close dates and assignment due dates
of what they may open, sorted, late ones flagged and done ones marked."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone

from cartable.accounts.models import Role
from cartable.assessment.models import Attempt
from cartable.assignments.models import Extension, Submission
from cartable.catalog.models import Activity, Enrolment
from cartable.learning.models import StudyPlanItem, StudyPlanTick
from cartable.people.deadlines import deadlines_for
from tests import quizdata
from tests.assignwork import homework
from tests.authorization import NOT_YET_OPEN
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db

URL = "/accounts/deadlines/"
NOW = datetime.now(UTC)


def _quiz(course, title, closes, **extra):
    quiz = quizdata.add_quiz(course, title=title, closes=closes)
    if extra:
        Activity.objects.filter(pk=quiz.pk).update(**extra)
    return quiz


@pytest.fixture
def world(course, learner, other_learner, teacher, cohort, other_course):
    """Léa's course with dated work of every kind, and what she must not see."""
    page = course.activities.filter(kind=Activity.Kind.PAGE).order_by("pk").first()
    today = timezone.localdate()

    def item(title, due, **whom):
        return StudyPlanItem.objects.create(
            course=course, activity=page, note=title, due_date=due, created_by=teacher, **whom
        )

    late_item = item("En retard", today - timedelta(days=2), learner=learner)
    item("Demain", today + timedelta(days=1), cohort=cohort)
    cohort.members.add(learner)
    done_item = item("Fait", today - timedelta(days=1), learner=learner)
    StudyPlanTick.objects.create(item=done_item, learner=learner)
    item("Pour Omar", today + timedelta(days=3), learner=other_learner)
    item("Sans date", None, learner=learner)

    late_quiz = _quiz(course, "Quiz passé", NOW - timedelta(days=1))
    done_quiz = _quiz(course, "Quiz fait", NOW + timedelta(days=5))
    Attempt.objects.create(
        user=learner,
        activity=done_quiz,
        number=1,
        state=Attempt.State.FINISHED,
        seed="x",
        started_at=NOW,
        finished_at=NOW,
    )
    _quiz(course, "Quiz caché", NOW + timedelta(days=2), visible=False)
    _quiz(course, "Quiz fermé", NOW + timedelta(days=2), availability=NOT_YET_OPEN)
    _quiz(course, "Quiz en attente", NOW + timedelta(days=2), review_status="pending")
    _quiz(course, "Quiz sans date", None)

    handed = homework(course, title="Devoir rendu", due=NOW + timedelta(days=1))
    Submission.objects.create(
        activity=handed,
        learner=learner,
        status=Submission.Status.SUBMITTED,
        modified_at=NOW,
        submitted_at=NOW,
    )
    extended = homework(course, title="Devoir prolongé", due=NOW - timedelta(days=3))
    Extension.objects.create(
        activity=extended,
        learner=learner,
        due=NOW + timedelta(days=7),
        granted_by=teacher,
        granted_at=NOW,
    )
    homework(course, title="Devoir en retard", due=NOW - timedelta(hours=1))

    homework(other_course, title="Devoir d’un autre cours", due=NOW + timedelta(days=1))
    return {"late_item": late_item, "late_quiz": late_quiz}


def test_it_lists_the_learners_deadlines_sorted_and_flagged(world, learner) -> None:
    dues = [row.due for row in deadlines_for(learner)]
    assert dues == sorted(dues)
    assert [row.title for row in deadlines_for(learner) if row.kind != "plan"] == [
        "Quiz passé",
        "Devoir en retard",
        "Devoir rendu",
        "Quiz fait",
        "Devoir prolongé",
    ]
    titles = {row.title: row for row in deadlines_for(learner) if row.kind != "plan"}
    assert set(titles) == {
        "Quiz passé",
        "Quiz fait",
        "Devoir rendu",
        "Devoir prolongé",
        "Devoir en retard",
    }
    assert titles["Quiz passé"].late and not titles["Quiz passé"].done
    assert titles["Quiz fait"].done and not titles["Quiz fait"].late
    assert titles["Devoir rendu"].done
    assert titles["Devoir prolongé"].extended and not titles["Devoir prolongé"].late
    assert titles["Devoir en retard"].late
    plan = [row for row in deadlines_for(learner) if row.kind == "plan"]
    assert [(row.late, row.done) for row in plan] == [(True, False), (False, True), (False, False)]


def test_it_shows_the_list_in_french_with_late_ones_flagged(world, learner) -> None:
    response = signed_in(learner).get(URL)
    assert response.status_code == 200
    text = response.content.decode()
    assert "Mes échéances" in text
    assert text.count("En retard") == 3
    assert "Quiz caché" not in text
    assert "Quiz fermé" not in text
    assert "Quiz en attente" not in text
    assert "Devoir d’un autre cours" not in text
    assert "prolongation" in text
    assert f"/courses/{world['late_quiz'].course_id}/activities/{world['late_quiz'].pk}/" in text


def test_it_is_linked_from_the_learners_home(learner, course) -> None:
    assert URL in signed_in(learner).get("/").content.decode()


def test_it_shows_another_learner_only_their_own(world, other_learner) -> None:
    found = deadlines_for(other_learner)
    plan = [row for row in found if row.kind == "plan"]
    assert len(plan) == 0  # Omar is not enrolled: his item is in a course he does not follow
    Enrolment.objects.create(user=other_learner, course=world["late_item"].course)
    plan = [row for row in deadlines_for(other_learner) if row.kind == "plan"]
    assert len(plan) == 1 and not plan[0].late
    text = signed_in(other_learner).get(URL).content.decode()
    assert "Devoir prolongé" in text  # the assignment, without Léa's extension
    assert "prolongation" not in text


def test_it_reads_a_fixed_number_of_queries(
    world, learner, course, django_assert_max_num_queries
) -> None:
    client = signed_in(learner)
    client.get(URL)
    with django_assert_max_num_queries(13) as first:
        client.get(URL)
    for number in range(10):
        homework(course, title=f"Devoir {number}", due=NOW + timedelta(days=number))
        quizdata.add_quiz(course, title=f"Quiz {number}", closes=NOW + timedelta(days=number))
    with django_assert_max_num_queries(len(first.captured_queries)):
        response = client.get(URL)
    assert response.content.decode().count("Devoir ") >= 13


def test_it_lets_staff_read_a_learners_deadlines(world, staff, outsider_staff, learner):
    url = f"/accounts/{learner.pk}/deadlines/"
    response = signed_in(staff).get(url)
    assert response.status_code == 200
    assert "Quiz passé" in response.content.decode()
    assert "Échéances de Léa Moreau" in response.content.decode()
    assert signed_in(outsider_staff).get(url).status_code == 404
    assert signed_in(staff).get(f"/accounts/{staff.pk}/deadlines/").status_code == 404


def test_it_keeps_the_list_to_learners(staff, teacher, establishment) -> None:
    assert signed_in(teacher).get(URL).status_code == 403
    assert signed_in(staff).get(URL).status_code == 403
    newcomer = make_user("nina", Role.LEARNER, establishment)
    response = signed_in(newcomer).get(URL)
    assert "Vous n’avez aucune échéance" in response.content.decode()
