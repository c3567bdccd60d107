"""A page and a save read an attempt's questions raw and decode their JSON by text
(``engine.question_row``): what they make is what the ORM makes, whatever the rows went through
(answers saved, actions written by another path, a question changed); the same text gives the
same value back, actions decode only what was appended, and a save encodes only its new action
(``engine.appended_text``) into exactly what encoding the whole list gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django.db import connection
from hypothesis import given
from hypothesis import strategies as st

from cartable.assessment import actions, engine
from cartable.assessment.models import Attempt, AttemptQuestion
from tests import quizdata

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)

# JSON values as actions hold them: objects of plain values, lists, text with any character.
values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=8,
)


@given(st.lists(values, max_size=5), values)
def test_appending_an_action_gives_the_text_of_the_whole_list(before, action) -> None:
    text = engine.appended_text(json.dumps(before), action)
    assert text == json.dumps([*before, action])
    assert engine._appended(json.dumps(before), text) == ([action] if before else None)


@given(st.lists(values, min_size=1, max_size=4), st.lists(values, min_size=1, max_size=3))
def test_what_was_appended_is_read_from_the_text_alone(before, more) -> None:
    assert engine._appended(json.dumps(before), json.dumps([*before, *more])) == more


def test_the_text_postgresql_gives_back_is_read_the_same_way() -> None:
    # jsonb's text: ", " between elements, ": " in objects, keys by length then bytes.
    before = '[{"b": 1, "aa": [1, 2]}]'
    assert engine._appended(before, '[{"b": 1, "aa": [1, 2]}, {"c": null}, 3]') == [{"c": None}, 3]


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("[5]", "[55]"),  # the last number went on: not an appended element
        ('["a"]', '["ab"]'),
        ("[1, 2]", "[1, 3, 4]"),  # rewritten
        ("[1, 2]", "[1, 2, ]"),  # a trailing comma is not JSON
        ("[1, 2]", "[1, 2,"),
        ("[]", "[1]"),  # nothing before: decoded whole
        ("{}", "{}, 1]"),
        ("[1]", "[1] , 2]"),
    ],
)
def test_a_text_that_is_not_an_append_is_decoded_whole(before, after) -> None:
    assert engine._appended(before, after) is None


def test_actions_kept_for_another_text_are_not_used() -> None:
    assert engine._actions(("[1, 2]", [1, 2]), "[1, 3]") == [1, 3]
    assert engine._actions(("[1, 2]", [1, 2]), "[1, 2, 3]") == [1, 2, 3]
    assert engine._actions(("[1, 2]", [1, 2]), "[1, 2]") == [1, 2]
    with pytest.raises(json.JSONDecodeError):
        engine._actions(None, '{"not": "a list"}')


def _orm(attempt: Attempt) -> list[AttemptQuestion]:
    return list(AttemptQuestion.objects.filter(attempt=attempt).order_by("slot"))


def _raw(attempt: Attempt) -> list[tuple[AttemptQuestion, str | None]]:
    query = engine._questions_query("default")
    return [engine.question_row(query, raw) for raw in query.fetch(attempt.pk)]


def _same(raw_rows, orm_rows) -> None:
    assert len(raw_rows) == len(orm_rows)
    for (row, text), expected in zip(raw_rows, orm_rows, strict=True):
        for field in AttemptQuestion._meta.concrete_fields:
            assert getattr(row, field.attname) == getattr(expected, field.attname), field.name
        assert json.loads(text) == expected.actions


@pytest.mark.django_db
def test_rows_read_raw_are_the_rows_the_orm_reads_whatever_happened_to_them(
    course, learner
) -> None:
    engine.forget_replays()
    quiz = quizdata.add_quiz(
        course, (quizdata.capital(), quizdata.earth()), per_page=2, shuffle_answers=False
    )
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    _same(_raw(attempt), _orm(attempt))
    first = _raw(attempt)
    again = _raw(attempt)
    # The same text: the very same values, nothing decoded again.
    for (one, _), (two, _) in zip(first, again, strict=True):
        assert one.question is two.question and one.layout is two.layout
        assert one.actions is two.actions
    # Answers saved: one action more on the earth question, read from the text appended.
    for answer in ("1", "0", "1"):
        assert actions.save(
            actor=learner, attempt=attempt, page=0, form={"q2:answer": answer}, now=T0
        )
        after = _raw(attempt)
        _same(after, _orm(attempt))
        assert after[1][0].actions[: len(again[1][0].actions)] == again[1][0].actions
        again = after
    # Written by another path: actions rewritten (not appended to), a question changed.
    earth = AttemptQuestion.objects.get(attempt=attempt, slot=2)
    AttemptQuestion.objects.filter(pk=earth.pk).update(actions=earth.actions[:1])
    _same(_raw(attempt), _orm(attempt))
    capital = AttemptQuestion.objects.get(attempt=attempt, slot=1)
    changed = {**capital.question, "name": "Another name"}
    AttemptQuestion.objects.filter(pk=capital.pk).update(question=changed)
    rows = _raw(attempt)
    _same(rows, _orm(attempt))
    assert rows[0][0].question["name"] == "Another name"
    # The save goes on from what the rows hold now, and the page shows it.
    assert actions.save(actor=learner, attempt=attempt, page=0, form={"q2:answer": "0"}, now=T0)
    _same(_raw(attempt), _orm(attempt))
    assert len(AttemptQuestion.objects.get(pk=earth.pk).actions) == 2
    loaded, _shown, _held = engine.load_page(attempt, [1, 2])
    assert loaded[1].question.name == "Another name"


@pytest.mark.django_db
def test_a_save_writes_what_encoding_the_whole_list_writes(course, learner) -> None:
    engine.forget_replays()
    quiz = quizdata.add_quiz(
        course, (quizdata.capital(), quizdata.earth()), per_page=2, shuffle_answers=False
    )
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    for answer in ("1", "0"):
        assert actions.save(
            actor=learner, attempt=attempt, page=0, form={"q2:answer": answer}, now=T0
        )
    stored = AttemptQuestion.objects.get(attempt=attempt, slot=2)
    _row, text = _raw(attempt)[1]
    assert text is not None
    assert json.loads(text) == stored.actions
    if connection.vendor == "sqlite":  # the text as written: json.dumps of the whole list
        assert text == json.dumps(stored.actions)


@pytest.mark.django_db
def test_long_rows_are_read_whole_and_not_kept(course, learner, monkeypatch) -> None:
    engine.forget_replays()
    monkeypatch.setattr(engine, "LONGEST_KEPT", 10)
    quiz = quizdata.add_quiz(
        course, (quizdata.capital(), quizdata.earth()), per_page=2, shuffle_answers=False
    )
    attempt = actions.start(actor=learner, activity=quiz, now=T0)
    assert actions.save(actor=learner, attempt=attempt, page=0, form={"q2:answer": "1"}, now=T0)
    _same(_raw(attempt), _orm(attempt))
    assert engine._DECODED == {} and engine._ROWS == {}
