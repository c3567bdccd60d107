"""Between the database and the pure scoring package: a quiz's settings, its questions read
from the course's bank, and an attempt's questions replayed from what was stored.

Nothing here writes: ``actions`` does, with what these functions compute.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import router
from django.db.models import Q

from cartable.assessment import scoring
from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.assessment.scoring import quiz as quizzes
from cartable.assessment.scoring.behaviours import Action, Behaviour
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import Activity
from cartable.catalog.models import Question as QuestionRow
from cartable.catalog.models import QuestionCategory as CategoryRow
from cartable.compiled import PLACEHOLDERS, Models, compile_models, placeholders
from cartable.importers import questions as bank
from cartable.importers.jsonable import from_json, to_json
from cartable.importers.model import QuizContent, QuizSlot


class NotAQuiz(ValueError):
    """The activity is not a quiz, or its settings cannot be read."""


def settings_of(activity: Activity) -> QuizContent:
    """The quiz's settings, read from its JSON once for every request that reads the same
    JSON: they are frozen, and kept with a copy of the JSON they were read from (the
    activity's may be changed in place before it is saved)."""
    if activity.kind != "quiz":
        raise NotAQuiz(activity.kind)
    kept = _SETTINGS.get(activity.pk) if activity.pk is not None else None
    if kept is not None and kept[0] == activity.data:
        return kept[1]
    data = kind_of("quiz").read(activity.data)
    if not isinstance(data, QuizContent):
        raise NotAQuiz("quiz settings of another shape")
    if activity.pk is not None:
        _keep(_SETTINGS, activity.pk, (copy.deepcopy(activity.data), data))
    return data


# --- The course's bank ------------------------------------------------------------------------


def question_of(row: QuestionRow, category_source_id: int) -> bank.Question:
    """The importer's question from its row (the bank keeps the importer's data as JSON)."""
    return bank.Question(
        source_id=row.source_id,
        category_id=category_source_id,
        qtype=row.qtype,
        name=row.name,
        text=row.text,
        general_feedback=row.general_feedback,
        default_mark=row.default_mark,
        penalty=row.penalty,
        data=from_json(bank.QuestionData, row.data),
        hints=from_json(tuple[bank.Hint, ...], row.hints or []),
        status=row.status if row.status in ("ready", "hidden", "draft") else "ready",  # type: ignore[arg-type]
        idnumber=row.idnumber,
        bank_entry_id=row.bank_entry_id,
        version=row.version,
    )


def _rows(course_id: int) -> Any:
    return QuestionRow.objects.filter(course_id=course_id, retired_at__isnull=True).select_related(
        "category"
    )


@functools.lru_cache(maxsize=64)
def _bank_query(alias: str, ids: int, entries: int) -> Models:
    """The course's questions (``_rows``): all of them (``ids`` and ``entries`` 0), or those of
    ``ids`` source ids or ``entries`` bank entries; compiled once per database and counts,
    as every start reads them."""
    marks = placeholders(1 + ids + entries)
    query = _rows(marks[0])
    if ids or entries:
        wanted = Q(source_id__in=marks[1 : 1 + ids]) if ids else Q()
        if entries:
            wanted |= Q(bank_entry_id__in=marks[1 + ids :])
        query = query.filter(wanted)
    return compile_models(query, alias, marks)


@functools.cache
def _categories_query(alias: str) -> Models:
    query = CategoryRow.objects.filter(course_id=PLACEHOLDERS[0], retired_at__isnull=True)
    return compile_models(query, alias)


@dataclass(frozen=True, slots=True)
class _BankRow:
    """A question of the bank as read, with what start needs of its row."""

    source_id: int
    bank_entry_id: int | None
    version: int | None
    question: bank.Question


def _bank_rows(query: Models, *values: Any) -> list[_BankRow]:
    """The rows ``query`` finds, each question read from its JSON once for every start that
    reads the same row (kept with the row as the driver gave it, compared in full)."""
    pk_at = query.column("id")
    source_at, entry_at, version_at = (
        query.column(name) for name in ("source_id", "bank_entry_id", "version")
    )
    found = []
    for raw in query.fetch(*values):
        raw = tuple(raw)
        kept = _BANK.get((query.statement.alias, raw[pk_at]))
        if kept is not None and kept[0] == raw:
            question = kept[1]
        else:
            row = query.make(raw)
            question = question_of(row, row.category.source_id)
            _keep(_BANK, (query.statement.alias, raw[pk_at]), (raw, question))
        found.append(_BankRow(raw[source_at], raw[entry_at], raw[version_at], question))
    return found


def course_bank(course_id: int) -> bank.QuestionBank:
    """The whole bank of a course (for random slots and random short-answer matching)."""
    alias = router.db_for_read(QuestionRow)
    categories = tuple(
        bank.QuestionCategory(
            source_id=c.source_id,
            name=c.name,
            info="",
            parent_id=c.parent_source_id,
            context_level="course",
            context_instance_id=0,
        )
        for c in _categories_query(alias).all(course_id)
    )
    questions = tuple(row.question for row in _bank_rows(_bank_query(alias, 0, 0), course_id))
    return bank.QuestionBank(categories=categories, questions=questions)


def _needs_bank(slots: Sequence[QuizSlot], found: dict[int, bank.Question]) -> bool:
    return any(slot.random is not None for slot in slots) or any(
        q.qtype == "randomsamatch" for q in found.values()
    )


def fixed_questions(course_id: int, slots: Sequence[QuizSlot]) -> dict[int, bank.Question]:
    """The questions the quiz's fixed slots name, by slot number: the version the slot names,
    or the latest of its bank entry when it names none (or that version is gone)."""
    ids = sorted({slot.question_id for slot in slots if slot.question_id is not None})
    entries = sorted(
        {slot.question_bank_entry_id for slot in slots if slot.question_bank_entry_id is not None}
    )
    rows = (
        _bank_rows(
            _bank_query(router.db_for_read(QuestionRow), len(ids), len(entries)),
            course_id,
            *ids,
            *entries,
        )
        if ids or entries
        else []
    )
    by_id = {row.source_id: row for row in rows}
    latest: dict[int, _BankRow] = {}
    for row in rows:
        if row.bank_entry_id is None:
            continue
        kept = latest.get(row.bank_entry_id)
        if kept is None or (row.version or 0) > (kept.version or 0):
            latest[row.bank_entry_id] = row
    found: dict[int, bank.Question] = {}
    for slot in slots:
        if slot.random is not None:
            continue
        chosen: _BankRow | None = None
        if slot.version is not None or slot.question_bank_entry_id is None:
            chosen = by_id.get(slot.question_id) if slot.question_id is not None else None
        if chosen is None and slot.question_bank_entry_id is not None:
            chosen = latest.get(slot.question_bank_entry_id)
        if chosen is None and slot.question_id is not None:
            chosen = by_id.get(slot.question_id)
        if chosen is not None:
            found[slot.slot] = chosen.question
    return found


def fingerprint(question_json: Any) -> str:
    """The SHA-256 of a question as an attempt stores it (its JSON, keys sorted): another
    site holding the same question in its bank finds the same (``exchange.hubquiz``)."""
    text = json.dumps(question_json, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- Starting an attempt's questions ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SlotStart:
    slot: int
    question: bank.Question
    layout: scoring.Layout
    behaviour: Behaviour
    max_mark: float
    state: scoring.State


def separators(language: str) -> tuple[str, str]:
    return (",", " ") if language.startswith("fr") else (".", ",")


def start_slots(
    quiz: QuizContent,
    course_id: int,
    *,
    seed: str,
    user: str,
    number: int,
    language: str,
    previous_uses: dict[int, int] | None = None,
) -> list[SlotStart]:
    """Every slot's question, drawn and laid out for a new attempt. A slot whose question is
    missing from the bank (or a random slot with nothing to draw) is left out."""
    found = fixed_questions(course_id, quiz.slots)
    whole = course_bank(course_id) if _needs_bank(quiz.slots, found) else None
    point, thousands = separators(language)
    used = {q.source_id for q in found.values()}
    started: list[SlotStart] = []
    for slot in sorted(quiz.slots, key=lambda s: s.slot):
        question = found.get(slot.slot)
        if slot.random is not None and whole is not None and slot.random.category_id is not None:
            question = scoring.draw(
                whole,
                slot.random.category_id,
                slot.random.include_subcategories,
                used=used,
                previous_uses=previous_uses,
                seed=f"{seed}:{slot.slot}",
            )
            if question is not None:
                used.add(question.source_id)
        if question is None:
            continue
        context = scoring.StartContext(
            seed=f"{seed}:{slot.slot}",
            shuffle_answers=quiz.shuffle_answers,
            user=user,
            attempt_number=number,
            decimal_point=point,
            thousands_separator=thousands,
            bank=whole,
        )
        try:
            layout = scoring.start(question, context)
            prepared = scoring.prepare(question, layout)
        except scoring.UnsupportedQuestion:
            continue
        behaviour = scoring.behaviour_for(quiz.preferred_behaviour, prepared)
        first = scoring.begin(behaviour, prepared, slot.max_mark)
        started.append(
            SlotStart(slot.slot, question, layout, behaviour, slot.max_mark, first.state)
        )
    return started


def question_json(question: bank.Question) -> Any:
    """``question`` as an attempt stores it (``to_json``), made once for every start that
    holds the same question (the same object: the bank's row unchanged, ``_bank_rows``), and
    kept as the question of that JSON for the attempt's pages (``_question``). Never changed
    in place."""
    kept = _JSON.get(question.source_id)
    if kept is not None and kept[0] is question:
        return kept[1]
    value = to_json(question)
    _keep(_JSON, question.source_id, (question, value))
    _keep(_QUESTIONS, question.source_id, (value, question))
    return value


def pages_of(quiz: QuizContent, slots: Iterable[int], seed: str) -> list[list[int]]:
    """The attempt's pages (slot numbers), keeping only the slots the attempt holds."""
    kept = set(slots)
    pages = quizzes.pages(quiz.slots, quiz.sections, quiz.questions_per_page, seed)
    return [list(found) for page in pages if (found := [n for n in page if n in kept])]


def deadline(started: datetime, quiz: QuizContent) -> datetime | None:
    """When an attempt started at ``started`` closes itself: at its time limit or when the
    quiz closes, whichever comes first."""
    ends = [started + timedelta(seconds=quiz.time_limit)] if quiz.time_limit > 0 else []
    if quiz.closes is not None:
        ends.append(quiz.closes)
    return min(ends) if ends else None


# --- Replaying a stored question ---------------------------------------------------------------


@dataclass(slots=True)
class Loaded:
    """One question of an attempt, replayed."""

    row: AttemptQuestion | None  # None: a question previewed on its own (slot 1)
    question: bank.Question
    prepared: scoring.Prepared
    attempt: scoring.QuestionAttempt

    @property
    def slot(self) -> int:
        return self.row.slot if self.row is not None else 1

    @property
    def prefix(self) -> str:
        return f"q{self.slot}:"


def action_json(action: Action) -> Any:
    return to_json(action)


def load(row: AttemptQuestion) -> Loaded:
    """The row's question replayed: ``scoring.replay`` of its stored actions, with what this
    process replayed before kept (see ``_Replay``): only the actions stored since are
    replayed, and the question read from JSON once for every attempt that holds it."""
    kept = _REPLAYS.get(row.pk) if row.pk is not None else None
    actions = row.actions
    if kept is not None and kept.fits(row):
        attempt = kept.attempt
        for value in actions[len(kept.actions) :]:
            attempt = scoring.process(attempt, kept.prepared, from_json(Action, value))
        question, prepared = kept.question, kept.prepared
    else:
        question = _question(row.question_source_id, row.question)
        layout = from_json(scoring.Layout, row.layout)
        prepared = scoring.prepare(question, layout)
        steps = [from_json(Action, value) for value in actions]
        attempt = scoring.replay(Behaviour(row.behaviour), prepared, row.max_mark, steps)
    loaded = Loaded(row, question, prepared, attempt)
    remember(loaded)
    return loaded


# --- Replays kept between requests -------------------------------------------------------------
#
# Replaying a question from its stored actions is a pure function of the row's question,
# layout, behaviour, mark and actions, and actions are only ever appended. So each process
# keeps its last replay of a row with the values it was made from, and reuses it when the
# row read now holds the same values and the same actions at the start (equal JSON, compared
# in full: a row changed in any other way, or another database, is replayed from the start).
# Bounded, so memory stays flat whatever the number of attempts.

MAX_KEPT = 512  # rows (a class of 30 on a 10-question quiz holds 300) and questions


@dataclass(slots=True)
class _Replay:
    question_json: Any
    layout: Any
    behaviour: str
    max_mark: float
    actions: list[Any]
    question: bank.Question
    prepared: scoring.Prepared
    attempt: scoring.QuestionAttempt

    def fits(self, row: AttemptQuestion) -> bool:
        # Values read by ``question_row`` are the very objects kept here: compared by identity
        # first (element by element for the actions), in full otherwise.
        count = len(self.actions)
        return (
            self.behaviour == row.behaviour
            and self.max_mark == row.max_mark
            and len(row.actions) >= count
            and row.actions[:count] == self.actions
            and (self.layout is row.layout or self.layout == row.layout)
            and (self.question_json is row.question or self.question_json == row.question)
        )


_REPLAYS: dict[int, _Replay] = {}
_QUESTIONS: dict[int, tuple[Any, bank.Question]] = {}
_SETTINGS: dict[int, tuple[Any, QuizContent]] = {}  # by activity: its JSON, its settings
# The course banks' questions by database and row id: the row as read, its question.
_BANK: dict[tuple[str, int], tuple[tuple[Any, ...], bank.Question]] = {}
# A question's JSON as an attempt stores it, by source id, with the question it was made of.
_JSON: dict[int, tuple[bank.Question, Any]] = {}
_LOCK = threading.Lock()


def _keep(store: dict[Any, Any], key: Any, value: Any) -> None:
    with _LOCK:
        store.pop(key, None)
        store[key] = value  # the newest last: the oldest go first
        while len(store) > MAX_KEPT:
            del store[next(iter(store))]


def _question(source_id: int, value: Any) -> bank.Question:
    """The importer's question from its JSON, read once for every attempt holding it."""
    kept = _QUESTIONS.get(source_id)
    if kept is not None and kept[0] is value:
        return kept[1]
    if kept is not None and kept[0] == value:
        _keep(_QUESTIONS, source_id, (value, kept[1]))  # the same value next time: ``is``
        return kept[1]
    question: bank.Question = from_json(bank.Question, value)
    _keep(_QUESTIONS, source_id, (value, question))
    return question


def remember(loaded: Loaded) -> None:
    """Keep ``loaded`` as its row's replay (after loading it, or after a new action)."""
    row = loaded.row
    if row is None or row.pk is None:
        return
    # The JSON values are those read from the database, never changed in place (a new action
    # makes a new list); the list is copied all the same.
    kept = _Replay(
        row.question,
        row.layout,
        row.behaviour,
        row.max_mark,
        list(row.actions),
        loaded.question,
        loaded.prepared,
        loaded.attempt,
    )
    _keep(_REPLAYS, row.pk, kept)


def forget_replays() -> None:
    """Drop the replays kept so far (tests)."""
    with _LOCK:
        _REPLAYS.clear()
        _QUESTIONS.clear()
        _SETTINGS.clear()
        _BANK.clear()
        _JSON.clear()
        _DECODED.clear()
        _ROWS.clear()


def load_all(attempt: Attempt) -> dict[int, Loaded]:
    return {row.slot: load(row) for row in attempt.questions.all()}


def load_page(
    attempt: Attempt, slots: Iterable[int]
) -> tuple[dict[int, Loaded], set[int], dict[int, tuple[str, str]]]:
    """The questions of one page, replayed, the slots of the whole attempt that are only
    shown (descriptions, which have no number) and every question's behaviour and state (for
    "requires previous"), in one query: the questions of the other pages are not replayed,
    nor even made into rows (their JSON is not decoded). A question is only shown exactly
    when it runs under the information behaviour (``scoring.behaviour_for`` gives it to
    those, and only to those)."""
    wanted = set(slots)
    loaded: dict[int, Loaded] = {}
    shown_only: set[int] = set()
    held: dict[int, tuple[str, str]] = {}
    query = _questions_query(router.db_for_read(AttemptQuestion))
    slot_at, behaviour_at, state_at = (
        query.column(name) for name in ("slot", "behaviour", "state")
    )
    for raw in query.fetch(attempt.pk):
        slot, behaviour = raw[slot_at], raw[behaviour_at]
        held[slot] = (behaviour, raw[state_at])
        if behaviour == Behaviour.INFORMATION:
            shown_only.add(slot)
        if slot in wanted:
            row, _text = question_row(query, raw)
            row.attempt = attempt
            loaded[slot] = load(row)
    return loaded, shown_only, held


@functools.cache
def _questions_query(alias: str) -> Models:
    """An attempt's questions in slot order: every page of an attempt reads them, so the
    query is compiled once per database."""
    query = AttemptQuestion.objects.filter(attempt_id=PLACEHOLDERS[0]).order_by("slot")
    return compile_models(query, alias)


# --- An attempt's questions read raw -----------------------------------------------------------
#
# A question row holds three JSON values: the question as the attempt started it (a few kB:
# its every answer and feedback), its layout, and its actions (one more each time an answer is
# saved). Decoded on every page and every save, they were a fifth of a save's CPU, spent to find
# values this process had read before. So a page and a save read the rows raw and decode their
# JSON from its text: the same text gives back the same value (kept, shared, never changed in
# place: a new action makes a new list), and a row's actions, only ever appended to, decode only
# the ones appended since the text kept for that row. Bounded like the replays.

# A question's JSON text (the same for every attempt holding it), and its value.
_DECODED: dict[str, Any] = {}
# By database and row: its layout's text and value, its actions' text and value.
_ROWS: dict[tuple[str, int], tuple[str, Any, str, list[Any]]] = {}
JSON_COLUMNS = ("question", "layout", "actions")
# Characters of JSON text kept per question or row at most (and so, with MAX_KEPT, the memory
# these hold): a row past it (an essay saved a hundred times) is decoded whole, as before.
LONGEST_KEPT = 64 * 1024


def question_row(query: Models, raw: Sequence[Any]) -> tuple[AttemptQuestion, str | None]:
    """The instance of one raw row of a compiled query of attempt questions, as ``query.make``
    gives it, its JSON read as above; and the text of its actions as read (None when the
    driver gave them decoded already, or they were not JSON)."""
    at = [query.column(name) for name in JSON_COLUMNS]
    texts = [raw[index] for index in at]
    if not all(isinstance(text, str) for text in texts):
        return query.make(raw), None
    question_text, layout_text, actions_text = texts
    key = (query.statement.alias, raw[query.column("id")])
    try:
        question = _DECODED.get(question_text)
        if question is None:
            question = json.loads(question_text)
            if len(question_text) <= LONGEST_KEPT:
                _keep(_DECODED, question_text, question)
        kept = _ROWS.get(key)
        layout = kept[1] if kept is not None and kept[0] == layout_text else json.loads(layout_text)
        actions = _actions(kept[2:] if kept is not None else None, actions_text)
    except json.JSONDecodeError:
        return query.make(raw), None  # what the ORM does with it
    if len(layout_text) + len(actions_text) <= LONGEST_KEPT:
        _keep(_ROWS, key, (layout_text, layout, actions_text, actions))
    values = list(raw)
    for index, value in zip(at, (question, layout, actions), strict=True):
        values[index] = value
    return query.make(values, frozenset(at)), actions_text


def _actions(kept: tuple[str, list[Any]] | None, text: str) -> list[Any]:
    """The actions of ``text``, from those ``kept`` (a text read before for the same row, its
    value) when ``text`` is that text with actions appended."""
    if kept is not None:
        if kept[0] == text:
            return kept[1]
        appended = _appended(kept[0], text)
        if appended is not None:
            return [*kept[1], *appended]
    value = json.loads(text)
    if not isinstance(value, list):
        raise json.JSONDecodeError("not a list of actions", text, 0)
    return value


def _appended(before: str, after: str) -> list[Any] | None:
    """The elements appended to the JSON array ``before`` that make the JSON array ``after``,
    or None when ``after`` is not ``before`` with elements appended (then decode it whole).
    ``before`` less its closing bracket holds whole elements (it was read as an array), so
    when ``after`` goes on from there with a comma and the rest is an array's elements,
    ``after`` is exactly those elements and these."""
    head = before.rstrip()
    if not head.endswith("]") or not after.startswith(head[:-1]):
        return None
    tail = after[len(head) - 1 :].lstrip()
    if not tail.startswith(","):
        return None
    try:
        more = json.loads("[" + tail[1:])
    except json.JSONDecodeError:
        return None
    return more if isinstance(more, list) and more else None


def appended_text(before: str, action: Any) -> str:
    """The text of the JSON array ``before`` with ``action`` appended: what ``json.dumps`` gives
    for the whole list when ``before`` is its output, without encoding the actions again."""
    head = before.rstrip()[:-1].rstrip()
    encoded = json.dumps(action)
    return f"{head}{', ' if head != '[' else ''}{encoded}]"


def outcome(loaded: scoring.QuestionAttempt) -> dict[str, Any]:
    """The stored fields a replay gives."""
    return {"state": loaded.state.value, "fraction": loaded.fraction, "mark": loaded.mark}


def total(loaded: Iterable[Loaded]) -> float | None:
    return quizzes.attempt_total(item.attempt for item in loaded)
