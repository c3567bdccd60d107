"""Quiz attempts through their actions: starting (dates, attempts allowed, one at a time),
saving answers as the learner goes, finishing, closing at the deadline, the grade over
attempts, previews kept out of the gradebook."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from django.utils import translation

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from tests import quizdata

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def form(attempt: Attempt, *, right: bool = True, slots: set[int] | None = None) -> dict[str, str]:
    """What a page posts: the right answer of each question (or a wrong one: nothing)."""
    data: dict[str, str] = {}
    for slot, loaded in engine.load_all(attempt).items():
        if slots is not None and slot not in slots:
            continue
        response = loaded.prepared.correct() if right else None
        if response is None:
            continue
        data.update({loaded.prefix + k: v for k, v in loaded.prepared.form_data(response).items()})
    return data


def answer_all(learner, attempt: Attempt, *, right: bool = True, now=T0) -> None:
    for page in range(len(attempt.pages)):
        assert actions.save(
            actor=learner, attempt=attempt, page=page, form=form(attempt, right=right), now=now
        )


def test_it_starts_an_attempt_with_every_question_laid_out_once(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.number == 1 and attempt.state == Attempt.State.IN_PROGRESS
    assert attempt.pages == [[1, 2], [3, 4], [5]]
    assert sorted(attempt.questions.values_list("slot", flat=True)) == [1, 2, 3, 4, 5]
    assert attempt.deadline is None
    again = actions.start(actor=learner, activity=quiz, now=T0 + timedelta(seconds=1))
    assert again.pk == attempt.pk  # a double submit finds the attempt begun
    assert Attempt.objects.count() == 1
    assert AuditEvent.objects.filter(action="quiz.attempt_started").count() == 1
    assert Entry.objects.filter(kind="attempt", user=learner).count() == 1


def test_it_keeps_every_saved_answer_for_the_next_visit(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    posted = form(attempt, slots={1, 2})
    assert actions.save(actor=learner, attempt=attempt, page=0, form=posted, now=T0)
    # Later (another session, after a power cut): the stored attempt replays to the same answers.
    reread = Attempt.objects.get(pk=attempt.pk)
    loaded = engine.load_all(reread)
    shown = {}
    for slot in (1, 2):
        item = loaded[slot]
        shown.update(
            {item.prefix + k: v for k, v in item.prepared.form_data(item.attempt.response).items()}
        )
    assert shown == posted
    assert loaded[1].attempt.state.value == "complete"
    assert AuditEvent.objects.filter(action="quiz.answers_saved").count() == 1
    # The same answers again change nothing and are not logged again.
    actions.save(actor=learner, attempt=reread, page=0, form=posted, now=T0)
    assert AuditEvent.objects.filter(action="quiz.answers_saved").count() == 1


def test_it_grades_a_finished_attempt_into_the_gradebook_and_completes_the_quiz(
    course, learner
) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    answer_all(learner, attempt)
    actions.finish(actor=learner, attempt=attempt, now=T0 + timedelta(minutes=5))
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.sum_marks == pytest.approx(5.0)
    assert attempt.grade == pytest.approx(10.0)
    grade = Grade.objects.get(activity=quiz, user=learner)
    assert grade.grade == pytest.approx(10.0) and grade.max_grade == 10.0
    assert grade.source == Grade.Source.QUIZ and grade.graded_by is None
    assert ActivityProgress.objects.get(activity=quiz, user=learner).completed_at is not None
    assert AuditEvent.objects.filter(action="quiz.attempt_finished").count() == 1
    assert AuditEvent.objects.filter(action="grade.recorded").count() == 1
    assert set(Entry.objects.filter(user=learner).values_list("kind", flat=True)) == {
        "attempt",
        "grade",
        "completion",
    }
    # Finishing again (a double submit) changes nothing.
    actions.finish(actor=learner, attempt=attempt, now=T0 + timedelta(minutes=6))
    assert AuditEvent.objects.filter(action="quiz.attempt_finished").count() == 1


def test_it_grades_what_was_saved_and_nothing_more(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    actions.save(actor=learner, attempt=attempt, page=0, form=form(attempt, slots={1}), now=T0)
    actions.finish(actor=learner, attempt=attempt, now=T0 + timedelta(minutes=1))
    assert attempt.sum_marks == pytest.approx(1.0)
    assert attempt.grade == pytest.approx(2.0)
    states = dict(attempt.questions.values_list("slot", "state"))
    assert states == {1: "gradedright", 2: "gaveup", 3: "gaveup", 4: "gaveup", 5: "gaveup"}


def test_it_closes_an_attempt_at_its_time_limit_with_the_answers_saved(course, learner) -> None:
    quiz = quizdata.add_quiz(course, time_limit=600)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == T0 + timedelta(minutes=10)
    actions.save(actor=learner, attempt=attempt, page=0, form=form(attempt, slots={1, 2}), now=T0)
    late = T0 + timedelta(minutes=11)
    # A page posted after the deadline is not saved: the attempt closes with what it had.
    assert not actions.save(actor=learner, attempt=attempt, page=1, form=form(attempt), now=late)
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED
    assert attempt.finished_at == attempt.deadline
    assert attempt.sum_marks == pytest.approx(2.0)
    assert Grade.objects.get(activity=quiz, user=learner).grade == pytest.approx(4.0)
    event = AuditEvent.objects.get(action="quiz.attempt_timed_out")
    assert event.actor_name == "system"


def test_the_sweep_closes_attempts_nobody_comes_back_to(course, learner, other_learner) -> None:
    quiz = quizdata.add_quiz(course, time_limit=60)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    actions.save(actor=learner, attempt=attempt, page=0, form=form(attempt, slots={1}), now=T0)
    assert actions.close_overdue(now=T0 + timedelta(seconds=59)) == 0
    assert actions.close_overdue(now=T0 + timedelta(seconds=61)) == 1
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED and attempt.sum_marks == pytest.approx(1.0)
    assert actions.close_overdue(now=T0 + timedelta(hours=1)) == 0


def test_the_close_date_ends_an_attempt_before_its_time_limit(course, learner) -> None:
    closes = T0 + timedelta(minutes=5)
    quiz = quizdata.add_quiz(course, time_limit=3600, closes=closes)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert attempt.deadline == closes
    with pytest.raises(actions.Refused, match="closed"):
        actions.start(actor=learner, activity=quiz, now=closes + timedelta(minutes=1))


def test_it_refuses_a_quiz_not_open_yet(course, learner) -> None:
    quiz = quizdata.add_quiz(course, opens=T0 + timedelta(days=1))
    with pytest.raises(actions.Refused, match="not open yet"):
        actions.start(actor=learner, activity=quiz, now=T0)
    assert not Attempt.objects.exists()


def test_it_allows_no_more_attempts_than_the_quiz_says(course, learner) -> None:
    quiz = quizdata.add_quiz(course, attempts=1)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    actions.finish(actor=learner, attempt=attempt, now=T0)
    with pytest.raises(actions.Refused, match="every attempt"):
        actions.start(actor=learner, activity=quiz, now=T0 + timedelta(minutes=1))
    assert Attempt.objects.count() == 1


@pytest.mark.parametrize(
    ("method", "expected"),
    [("highest", 10.0), ("average", 5.0), ("first", 0.0), ("last", 10.0)],
)
def test_it_grades_over_attempts_by_the_grading_method(course, learner, method, expected) -> None:
    quiz = quizdata.add_quiz(course, grading_method=method)
    first = actions.start(actor=learner, activity=quiz, now=T0)
    actions.finish(actor=learner, attempt=first, now=T0)
    second = actions.start(actor=learner, activity=quiz, now=T0 + timedelta(minutes=1))
    assert second.number == 2
    answer_all(learner, second)
    actions.finish(actor=learner, attempt=second, now=T0 + timedelta(minutes=2))
    assert Grade.objects.get(activity=quiz, user=learner).grade == pytest.approx(expected)


def test_an_essay_waits_for_its_teacher_without_a_grade(course, learner) -> None:
    quiz = quizdata.add_quiz(course, (quizdata.capital(), quizdata.essay()))
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    posted = {**form(attempt, slots={1}), "q2:answer": "Une belle journée."}
    actions.save(actor=learner, attempt=attempt, page=0, form=posted, now=T0)
    actions.finish(actor=learner, attempt=attempt, now=T0)
    assert dict(attempt.questions.values_list("slot", "state")) == {
        1: "gradedright",
        2: "needsgrading",
    }
    assert attempt.sum_marks is None and attempt.grade is None
    assert Grade.objects.get(activity=quiz, user=learner).grade is None


def test_a_preview_is_neither_graded_nor_logged_as_learners_work(course, teacher) -> None:
    quiz = quizdata.add_quiz(course, attempts=1)
    attempt = actions.start(actor=teacher, activity=quiz, preview=True, now=T0)
    answer_all(teacher, attempt)
    actions.finish(actor=teacher, attempt=attempt, now=T0)
    assert attempt.grade == pytest.approx(10.0)
    again = actions.start(actor=teacher, activity=quiz, preview=True, now=T0)  # no limit
    assert again.pk != attempt.pk and Attempt.objects.count() == 1
    assert not Grade.objects.exists()
    assert not Entry.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="quiz.").exists()


def test_a_learner_saves_nothing_into_a_finished_attempt(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    actions.finish(actor=learner, attempt=attempt, now=T0)
    assert not actions.save(actor=learner, attempt=attempt, page=0, form=form(attempt), now=T0)
    assert set(attempt.questions.values_list("state", flat=True)) == {"gaveup"}


def test_it_ignores_a_page_that_does_not_exist_and_garbage_posted(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert not actions.save(actor=learner, attempt=attempt, page=7, form={}, now=T0)
    assert actions.save(
        actor=learner,
        attempt=attempt,
        page=0,
        form={"q1:answer": "9999", "q2:answer": "x\x00"},
        now=T0,
    )
    assert set(attempt.questions.values_list("state", flat=True)) == {"todo"}


def test_it_takes_a_quiz_of_a_real_moodle_backup(learner) -> None:
    """The Moodle 3.0 corpus course: a quiz of three questions (short answer, true/false,
    multiple choice) in immediate feedback."""
    import io
    import json
    from pathlib import Path

    from django.core.management import call_command

    from cartable.catalog.models import Activity, Enrolment

    path = Path(__file__).parent / "fixtures" / "mbz" / "moodle30_tgz_mdk101_68activities.mbz"
    out = io.StringIO()
    call_command("import", str(path), "--publish", "--json", stdout=out, stderr=io.StringIO())
    course_id = json.loads(out.getvalue())["course"]["id"]
    Enrolment.objects.create(user=learner, course_id=course_id)
    quizzes = list(Activity.objects.filter(course_id=course_id, kind="quiz"))
    quiz = next(a for a in quizzes if len(engine.settings_of(a).slots) == 3)
    settings = engine.settings_of(quiz)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    loaded = engine.load_all(attempt)
    assert sorted(item.question.qtype for item in loaded.values()) == [
        "multichoice",
        "shortanswer",
        "truefalse",
    ]
    assert {item.attempt.behaviour.value for item in loaded.values()} == {"immediatefeedback"}
    answer_all(learner, attempt)
    actions.finish(actor=learner, attempt=attempt, now=T0 + timedelta(minutes=3))
    assert attempt.grade == pytest.approx(settings.grade)
    assert Grade.objects.get(activity=quiz, user=learner).grade == pytest.approx(settings.grade)


def test_the_close_attempts_command_closes_overdue_attempts(course, learner, monkeypatch) -> None:
    import io

    from django.core.management import call_command

    monkeypatch.setenv("LANGUAGE", "en")
    quiz = quizdata.add_quiz(course, time_limit=60)
    attempt = actions.start(
        actor=learner, activity=quiz, now=datetime.now(UTC) - timedelta(hours=1)
    )
    out = io.StringIO()
    call_command("close-attempts", stdout=out)
    assert out.getvalue().strip() == "Quiz attempts closed: 1."
    attempt.refresh_from_db()
    assert attempt.state == Attempt.State.FINISHED


def test_random_slots_draw_different_questions_and_keep_them(course, learner) -> None:
    from dataclasses import replace

    from cartable.importers.model import QuizSlot, RandomSlot
    from tests.kinddata import as_json

    questions = (quizdata.capital(), quizdata.earth(), quizdata.river())
    quiz = quizdata.add_quiz(course, questions)
    draw = RandomSlot(category_id=1, include_subcategories=False)
    slots = (
        QuizSlot(slot=1, page=1, max_mark=1.0, question_id=None, random=draw),
        QuizSlot(slot=2, page=1, max_mark=1.0, question_id=None, random=draw),
    )
    quiz.data = as_json(replace(engine.settings_of(quiz), slots=slots, sum_grades=2.0))
    quiz.save(update_fields=["data"])
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    drawn = dict(attempt.questions.values_list("slot", "question_source_id"))
    assert set(drawn) == {1, 2} and drawn[1] != drawn[2]
    assert set(drawn.values()) <= {101, 102, 103}
    # The attempt keeps what it drew: reloaded, the same questions.
    again = {slot: item.question.source_id for slot, item in engine.load_all(attempt).items()}
    assert again == drawn
