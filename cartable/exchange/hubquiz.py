"""On the hub: a box's quiz attempt recorded as the hub's own (issue 12), so that the
university's teachers grade its essays in the quiz's usual grading page, as on a box. Called
by ``actions._take`` in the work bundle's transaction for the ``attempt`` entries received for
the first time, beside ``hubwork`` (whose accounts and activities it shares).

- **What the entry carries.** A finished attempt's entry (``assessment.actions.replay_of``):
  its seed and pages, and for each question its slot, the bank question's Moodle id and the
  SHA-256 of the question as the box's attempt holds it (``engine.fingerprint``), the layout
  the box drew, the behaviour, the mark, and every action taken (responses and their steps).
- **What the hub trusts.** Never the question itself: the hub's own bank question of the same
  id, of the same fingerprint, else the attempt is left out (the hub does not hold the question
  the learner answered). The layout and actions are read by the scoring package as any stored
  attempt's (a malformed one: left out); a random short-answer matching's drawn stems must be
  the hub's bank questions' texts; an essay's files must have come in a bundle (``Blob``).
  Responses are shown escaped, as on the box.
- **Which attempt.** The account's attempt of the same number of the hub's quiz (found as
  ``hubwork`` finds an assignment, by key or idnumber); made as a finished attempt when
  missing; a later entry (a box teacher's grading) brings each question's new actions when
  they follow those the hub holds, and changes nothing otherwise (the hub's own grading, not
  yet on the box, is kept). Written at the model level, as submissions are, and audited
  (``exchange.attempt_recorded``); the gradebook is not touched: the box's grade comes as a
  ``grade`` entry, and a hub teacher's grading records the hub's (``grade_question``).
- An attempt still in progress (its start) records nothing; a finished attempt the hub
  cannot rebuild (no such quiz, question, learner, or a malformed entry) is left out and
  counted."""

from __future__ import annotations

import math
import re
from datetime import datetime
from typing import Any

from django.db import transaction

from cartable.accounts.models import normalize_username
from cartable.assessment import engine, scoring
from cartable.assessment.models import Attempt, AttemptQuestion
from cartable.assessment.scoring import Save
from cartable.assessment.scoring import quiz as quizzes
from cartable.assessment.scoring.behaviours import Action, Behaviour
from cartable.assessment.scoring.layouts import DrawnMatchLayout
from cartable.assessment.scoring.responses import EssayResponse
from cartable.audit.actions import record
from cartable.catalog.models import Activity, Blob
from cartable.catalog.models import Question as QuestionRow
from cartable.exchange import hubwork
from cartable.exchange.models import Peer
from cartable.importers.jsonable import JsonShapeError, from_json, to_json

MAX_SLOTS = 500
MAX_ACTIONS = 10_000
_SHA = re.compile(r"[0-9a-f]{64}")
# What reading a hostile layout or action list may raise in the scoring package.
_UNREADABLE = (
    JsonShapeError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    scoring.UnsupportedQuestion,
)


class _LeftOut(Exception):
    """The entry cannot be rebuilt on the hub."""


def _int(value: Any, low: int, high: int) -> int:
    if type(value) is not int or not low <= value <= high:
        raise _LeftOut
    return value


def _slots(replay: dict[str, Any]) -> list[dict[str, Any]]:
    """The entry's questions, checked for shape (not yet for meaning)."""
    slots = replay.get("slots")
    if not isinstance(slots, list) or not 0 < len(slots) <= MAX_SLOTS:
        raise _LeftOut
    seen: set[int] = set()
    for item in slots:
        if not isinstance(item, dict):
            raise _LeftOut
        number = _int(item.get("slot"), 1, 100_000)
        _int(item.get("question"), 0, 1 << 62)
        mark = item.get("max_mark")
        actions = item.get("actions")
        if (
            number in seen
            or not isinstance(item.get("question_sha256"), str)
            or not _SHA.fullmatch(item["question_sha256"])
            or item.get("behaviour") not in {b.value for b in Behaviour}
            or isinstance(mark, bool)
            or not isinstance(mark, int | float)
            or not math.isfinite(mark)
            or not 0 <= mark <= 10_000
            or not isinstance(actions, list)
            or len(actions) > MAX_ACTIONS
        ):
            raise _LeftOut
        seen.add(number)
    pages = replay.get("pages")
    if (
        not isinstance(pages, list)
        or not all(isinstance(page, list) for page in pages)
        or sorted(n for page in pages for n in page if type(n) is int) != sorted(seen)
        or sum(len(page) for page in pages) != len(seen)
    ):
        raise _LeftOut
    return slots


