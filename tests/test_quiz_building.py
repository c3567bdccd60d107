"""Teachers and staff build a quiz on the box from the course's question bank: an ordinary
quiz activity (attempts, grading and review just work), a teacher's waiting for staff's
approval; it changes freely until a learner starts it, then only its dates, time limit and
attempts allowed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from cartable.assessment import actions, building, engine
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Question
from cartable.review.actions import decide_activity
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def signed_in(user):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


@pytest.fixture
def bank(course):
    quizdata.save_questions(course, *(make() for make in quizdata.MIXED))
    return course


def post_data(course, questions=(101, 102), **changes):
    """What the build form posts: Moodle's defaults, as the form shows them."""
    data = {
        "title": "Quiz du chapitre 1",
        "intro": "<p>Révisez <strong>bien</strong>.</p><script>alert(1)</script>",
        "section": str(course.sections.order_by("position").first().pk),
        "questions": [str(q) for q in questions],
        "questions_per_page": "1",
        "time_limit": "0",
        "attempts": "0",
        "grading_method": "highest",
        "grade": "10",
        "opens": "",
        "closes": "",
        "behaviour": "deferredfeedback",
        "shuffle_answers": "on",
    }
    for field in building.REVIEW_FIELDS:
        for moment in building.MOMENTS:
            if getattr(getattr(building.DEFAULT_REVIEW, field), moment):
                data[f"review_{field}_{moment}"] = "on"
    data.update(changes)
    return data


def build_url(course) -> str:
    return reverse("assessment:build", args=[course.pk])


def test_a_teacher_builds_a_quiz_that_learners_take_once_staff_approve_it(
    bank, teacher, learner, staff
) -> None:
    client = signed_in(teacher)
    page = client.get(build_url(bank)).content.decode()
    assert "Défaut" in page and 'value="101"' in page and "multichoice" in page
    response = client.post(build_url(bank), post_data(bank))
    assert response.status_code == 302
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    assert quiz.kind == Activity.Kind.QUIZ and quiz.source_key.startswith("box-")
    assert quiz.review_status == Activity.Review.PENDING
    assert "<script>" not in quiz.intro and "<strong>bien</strong>" in quiz.intro
    settings = engine.settings_of(quiz)
    assert [s.question_id for s in settings.slots] == [101, 102]
    assert [s.page for s in settings.slots] == [1, 2]
    assert settings.review == building.DEFAULT_REVIEW
    assert settings.preferred_behaviour == "deferredfeedback" and settings.shuffle_answers
    assert AuditEvent.objects.filter(action="quiz.created", actor=teacher).exists()
    # Waiting for review: learners do not reach it.
    quiz_url = reverse("assessment:quiz", args=[bank.pk, quiz.pk])
    assert signed_in(learner).get(quiz_url).status_code == 404
    decide_activity(actor=staff, activity=quiz, approve=True)
    assert signed_in(learner).get(quiz_url).status_code == 200
    attempt = actions.start(actor=learner, activity=quiz)
    actions.finish(actor=learner, attempt=attempt)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.grade == pytest.approx(0.0)


def test_staff_who_manage_the_course_publish_the_quiz_they_build(bank, staff) -> None:
    response = signed_in(staff).post(build_url(bank), post_data(bank, questions=(103,)))
    assert response.status_code == 302
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    assert quiz.review_status == Activity.Review.APPROVED and quiz.reviewed_by == staff


def test_only_usable_questions_are_offered(bank, teacher) -> None:
    Question.objects.filter(course=bank, source_id=101).update(retired_at=timezone.now())
    Question.objects.filter(course=bank, source_id=102).update(status="hidden")
    Question.objects.filter(course=bank, source_id=103).update(qtype="unknownplugin")
    usable = set(building.usable_questions(bank).values_list("source_id", flat=True))
    every = set(Question.objects.filter(course=bank).values_list("source_id", flat=True))
    assert usable == every - {101, 102, 103} and 104 in usable
    client = signed_in(teacher)
    page = client.get(build_url(bank)).content.decode()
    assert 'value="101"' not in page and 'value="104"' in page
    response = client.post(build_url(bank), post_data(bank, questions=(101, 104)))
    assert response.status_code == 200 and not Activity.objects.filter(kind="quiz").exists()
    response = client.post(build_url(bank), post_data(bank, questions=()))
    assert response.status_code == 200 and not Activity.objects.filter(kind="quiz").exists()


