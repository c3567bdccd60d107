"""Starting an attempt: computed before the write transaction from the learner's attempts as
read, computed again under the lock when they changed meanwhile; the reads it compiles find
what the ORM finds; the bank's questions read once per process follow the bank's rows."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt
from cartable.catalog.models import Question
from cartable.importers import questions as bank
from cartable.importers.model import QuizSlot, RandomSlot
from tests import quizdata
from tests.kinddata import as_json

pytestmark = pytest.mark.django_db

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def begin(learner, quiz, taken, *, preview: bool = False) -> Attempt:
    """A start whose attempts were counted as ``taken`` before its transaction."""
    return actions._begin(
        actor=learner,
        activity=quiz,
        quiz=engine.settings_of(quiz),
        preview=preview,
        language="fr",
        now=T0 + timedelta(hours=1),
        request=None,
        taken=taken,
    )


def test_the_compiled_in_progress_finds_what_the_orm_finds(course, learner, teacher) -> None:
    quiz = quizdata.add_quiz(course)
    assert actions.in_progress(learner, quiz) is None
    first = actions.start(actor=learner, activity=quiz, now=T0)
    preview = actions.start(actor=teacher, activity=quiz, preview=True, now=T0)
    for user, is_preview, expected in ((learner, False, first), (teacher, True, preview)):
        found = actions.in_progress(user, quiz, preview=is_preview)
        orm = Attempt.objects.filter(
            user=user, activity=quiz, preview=is_preview, state=Attempt.State.IN_PROGRESS
        ).first()
        assert found == orm == expected
        assert (found.number, found.pages, found.deadline) == (
            orm.number,
            orm.pages,
            orm.deadline,
        )
    assert actions.in_progress(learner, quiz, preview=True) is None
    assert actions.in_progress(teacher, quiz) is None
    actions.finish(actor=learner, attempt=first, now=T0)
    assert actions.in_progress(learner, quiz) is None
    # The state is a literal of the SQL, never a bound value (see compiled.inline_words).
    statement = actions._in_progress_query("default", False).statement
    assert "'inprogress'" in statement.sql and "inprogress" not in statement.params


def test_attempts_changed_meanwhile_are_counted_again_under_the_lock(course, learner) -> None:
    quiz = quizdata.add_quiz(course, attempts=2)
    first = actions.start(actor=learner, activity=quiz, now=T0)
    actions.finish(actor=learner, attempt=first, now=T0)
    # Counted before the first attempt began: numbered after it all the same.
    second = begin(learner, quiz, actions._NONE_TAKEN)
    assert second.number == 2
    # In the order they were made (PostgreSQL returns unordered rows in any order: an attempt
    # updated since may come last).
    numbers = Attempt.objects.filter(user=learner).order_by("pk").values_list("number", flat=True)
    assert list(numbers) == [1, 2]
    actions.finish(actor=learner, attempt=second, now=T0 + timedelta(hours=1))
    # Counted with one attempt used of two: both are, and none may start.
    with pytest.raises(actions.Refused):
        begin(learner, quiz, actions._Taken(1, 1, 1, None))
    assert Attempt.objects.filter(user=learner).count() == 2


def test_a_preview_replaces_the_last_one(course, teacher) -> None:
    quiz = quizdata.add_quiz(course)
    first = actions.start(actor=teacher, activity=quiz, preview=True, now=T0)
    actions.finish(actor=None, attempt=first, now=T0)
    second = actions.start(actor=teacher, activity=quiz, preview=True, now=T0)
    assert second.number == 1 and second.pk != first.pk
    assert list(Attempt.objects.filter(user=teacher).values_list("pk", flat=True)) == [second.pk]


def test_a_question_changed_in_the_bank_is_read_again(course, learner) -> None:
    quiz = quizdata.add_quiz(course)
    first = actions.start(actor=learner, activity=quiz, now=T0)
    actions.finish(actor=learner, attempt=first, now=T0)
    assert first.questions.get(slot=1).question["name"] == "Capitale"
    Question.objects.filter(course=course, source_id=101).update(name="Capitale (revue)")
    second = actions.start(actor=learner, activity=quiz, now=T0)
    assert second.questions.get(slot=1).question["name"] == "Capitale (revue)"
    assert engine.load(second.questions.get(slot=1)).question.name == "Capitale (revue)"


def test_a_random_slot_draws_first_the_questions_met_least(course, learner) -> None:
    questions = (quizdata.capital(), quizdata.earth(), quizdata.river())
    quiz = quizdata.add_quiz(course, questions)
    draw = RandomSlot(category_id=1, include_subcategories=False)
    slots = (QuizSlot(slot=1, page=1, max_mark=1.0, question_id=None, random=draw),)
    quiz.data = as_json(replace(engine.settings_of(quiz), slots=slots, sum_grades=1.0))
    quiz.save(update_fields=["data"])
    drawn = []
    for _ in range(3):
        attempt = actions.start(actor=learner, activity=quiz, now=T0)
        drawn.append(attempt.questions.get().question_source_id)
        actions.finish(actor=learner, attempt=attempt, now=T0)
    assert sorted(drawn) == [101, 102, 103]


def test_a_slot_naming_a_bank_entry_takes_its_latest_version_unless_it_names_one(
    course, learner
) -> None:
    old = replace(quizdata.capital(101), bank_entry_id=7, version=1)
    new = replace(quizdata.capital(201), name="Capitale v2", bank_entry_id=7, version=2)
    quiz = quizdata.add_quiz(course, (old, quizdata.earth()))
    quizdata.save_questions(course, new)
    settings = engine.settings_of(quiz)
    latest = replace(settings.slots[0], question_bank_entry_id=7, version=None)
    pinned = replace(settings.slots[1], question_id=101, question_bank_entry_id=7, version=1)
    quiz.data = as_json(replace(settings, slots=(latest, pinned)))
    quiz.save(update_fields=["data"])
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert dict(attempt.questions.values_list("slot", "question_source_id")) == {1: 201, 2: 101}


def test_the_questions_of_a_new_attempt_are_not_read_from_json_again(
    course, learner, monkeypatch
) -> None:
    quiz = quizdata.add_quiz(course)
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    read = []
    from_json = engine.from_json

    def counted(kind, value):
        read.append(kind)
        return from_json(kind, value)

    monkeypatch.setattr(engine, "from_json", counted)
    loaded = engine.load_all(attempt)
    assert len(loaded) == 5 and bank.Question not in read