def _bank(activity: Activity, slots: list[dict[str, Any]]) -> dict[int, Any]:
    """The hub's bank questions the entry names, as an attempt stores them, by Moodle id;
    every one must be the question the box's attempt holds (same fingerprint)."""
    rows = QuestionRow.objects.filter(
        course_id=activity.course_id,
        source_id__in={item["question"] for item in slots},
        retired_at__isnull=True,
    ).select_related("category")
    held = {row.source_id: to_json(engine.question_of(row, row.category.source_id)) for row in rows}
    for item in slots:
        value = held.get(item["question"])
        if value is None or engine.fingerprint(value) != item["question_sha256"]:
            raise _LeftOut
    return held


def _drawn_stems_known(activity: Activity, layout: Any) -> None:
    """A random short-answer matching shows its drawn stems as HTML: they must be the hub's
    bank questions' own texts."""
    if not isinstance(layout, DrawnMatchLayout):
        return
    texts = dict(
        QuestionRow.objects.filter(
            course_id=activity.course_id,
            source_id__in={stem.question_id for stem in layout.stems},
            retired_at__isnull=True,
        ).values_list("source_id", "text")
    )
    if any(texts.get(stem.question_id) != stem.text for stem in layout.stems):
        raise _LeftOut


def _rows(activity: Activity, slots: list[dict[str, Any]]) -> list[AttemptQuestion]:
    """The attempt's questions as the hub would store them, each replayed once to check it
    and to know its outcome; ``_LeftOut`` when one does not read."""
    bank = _bank(activity, slots)
    rows: list[AttemptQuestion] = []
    files: set[str] = set()
    for item in slots:
        row = AttemptQuestion(
            slot=item["slot"],
            question_source_id=item["question"],
            question=bank[item["question"]],
            layout=item.get("layout"),
            behaviour=item["behaviour"],
            max_mark=float(item["max_mark"]),
            actions=item["actions"],
        )
        try:
            _drawn_stems_known(activity, from_json(scoring.Layout, row.layout))
            loaded = engine.load(row)
            files.update(_files_named(row))
        except _UNREADABLE:
            raise _LeftOut from None
        for name, value in engine.outcome(loaded.attempt).items():
            setattr(row, name, value)
        rows.append(row)
    if files and Blob.objects.filter(sha256__in=files).count() != len(files):
        raise _LeftOut
    return rows


def _files_named(row: AttemptQuestion) -> set[str]:
    """The essay files the row's saves attach (their content must have come in a bundle)."""
    found: set[str] = set()
    for value in row.actions:
        action = from_json(Action, value)
        if isinstance(action, Save) and isinstance(action.response, EssayResponse):
            found.update(f.sha256 for f in action.response.files if f.sha256)
    return found


def _when(value: Any) -> datetime:
    if not isinstance(value, str):
        raise _LeftOut
    try:
        found = datetime.fromisoformat(value)
    except ValueError:
        raise _LeftOut from None
    if found.tzinfo is None:
        raise _LeftOut
    return found


def record_attempt(peer: Peer, entry: hubwork.Received, found: hubwork.Found) -> bool | None:
    """Record one ``attempt`` entry of the box ``peer``: True when recorded (or already
    held), False when left out, None when it is not a finished attempt (nothing to grade)."""
    payload = entry.payload
    if payload.get("state") != Attempt.State.FINISHED:
        return None
    try:
        return _record(peer, entry, payload, found)
    except _LeftOut:
        return False