def test_bad_settings_are_refused_with_a_reason(bank, teacher) -> None:
    data = post_data(bank, opens="2026-05-02T10:00", closes="2026-05-01T10:00", behaviour="x")
    response = signed_in(teacher).post(build_url(bank), data)
    assert response.status_code == 200
    assert "The quiz must close after it opens." in response.content.decode()
    assert not Activity.objects.filter(kind="quiz").exists()


def test_a_quiz_changes_freely_until_a_learner_starts_it(bank, teacher, learner, staff) -> None:
    client = signed_in(staff)
    client.post(build_url(bank), post_data(bank))
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    edit = reverse("assessment:edit", args=[bank.pk, quiz.pk])
    changed = post_data(bank, questions=(104, 101), title="Quiz révisé", time_limit="20")
    assert client.post(edit, changed).status_code == 302
    quiz.refresh_from_db()
    settings = engine.settings_of(quiz)
    assert quiz.title == "Quiz révisé" and [s.question_id for s in settings.slots] == [104, 101]
    assert settings.time_limit == 1200
    # A teacher's change goes back to staff for review.
    teacher_change = post_data(bank, questions=(104, 101), title="Quiz de Tess")
    assert signed_in(teacher).post(edit, teacher_change).status_code == 302
    quiz.refresh_from_db()
    assert quiz.review_status == Activity.Review.PENDING
    decide_activity(actor=staff, activity=quiz, approve=True)
    actions.start(actor=learner, activity=quiz)
    # Now only the dates, the time limit and the attempts allowed change.
    page = client.get(edit).content.decode()
    assert "only its dates, its time limit and the number of attempts allowed" in page
    assert 'name="questions"' not in page
    late = post_data(bank, questions=(102,), title="Autre", attempts="2", closes="2030-01-01T10:00")
    assert client.post(edit, late).status_code == 302
    quiz.refresh_from_db()
    settings = engine.settings_of(quiz)
    assert quiz.title == "Quiz de Tess" and [s.question_id for s in settings.slots] == [104, 101]
    assert settings.attempts == 2 and settings.closes is not None
    assert quiz.review_status == Activity.Review.APPROVED
    event = AuditEvent.objects.filter(action="quiz.updated").order_by("pk").last()
    assert event is not None and event.details["times_only"] is True


def test_imported_quizzes_are_not_edited_here(bank, staff) -> None:
    imported = quizdata.add_quiz(bank)
    edit = reverse("assessment:edit", args=[bank.pk, imported.pk])
    assert signed_in(staff).get(edit).status_code == 404


def test_learners_and_outsiders_cannot_build(
    bank, learner, other_learner, outsider_staff, establishment
) -> None:
    bank.establishment = establishment
    bank.save(update_fields=["establishment"])
    assert signed_in(learner).post(build_url(bank), post_data(bank)).status_code == 403
    assert signed_in(other_learner).get(build_url(bank)).status_code == 404
    assert signed_in(outsider_staff).post(build_url(bank), post_data(bank)).status_code == 403
    assert not Activity.objects.filter(kind="quiz").exists()


def test_the_settings_round_trip_through_the_quiz_data() -> None:
    chosen = building.Settings(
        questions=(7, 8, 9),
        questions_per_page=2,
        time_limit=600,
        attempts=3,
        grading_method="average",
        opens=datetime(2026, 5, 1, 8, tzinfo=UTC),
        behaviour="interactive",
        shuffle_questions=True,
        shuffle_answers=False,
        review=replace(building.DEFAULT_REVIEW, right_answer=building.ReviewWhen(*[False] * 4)),
    )
    quiz = building.content(chosen, [1.0, 2.0, 1.0])
    assert quiz.sum_grades == 4.0 and [s.page for s in quiz.slots] == [1, 1, 2]
    assert building.settings_from(quiz) == chosen


def test_an_import_of_the_course_leaves_quizzes_built_on_the_box_alone(bank, staff) -> None:
    from cartable.ingest import plan
    from cartable.ingest.staging import StagedCourse

    signed_in(staff).post(build_url(bank), post_data(bank))
    built = Activity.objects.get(title="Quiz du chapitre 1")
    staged = StagedCourse(
        source=bank.source,
        source_id=bank.source_id,
        shortname=bank.shortname,
        fields={},
        risks=[],
        partial=False,
        sections=(),
        activities=(),
        categories=(),
        questions=(),
    )
    matched = plan.match_activities(bank, staged)
    removed = [row.pk for row in matched.retired]
    assert built.pk not in removed and removed  # the imported pages would go, not the quiz


def test_the_build_page_speaks_french(bank, teacher) -> None:
    with translation.override("fr"):
        page = signed_in_fr(teacher).get(build_url(bank)).content.decode()
    assert "Construire un quiz" in page and "Options de relecture" in page
    assert "Rétroaction différée" in page and 'type="datetime-local"' in page