def _record(
    peer: Peer, entry: hubwork.Received, payload: dict[str, Any], found: hubwork.Found
) -> bool:
    parts = [payload.get(k) for k in ("course", "activity", "user", "replay")]
    if not all(isinstance(part, dict) for part in parts):
        raise _LeftOut
    course, item, user, replay = (dict(part or {}) for part in parts)
    name = user.get("username")
    box_username = normalize_username(name[:150]) if isinstance(name, str) else ""
    number = _int(payload.get("number"), 1, 10_000)
    seed = replay.get("seed")
    if not box_username or not isinstance(seed, str) or not 0 < len(seed) <= 64:
        raise _LeftOut
    started_at, finished_at = _when(replay.get("started_at")), _when(replay.get("finished_at"))
    slots = _slots(replay)
    aimed = hubwork.target(peer, course, item, box_username, found, Activity.Kind.QUIZ)
    if aimed is None:
        raise _LeftOut
    activity, account = aimed
    try:
        quiz = engine.settings_of(activity)
    except engine.NotAQuiz:
        raise _LeftOut from None
    rows = _rows(activity, slots)
    with transaction.atomic():
        attempt = (
            Attempt.objects.select_for_update()
            .filter(activity=activity, user=account, preview=False, number=number)
            .first()
        )
        if attempt is None:
            attempt = Attempt.objects.create(
                activity=activity,
                user=account,
                number=number,
                preview=False,
                state=Attempt.State.FINISHED,
                seed=seed,
                pages=replay["pages"],
                current_page=max(len(replay["pages"]) - 1, 0),
                started_at=started_at,
                finished_at=finished_at,
                max_grade=quiz.grade,
            )
            for row in rows:
                row.attempt = attempt
            AttemptQuestion.objects.bulk_create(rows)
            changed = [row.slot for row in rows]
            held = rows
        elif attempt.seed != seed:
            raise _LeftOut  # another attempt of that number (one made on the hub itself)
        else:
            held, changed = _follow(attempt, rows)
        if not changed:
            return True
        loaded = [engine.load(row) for row in held]
        total = engine.total(loaded)
        sum_grades = quiz.sum_grades if quiz.sum_grades > 0 else sum(r.max_mark for r in held)
        attempt.sum_marks = total
        attempt.grade = quizzes.rescale(total, quiz.grade, sum_grades)
        attempt.seq += 1
        attempt.save(update_fields=["sum_marks", "grade", "seq"])
        record(
            "exchange.attempt_recorded",
            actor=None,
            target=activity,
            details={
                "box": peer.name,
                "box_username": box_username,
                "learner": account.username,
                "attempt": attempt.pk,
                "number": number,
                "slots": changed,
                "grade": attempt.grade,
                "entry": entry.id,
            },
        )
    return True


def _follow(
    attempt: Attempt, rows: list[AttemptQuestion]
) -> tuple[list[AttemptQuestion], list[int]]:
    """The hub's questions of ``attempt`` brought up to the entry's: a question whose actions
    the entry's continue takes them; any other is kept as the hub holds it. The questions held
    after, and the slots changed."""
    incoming = {row.slot: row for row in rows}
    held = list(attempt.questions.all())
    changed = []
    for row in held:
        new = incoming.get(row.slot)
        if (
            new is None
            or new.question_source_id != row.question_source_id
            or new.layout != row.layout
            or len(new.actions) <= len(row.actions)
            or new.actions[: len(row.actions)] != row.actions
        ):
            continue
        row.actions, row.state, row.fraction, row.mark = (
            new.actions,
            new.state,
            new.fraction,
            new.mark,
        )
        row.save(update_fields=["actions", "state", "fraction", "mark"])
        changed.append(row.slot)
    return held, changed