# --- Each question's mark in the quiz (Moodle's slot maximum mark) ----------------------------


def test_a_teacher_sets_each_questions_mark(bank, teacher, learner, staff) -> None:
    client = signed_in(teacher)
    page = client.get(build_url(bank)).content.decode()
    assert 'name="mark-101"' in page and 'inputmode="decimal"' in page
    default_102 = Question.objects.get(course=bank, source_id=102).default_mark
    response = client.post(build_url(bank), post_data(bank, **{"mark-101": "2,5", "mark-102": ""}))
    assert response.status_code == 302
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    settings = engine.settings_of(quiz)
    assert [s.max_mark for s in settings.slots] == [2.5, default_102]
    assert settings.sum_grades == pytest.approx(2.5 + default_102)
    # The edit page shows the quiz's marks; the attempts take them.
    edit = reverse("assessment:edit", args=[bank.pk, quiz.pk])
    assert 'name="mark-101" value="2.5"' in client.get(edit).content.decode()
    decide_activity(actor=staff, activity=quiz, approve=True)
    attempt = actions.start(actor=learner, activity=quiz)
    assert [q.max_mark for q in attempt.questions.order_by("slot")] == [2.5, default_102]


def test_a_changed_mark_is_saved_until_learners_start(bank, staff) -> None:
    client = signed_in(staff)
    client.post(build_url(bank), post_data(bank))
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    edit = reverse("assessment:edit", args=[bank.pk, quiz.pk])
    assert client.post(edit, post_data(bank, **{"mark-102": "4"})).status_code == 302
    quiz.refresh_from_db()
    assert [s.max_mark for s in engine.settings_of(quiz).slots][1] == 4.0


def test_bad_marks_are_refused_with_a_reason(bank, teacher) -> None:
    client = signed_in(teacher)
    for typed in ("-1", "douze", "1001", "nan", "inf"):
        response = client.post(build_url(bank), post_data(bank, **{"mark-101": typed}))
        assert response.status_code == 200
        assert "must be a number from 0 to 1000" in response.content.decode()
        assert f'value="{typed}"' in response.content.decode()  # what was typed, kept
    zero = post_data(bank, **{"mark-101": "0", "mark-102": "0"})
    response = client.post(build_url(bank), zero)
    assert response.status_code == 200 and "add up to nothing" in response.content.decode()
    assert not Activity.objects.filter(kind="quiz").exists()


def test_a_mark_of_an_unticked_question_is_ignored(bank, teacher) -> None:
    data = post_data(bank, questions=(101,), **{"mark-102": "douze", "mark-101": "3"})
    assert signed_in(teacher).post(build_url(bank), data).status_code == 302
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    assert [s.max_mark for s in engine.settings_of(quiz).slots] == [3.0]


# --- A teacher previews their quiz while it waits for staff's approval ------------------------


def test_a_teacher_previews_their_pending_quiz_and_learners_never_see_it(
    bank, teacher, learner, outsider_staff
) -> None:
    client = signed_in(teacher)
    client.post(build_url(bank), post_data(bank))
    quiz = Activity.objects.get(title="Quiz du chapitre 1")
    assert quiz.review_status == Activity.Review.PENDING
    quiz_url = reverse("assessment:quiz", args=[bank.pk, quiz.pk])
    start_url = reverse("assessment:start", args=[bank.pk, quiz.pk])
    page = client.get(quiz_url)
    assert page.status_code == 200 and "waits for staff's approval" in page.content.decode()
    response = client.post(start_url)
    attempt = Attempt.objects.get(activity=quiz, user=teacher)
    assert response.status_code == 302 and attempt.preview
    assert client.get(reverse("assessment:attempt", args=[attempt.pk, 1])).status_code == 200
    # Learners: neither the page, nor a start, nor a guess at the attempt.
    other = signed_in(learner)
    assert other.get(quiz_url).status_code == 404
    assert other.post(start_url).status_code == 404
    assert other.get(reverse("assessment:attempt", args=[attempt.pk, 1])).status_code == 404
    assert not Attempt.objects.filter(user=learner).exists()


def test_an_imported_quiz_waiting_for_review_stays_hidden_from_teachers(bank, teacher) -> None:
    # Only the quizzes built on the box: an import waiting for review is staff's to look at.
    imported = quizdata.add_quiz(bank)
    Activity.objects.filter(pk=imported.pk).update(review_status=Activity.Review.PENDING)
    url = reverse("assessment:quiz", args=[bank.pk, imported.pk])
    assert signed_in(teacher).get(url).status_code == 404
