"""What learners and teachers do with quizzes: start an attempt, save a page of answers,
finish, and the attempts that close themselves at their deadline. Each write is one
transaction, audited, and (for learners' real attempts) written to the outbox; the quiz's
grade goes through ``grades.actions.record`` and completion through ``learning.actions``.

Previews (a teacher or staff trying a quiz) take the same path without the audit, the outbox,
the gradebook or completion: they are not learners' work.
"""

from __future__ import annotations

import functools
import hmac
import json
import secrets
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, router, transaction
from django.db.models import F, Max
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cartable import compiled
from cartable.accounts.models import STAFF_ROLES, Cohort, Role, User
from cartable.assessment import building, engine, overriding
from cartable.assessment.models import Attempt, AttemptQuestion, Override
from cartable.assessment.scoring import Comment, Finish, Save, Submit, TryAgain, cbm, process
from cartable.assessment.scoring import quiz as quizzes
from cartable.assessment.scoring.behaviours import CBM_BEHAVIOURS, Action
from cartable.assessment.scoring.manual import Essay
from cartable.assessment.scoring.responses import AttachedFile, EssayResponse
from cartable.audit.actions import prepare as audit_entry
from cartable.audit.actions import record as audit
from cartable.audit.actions import record_entry
from cartable.audit.models import AuditEvent
from cartable.catalog.access import manages, teaches
from cartable.catalog.kinds import kind_of
from cartable.catalog.models import MADE_ON_BOX, Activity, Course, Enrolment, Section
from cartable.compiled import PLACEHOLDERS, Models, compile_models, placeholders
from cartable.grades.actions import record as record_grade
from cartable.grades.bounds import bounded
from cartable.grades.models import Grade
from cartable.importers.jsonable import to_json
from cartable.importers.model import QuizContent
from cartable.learning.actions import complete
from cartable.learning.models import ActivityProgress
from cartable.lib.html import sanitise
from cartable.outbox.actions import add as outbox


class Refused(Exception):
    """Starting an attempt is not possible now; ``str()`` says why, for the learner."""


# --- Starting ---------------------------------------------------------------------------------


def in_progress(user: User, activity: Activity, *, preview: bool = False) -> Attempt | None:
    found: Attempt | None = _in_progress_query(router.db_for_read(Attempt), preview).first(
        user.pk, activity.pk
    )
    return found


@functools.cache
def _in_progress_query(alias: str, preview: bool) -> Models:
    """The learner's attempt in progress, compiled: its state is written into the SQL text
    (``compiled.inline_words``), as SQLite, weighing a bound state against the partial unique
    index ``attempt_one_in_progress``, would prepare the statement again on every start."""
    query = Attempt.objects.filter(
        user_id=PLACEHOLDERS[0],
        activity_id=PLACEHOLDERS[1],
        preview=preview,
        state=Attempt.State.IN_PROGRESS,
    ).order_by("pk")[:1]
    return compile_models(query, alias)


@dataclass(frozen=True, slots=True)
class _Taken:
    """The learner's attempts at a quiz (real ones, or previews), as a start reads them."""

    last: int | None  # the highest number
    done: int  # those no longer in progress
    total: int
    current: int | None  # the id of the one in progress

    @property
    def counts(self) -> tuple[int | None, int, int]:
        return self.last, self.done, self.total


_NONE_TAKEN = _Taken(None, 0, 0, None)


def _taken(user: User, activity: Activity, preview: bool) -> _Taken:
    """The learner's attempts counted, in one statement of SQL of its own (the ORM's building
    of an aggregate cost more than its running), the state written in as a literal."""
    q = connection.ops.quote_name
    state = q("state")
    flag = q("preview") if preview else f"NOT {q('preview')}"
    words = Attempt.State.IN_PROGRESS.value  # a constant word (no quoting needed)
    # Names from the model, values as parameters only.
    sql = (
        f"SELECT MAX({q('number')}), "  # noqa: S608
        f"COUNT(CASE WHEN {state} <> '{words}' THEN 1 END), COUNT(*), "
        f"MAX(CASE WHEN {state} = '{words}' THEN {q('id')} END) "
        f"FROM {q(Attempt._meta.db_table)} "
        f"WHERE {q('user_id')} = %s AND {q('activity_id')} = %s AND {flag}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, activity.pk])
        last, done, total, current = cursor.fetchone()
    return _Taken(last, done or 0, total or 0, current)


def may_start(quiz: QuizContent, done: int, now: datetime, *, preview: bool = False) -> str | None:
    """Why a new attempt cannot start (None: it can). ``done``: attempts already taken."""
    if preview:
        return None
    if quiz.password_protected and not quiz.password:
        return str(
            _(
                "This quiz asks for a password that did not come with the course: it cannot "
                "start on the box. Tell your teacher or the staff."
            )
        )
    if quiz.opens is not None and now < quiz.opens:
        return str(_("This quiz is not open yet."))
    if quiz.closes is not None and now >= quiz.closes:
        return str(_("This quiz is closed."))
    if quiz.attempts > 0 and done >= quiz.attempts:
        return str(_("You have used every attempt this quiz allows."))
    return None


# A learner may type this many wrong passwords for a quiz in PASSWORD_WINDOW_MINUTES; then
# the quiz refuses every password (the right one too) until the oldest failure leaves the
# window, as the device codes are limited (``devices.credentials``). The failures are the
# audit's "quiz.password_refused" entries: nothing else to keep.
MAX_PASSWORD_FAILURES = 5
PASSWORD_WINDOW_MINUTES = 15


def _password_locked(actor: User, activity: Activity) -> bool:
    # The audit's own clock (not a ``now`` given for the attempt's times).
    since = timezone.now() - timedelta(minutes=PASSWORD_WINDOW_MINUTES)
    failures = AuditEvent.objects.filter(
        action="quiz.password_refused",
        actor_id=actor.pk,
        target_type=Activity._meta.label_lower,
        target_id=str(activity.pk),
        at__gte=since,
    )
    return failures.count() >= MAX_PASSWORD_FAILURES


def password_matches(quiz: QuizContent, given: str | None) -> bool:
    """Whether ``given`` is the quiz's password (compared in constant time); a quiz without
    one always matches, one whose password the backup did not carry never does."""
    if not quiz.password_protected and not quiz.password:
        return True
    if not quiz.password or given is None:
        return False
    # Every password that opens it to this learner (their groups' overrides may give several)
    # is compared, so the time taken does not say which matched.
    found = False
    for password in (quiz.password, *quiz.extra_passwords):
        found |= hmac.compare_digest(given.encode(), password.encode())
    return found


def start(
    *,
    actor: User,
    activity: Activity,
    preview: bool = False,
    password: str | None = None,
    language: str = "fr",
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Attempt:
    """The attempt in progress, or a new one. Raises ``Refused`` when none may start (closed,
    no attempts left, no questions, a wrong ``password`` for a quiz asking for one). Starting
    twice (a double submit) gives the same attempt; continuing one's own attempt in progress
    needs no password again (it was given when it began)."""
    now = now or timezone.now()
    quiz = engine.settings_of(activity)
    if not preview:
        quiz = overriding.for_learner(activity, actor, quiz)
    taken = _taken(actor, activity, preview)
    current = in_progress(actor, activity, preview=preview) if taken.current is not None else None
    if current is not None and close_if_overdue(current, now=now):
        current = None
        taken = _Taken(taken.last, taken.done + 1, taken.total, None)
    if current is not None:
        return current
    if not preview and quiz.password and _password_locked(actor, activity):
        with transaction.atomic():
            audit(
                "quiz.password_locked",
                actor=actor,
                target=activity,
                request=request,
                details={"activity": activity.pk, "minutes": PASSWORD_WINDOW_MINUTES},
            )
        raise Refused(
            str(
                _(
                    "Too many wrong passwords were typed for this quiz. Wait %(minutes)s "
                    "minutes, then try again, or ask your teacher."
                )
                % {"minutes": PASSWORD_WINDOW_MINUTES}
            )
        )
    if not preview and quiz.password and not password_matches(quiz, password):
        with transaction.atomic():
            audit(
                "quiz.password_refused",
                actor=actor,
                target=activity,
                request=request,
                details={"activity": activity.pk, "given": bool(password)},
            )
        raise Refused(str(_("The password is not the quiz's password.")))
    try:
        return _begin(
            actor=actor,
            activity=activity,
            quiz=quiz,
            preview=preview,
            language=language,
            now=now,
            request=request,
            taken=taken,
        )
    except IntegrityError:  # the same learner started it a moment ago (nothing was written)
        found = in_progress(actor, activity, preview=preview)
        if found is None:
            raise
        return found


@dataclass(slots=True)
class _Start:
    """A new attempt computed before the write transaction: its rows, not saved."""

    taken: _Taken  # what it was computed from
    attempt: Attempt
    values: list[Any]  # the attempt's values as the database takes them (no id)
    questions: list[list[Any]]  # each question's (no id, no attempt)


def _plan_start(
    actor: User,
    activity: Activity,
    quiz: QuizContent,
    preview: bool,
    language: str,
    now: datetime,
    taken: _Taken,
) -> _Start:
    """The attempt that follows ``taken``: numbered, its questions drawn and laid out.
    Raises ``Refused`` when none may start."""
    reason = may_start(quiz, taken.done, now, preview=preview)
    if reason is not None:
        raise Refused(reason)
    number = (taken.last or 0) + 1
    seed = secrets.token_hex(16)
    # The questions met in earlier attempts matter to random slots only (and a preview has
    # none: the earlier previews are deleted, with their questions).
    uses: Counter[int] = Counter()
    if taken.total and any(slot.random is not None for slot in quiz.slots):
        uses.update(
            AttemptQuestion.objects.filter(
                attempt__user=actor, attempt__activity=activity, attempt__preview=preview
            ).values_list("question_source_id", flat=True)
        )
    started = engine.start_slots(
        quiz,
        activity.course_id,
        seed=seed,
        user=str(actor.pk),
        number=number,
        language=language,
        previous_uses=dict(uses),
    )
    if not started:
        raise Refused(str(_("This quiz has no questions the box can show.")))
    attempt = Attempt(
        user=actor,
        activity=activity,
        number=number,
        preview=preview,
        seed=seed,
        pages=engine.pages_of(quiz, (s.slot for s in started), seed),
        started_at=now,
        deadline=engine.deadline(now, quiz),
        max_grade=quiz.grade,
    )
    questions = [
        _encoded_question(
            AttemptQuestion(
                slot=item.slot,
                question_source_id=item.question.source_id,
                question=engine.question_json(item.question),
                layout=to_json(item.layout),
                behaviour=item.behaviour.value,
                max_mark=item.max_mark,
                state=item.state.value,
            )
        )
        for item in started
    ]
    return _Start(taken, attempt, compiled.prepared(attempt, _ATTEMPT_FIELDS), questions)


_ATTEMPT_FIELDS = [f for f in Attempt._meta.concrete_fields if not f.primary_key]
# An attempt's question's columns but its id and its attempt's.
_QUESTION_FIELDS = [
    f for f in AttemptQuestion._meta.concrete_fields if not f.primary_key and f.name != "attempt"
]


def _encoded_question(row: AttemptQuestion) -> list[Any]:
    """The row's values as the database takes them (JSON encoded by its fields), computed
    before the write transaction."""
    return compiled.prepared(row, _QUESTION_FIELDS)


def _insert_questions(attempt_id: int, values: list[list[Any]]) -> None:
    """The attempt's questions, in one INSERT of SQL of its own (a few for a very long quiz):
    the ORM's building of it (``bulk_create``) cost several times its running, under the write
    lock."""
    compiled.insert_rows(
        AttemptQuestion,
        [AttemptQuestion._meta.get_field("attempt"), *_QUESTION_FIELDS],
        [[attempt_id, *found] for found in values],
    )


def _insert_attempt(attempt: Attempt, values: list[Any]) -> None:
    """INSERT the attempt (what ``save`` does, with its values prepared before the write
    transaction and without the ORM's building of the statement)."""
    compiled.insert(attempt, _ATTEMPT_FIELDS, values)


def _begin(
    *,
    actor: User,
    activity: Activity,
    quiz: QuizContent,
    preview: bool,
    language: str,
    now: datetime,
    request: HttpRequest | None,
    taken: _Taken,
) -> Attempt:
    """A new attempt, in one transaction; ``IntegrityError`` when one began meanwhile.

    Everything is read and computed before the transaction (on SQLite it holds the box's
    single write lock), from the learner's attempts as ``taken`` counted them: the questions
    read from the bank and drawn, their layouts, the audit entry. The transaction counts the
    attempts again (after deleting the earlier previews: a new preview replaces the last
    one) and computes the attempt once more, under the lock, only if they changed
    meanwhile; then it writes the attempt, its questions, the audit entry and the outbox's."""
    if preview:
        taken = _NONE_TAKEN  # as it will be once the earlier previews are deleted
    planned = _plan_start(actor, activity, quiz, preview, language, now, taken)
    entry = (
        None
        if preview
        else audit_entry(
            "quiz.attempt_started",
            actor=actor,
            target=activity,
            request=request,
            details={"activity": activity.pk},
        )
    )
    with transaction.atomic():
        if preview:
            Attempt.objects.filter(user=actor, activity=activity, preview=preview).delete()
        found = _taken(actor, activity, preview)
        if found.counts != planned.taken.counts:
            planned = _plan_start(actor, activity, quiz, preview, language, now, found)
        attempt = planned.attempt
        _insert_attempt(attempt, planned.values)
        _insert_questions(attempt.pk, planned.questions)
        if entry is not None:
            number = attempt.number
            record_entry(entry.with_details(attempt=attempt.pk, number=number))
            outbox(
                "attempt",
                course=activity.course,
                activity=activity,
                user=actor,
                payload={
                    "number": number,
                    "state": attempt.state,
                    "started_at": now.isoformat(),
                    "deadline": attempt.deadline.isoformat() if attempt.deadline else None,
                },
            )
    return attempt


# --- Saving -----------------------------------------------------------------------------------


class SavedElsewhere(Exception):
    """The attempt kept changing while a save was computed (another tab, another device):
    nothing of this save was written; the learner reloads the page."""


# A changed question as the database takes it: actions (JSON text), state, fraction, mark, id.
Encoded = list[tuple[str, str, float | None, float | None, int]]


@dataclass(slots=True)
class _Planned:
    """What a save computed outside the write transaction, from the attempt as it read it."""

    seq: int
    state: str
    deadline: datetime | None
    current_page: int
    written: list[AttemptQuestion]
    changed: list[int]
    encoded: Encoded = field(default_factory=list)


def save(
    *,
    actor: User,
    attempt: Attempt,
    page: int,
    form: Mapping[str, object],
    check: int | None = None,
    try_again: int | None = None,
    quiz: QuizContent | None = None,
    now: datetime | None = None,
    request: HttpRequest | None = None,
    files: Mapping[int, tuple[AttachedFile, ...]] | None = None,
) -> bool:
    """Save every answer of page ``page`` as posted (``check``: the slot whose "Check" was
    pressed; ``try_again``: the slot whose "Try again" was; ``files``: by slot, the files
    just attached to an essay, stored already by ``attachments.store``; an essay keeps the
    files it held but those whose hash is posted as ``<prefix>remove``). False when nothing could be
    saved: the attempt is over, or its deadline passed (it is then closed with the answers
    saved before). True once the answers are committed.

    Everything is read and computed before the write transaction (the page's questions and
    the attempt's sequence number in one query, the replays, the new steps); the transaction
    only checks that the attempt still holds what was read (its ``seq``, still in progress,
    before its deadline), moving ``seq`` on, and writes the changed questions and the audit
    entry: on SQLite it holds the box's single write lock for a few statements. When another
    request changed the attempt in between, the save is computed once more from what the
    attempt holds then; a second conflict raises ``SavedElsewhere`` (nothing written)."""
    now = now or timezone.now()
    pages = attempt.pages
    if not 0 <= page < len(pages):
        return False
    quiz = quiz or engine.settings_of(attempt.activity)
    for _turn in range(2):
        planned = _plan(attempt, pages[page], form, check, try_again, quiz, files or {})
        if planned is None or planned.state != Attempt.State.IN_PROGRESS:
            return False
        if planned.deadline is not None and now >= planned.deadline:
            finish(actor=None, attempt=attempt, now=now)  # closes it at its deadline
            return False
        if not planned.written and page <= planned.current_page:
            _seen(attempt, planned, planned.seq, planned.current_page)
            return True  # nothing new: what the page shows is saved already
        if _commit(actor, attempt, page, planned, now, request):
            _seen(attempt, planned, planned.seq + 1, max(planned.current_page, page))
            return True
    raise SavedElsewhere(str(_("These answers were changed elsewhere meanwhile: reload the page.")))


def _plan(
    attempt: Attempt,
    slots: list[int],
    form: Mapping[str, object],
    check: int | None,
    try_again: int | None,
    quiz: QuizContent,
    files: Mapping[int, tuple[AttachedFile, ...]],
) -> _Planned | None:
    """The page's questions and the attempt's state read in one statement (one snapshot),
    replayed, and the posted answers taken: the rows changed (not saved). A question that
    must wait for the previous one ("requires previous") takes nothing. None: no such
    attempt."""
    waiting = {s.slot for s in quiz.slots if s.require_previous and s.slot in slots}
    before = {number - 1 for number in waiting} - set(slots)
    wanted = [*slots, *before]
    query = _page_query(router.db_for_read(AttemptQuestion), len(wanted))
    texts: dict[int, str | None] = {}  # each row's actions as read (JSON text)
    read: list[Any] = []  # with the attempt's fields annotated
    for raw in query.fetch(attempt.pk, *wanted):
        row, text = engine.question_row(query, raw)
        texts[row.pk] = text
        read.append(row)
    rows = [row for row in read if row.slot not in before]
    if not rows:
        found = (
            Attempt.objects.filter(pk=attempt.pk)
            .values_list("seq", "state", "deadline", "current_page")
            .first()
        )
        if found is None:
            return None
        return _Planned(*found, written=[], changed=[])
    blocked = (
        quizzes.blocked_slots(
            quiz.slots,
            quiz.sections,
            quiz.navigation,
            {row.slot: (row.behaviour, row.state) for row in read},
        )
        if waiting
        else frozenset()
    )
    first = rows[0]
    planned = _Planned(
        first.attempt_seq,
        first.attempt_state,
        first.attempt_deadline,
        first.attempt_current_page,
        written=[],
        changed=[],
    )
    if planned.state != Attempt.State.IN_PROGRESS:
        return planned
    for row in rows:
        if row.slot in blocked:
            continue  # the page did not show it: nothing of it was posted
        loaded = engine.load(row)
        prepared = loaded.prepared
        action: Action
        sure = cbm.certainty_of(form, loaded.prefix) if row.behaviour in CBM_BEHAVIOURS else None
        if isinstance(prepared, Essay):
            response = prepared.parse(form, loaded.prefix, _essay_files(loaded, form, files))
        else:
            response = prepared.parse(form, loaded.prefix)
        if try_again == row.slot:
            action = TryAgain()
        elif check == row.slot:
            action = Submit(response, sure)
        else:
            action = Save(response, sure)
        if _advance(row, loaded, action):
            planned.changed.append(row.slot)
            planned.written.append(row)
    planned.encoded = _encoded(planned.written, texts)
    return planned


@functools.lru_cache(maxsize=64)
def _page_query(alias: str, count: int) -> Models:
    """An attempt's questions of ``count`` slots, each with the attempt's state (one
    snapshot): every save reads them, so the query is compiled once per number of slots."""
    marks = placeholders(count + 1)
    query = AttemptQuestion.objects.filter(attempt_id=marks[0], slot__in=marks[1:]).annotate(
        attempt_seq=F("attempt__seq"),
        attempt_state=F("attempt__state"),
        attempt_deadline=F("attempt__deadline"),
        attempt_current_page=F("attempt__current_page"),
    )
    return compile_models(query, alias, marks)


def _essay_files(
    loaded: engine.Loaded, form: Mapping[str, object], files: Mapping[int, tuple[AttachedFile, ...]]
) -> tuple[AttachedFile, ...]:
    """An essay's files after this post: those it held, less the ones ticked for removal,
    and the ones just attached."""
    held = loaded.attempt.response
    kept = held.files if isinstance(held, EssayResponse) else ()
    getlist = getattr(form, "getlist", None)
    removed = {str(v) for v in getlist(loaded.prefix + "remove")} if callable(getlist) else set()
    return (
        *(f for f in kept if f.sha256 not in removed),
        *files.get(loaded.slot, ()),
    )


def _commit(
    actor: User,
    attempt: Attempt,
    page: int,
    planned: _Planned,
    now: datetime,
    request: HttpRequest | None,
) -> bool:
    """The save's one write transaction; False (nothing written) when the attempt no longer
    holds what ``planned`` was computed from."""
    entry = (
        audit_entry(
            "quiz.answers_saved",
            actor=actor,
            target=attempt.activity,
            request=request,
            details={"attempt": attempt.pk, "page": page + 1, "slots": planned.changed},
        )
        if planned.changed and not attempt.preview
        else None
    )  # prepared before the transaction: on SQLite it holds the box's write lock
    with transaction.atomic():
        if not _move_seq(attempt.pk, planned.seq, page, now):
            return False
        _write_encoded(planned.encoded)
        if entry is not None:
            record_entry(entry)
    return True


def _move_seq(pk: int, seq: int, page: int, now: datetime) -> bool:
    """The attempt's guarded update, first in the save's transaction: ``seq`` moved on and
    the page reached kept, if the attempt still holds ``seq``, is in progress and before its
    deadline. In SQL of its own: the ORM's building of it cost more than its running, and on
    SQLite it runs under the box's write lock."""
    q = connection.ops.quote_name
    greatest = "MAX" if connection.vendor == "sqlite" else "GREATEST"
    seq_, page_, deadline = q("seq"), q("current_page"), q("deadline")
    # Names from the model, values as parameters only.
    sql = (
        f"UPDATE {q(Attempt._meta.db_table)} SET {seq_} = {seq_} + 1, "  # noqa: S608
        f"{page_} = {greatest}({page_}, %s) WHERE {q('id')} = %s AND {seq_} = %s "
        f"AND {q('state')} = %s AND ({deadline} IS NULL OR {deadline} > %s)"
    )
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [
                page,
                pk,
                seq,
                Attempt.State.IN_PROGRESS.value,
                connection.ops.adapt_datetimefield_value(now),
            ],
        )
        return bool(cursor.rowcount == 1)


def _seen(attempt: Attempt, planned: _Planned, seq: int, current_page: int) -> None:
    """``attempt`` as the database holds it after the save."""
    attempt.seq = seq
    attempt.state = planned.state
    attempt.deadline = planned.deadline
    attempt.current_page = current_page


_OUTCOME = ["actions", "state", "fraction", "mark"]


def _apply(row: AttemptQuestion, loaded: engine.Loaded, action: Action) -> bool:
    """Take ``action`` on one question and save it; False when it changes nothing."""
    if not _advance(row, loaded, action):
        return False
    row.save(update_fields=_OUTCOME)
    return True


def _advance(row: AttemptQuestion, loaded: engine.Loaded, action: Action) -> bool:
    """Take ``action`` on one question, the row changed but not saved (``_write`` saves
    several in one statement); False when it changes nothing."""
    after = process(loaded.attempt, loaded.prepared, action)
    if after is loaded.attempt:
        return False
    row.actions = [*row.actions, engine.action_json(action)]
    for name, value in engine.outcome(after).items():
        setattr(row, name, value)
    loaded.attempt = after
    engine.remember(loaded)
    return True


def _write(rows: list[AttemptQuestion]) -> None:
    """Save the changed questions of an attempt, in one statement."""
    _write_encoded(_encoded(rows))


def _encoded(rows: list[AttemptQuestion], read: Mapping[int, str | None] | None = None) -> Encoded:
    """The changed questions' new values as the database takes them (JSON as text), computed
    before the write transaction: encoding every question's actions and building an ORM
    bulk update took most of a save's time under the write lock. ``read``: the text of a
    row's actions as read, before ``_advance`` appended one: only that one is encoded."""
    read = read or {}
    return [
        (
            _actions_text(row, read.get(row.pk)),
            row.state,
            row.fraction,
            row.mark,
            row.pk,
        )
        for row in rows
    ]


def _actions_text(row: AttemptQuestion, before: str | None) -> str:
    if before is None:
        return json.dumps(row.actions)
    return engine.appended_text(before, row.actions[-1])


def _write_encoded(values: Encoded) -> None:
    """One UPDATE statement for every changed question (a CASE on the row's id)."""
    if not values:
        return
    quote = connection.ops.quote_name
    # PostgreSQL types a CASE of parameters (NULL ones included) as text: each one is cast.
    postgres = connection.vendor == "postgresql"
    json_value = "CAST(%s AS jsonb)" if postgres else "%s"
    number = "CAST(%s AS double precision)" if postgres else "%s"
    pk = quote("id")
    columns = [("actions", json_value), ("state", "%s"), ("fraction", number), ("mark", number)]
    sets, params = [], []
    for index, (name, placeholder) in enumerate(columns):
        if len(values) == 1:
            sets.append(f"{quote(name)} = {placeholder}")
            params.append(values[0][index])
            continue
        whens = " ".join(f"WHEN %s THEN {placeholder}" for _ in values)
        sets.append(f"{quote(name)} = CASE {pk} {whens} END")
        for row in values:
            params += [row[4], row[index]]
    ids = [row[4] for row in values]
    # Names from the model, values as parameters only.
    sql = (
        f"UPDATE {quote(AttemptQuestion._meta.db_table)} SET {', '.join(sets)} "  # noqa: S608
        f"WHERE {pk} IN ({', '.join('%s' for _ in ids)})"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, *ids])


def turn_page(*, attempt: Attempt, page: int) -> None:
    """Sequential navigation: the learner moved on to ``page`` (there is no way back)."""
    Attempt.objects.filter(pk=attempt.pk, current_page__lt=page).update(current_page=page)


# --- Finishing --------------------------------------------------------------------------------


def _overdue(attempt: Attempt, now: datetime) -> bool:
    return attempt.deadline is not None and now >= attempt.deadline


def finish(
    *,
    actor: User | None,
    attempt: Attempt,
    now: datetime | None = None,
    request: HttpRequest | None = None,
) -> Attempt:
    """Submit the attempt: every question graded with what was saved, the attempt's grade,
    the learner's grade over their attempts, completion. Finishing twice changes nothing; an
    attempt past its deadline is closed at its deadline."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state == Attempt.State.IN_PROGRESS:
            if _overdue(locked, now):
                _finish(locked, now=locked.deadline or now, actor=None, timed_out=True)
            else:
                _finish(locked, now=now, actor=actor, request=request)
    attempt.refresh_from_db()
    return attempt


def close_if_overdue(attempt: Attempt, *, now: datetime | None = None) -> bool:
    """Close an attempt whose deadline passed (graded with what was saved). True if it was
    closed now or before."""
    now = now or timezone.now()
    if attempt.state != Attempt.State.IN_PROGRESS:
        return True
    if not _overdue(attempt, now):
        return False
    finish(actor=None, attempt=attempt, now=now)
    return attempt.state != Attempt.State.IN_PROGRESS


def close_overdue(*, now: datetime | None = None, activity: Activity | None = None) -> int:
    """Close every attempt whose deadline passed and that nobody reopened (the sweep), or
    those of one quiz (its results page)."""
    now = now or timezone.now()
    closed = 0
    overdue = Attempt.objects.filter(
        state=Attempt.State.IN_PROGRESS, deadline__isnull=False, deadline__lte=now
    ).only("pk")
    if activity is not None:
        overdue = overdue.filter(activity=activity)
    for found in overdue.iterator():
        attempt = Attempt.objects.get(pk=found.pk)
        if close_if_overdue(attempt, now=now):
            closed += 1
    return closed


def _finish(
    attempt: Attempt,
    *,
    now: datetime,
    actor: User | None,
    timed_out: bool = False,
    request: HttpRequest | None = None,
) -> None:
    loaded, rows, written = [], [], []
    for row in attempt.questions.all():
        item = engine.load(row)
        if _advance(row, item, Finish()):
            written.append(row)
        loaded.append(item)
        rows.append(row)
    _write(written)
    activity = Activity.objects.select_related("course").get(pk=attempt.activity_id)
    quiz = engine.settings_of(activity)
    if not attempt.preview:  # its close date decides when the mark is shown
        quiz = overriding.for_learner(activity, attempt.user, quiz)
    total = engine.total(loaded)
    sum_grades = quiz.sum_grades if quiz.sum_grades > 0 else sum(row.max_mark for row in rows)
    attempt.state = Attempt.State.FINISHED
    attempt.finished_at = now
    attempt.sum_marks = total
    attempt.grade = quizzes.rescale(total, quiz.grade, sum_grades)
    attempt.max_grade = quiz.grade
    attempt.seq += 1  # read under the lock: a save computed before this one writes nothing
    attempt.save(update_fields=["state", "finished_at", "sum_marks", "grade", "max_grade", "seq"])
    if attempt.preview:
        return
    learner = attempt.user
    audit(
        "quiz.attempt_timed_out" if timed_out else "quiz.attempt_finished",
        actor=actor,
        target=activity,
        request=request,
        details={
            "activity": activity.pk,
            "attempt": attempt.pk,
            "learner": learner.username,
            "number": attempt.number,
            "sum_marks": total,
            "grade": attempt.grade,
        },
    )
    outbox(
        "attempt",
        course=activity.course,
        activity=activity,
        user=learner,
        payload={
            **replay_of(attempt, rows),
            "number": attempt.number,
            "state": attempt.state,
            "timed_out": timed_out,
            "started_at": attempt.started_at.isoformat(),
            "finished_at": now.isoformat(),
            "sum_marks": total,
            "grade": attempt.grade,
            "max_grade": quiz.grade,
            "questions": [
                {
                    "slot": row.slot,
                    "question": row.question_source_id,
                    "state": row.state,
                    "mark": row.mark,
                    "max_mark": row.max_mark,
                    "response": to_json(item.attempt.response),
                    # Certainty-based marking: the certainty chosen (None: low assumed) and
                    # the mark before it.
                    **(
                        {
                            "certainty": item.attempt.certainty,
                            "raw_fraction": item.attempt.raw_fraction,
                        }
                        if item.attempt.behaviour in CBM_BEHAVIOURS
                        else {}
                    ),
                }
                for row, item in zip(rows, loaded, strict=True)
            ],
            # The essays' files, for the exchange to carry with the entry.
            "files": [
                {
                    "slot": row.slot,
                    "sha256": f.sha256,
                    "filename": f.name,
                    "mimetype": f.mimetype,
                    "size": f.size,
                }
                for row, item in zip(rows, loaded, strict=True)
                if isinstance(item.attempt.response, EssayResponse)
                for f in item.attempt.response.files
                if f.sha256
            ],
        },
    )
    recorded = grade_learner(activity=activity, learner=learner, quiz=quiz)
    _complete(activity, learner, recorded, actor)


def replay_of(attempt: Attempt, rows: list[AttemptQuestion]) -> dict[str, object]:
    """What another site needs to rebuild the attempt as this one holds it (the exchange
    carries it to the university's hub, whose teachers grade essays): its seed and pages, and
    each question's fingerprint (the question itself is the other site's bank's), layout,
    behaviour, mark and every action taken, responses included (``engine.load`` replays
    them)."""
    return {
        "replay": {
            "seed": attempt.seed,
            "pages": attempt.pages,
            "started_at": attempt.started_at.isoformat(),
            "finished_at": attempt.finished_at.isoformat() if attempt.finished_at else None,
            "slots": [
                {
                    "slot": row.slot,
                    "question": row.question_source_id,
                    "question_sha256": engine.fingerprint(row.question),
                    "layout": row.layout,
                    "behaviour": row.behaviour,
                    "max_mark": row.max_mark,
                    "actions": row.actions,
                }
                for row in rows
            ],
        }
    }


def _complete(activity: Activity, learner: User, grade: Grade | None, actor: User | None) -> None:
    """Completion by what the quiz records. A rule asking for a grade alone (or a passing
    grade) is ``learning.grading``'s, when the grade is released; the quiz's own rules are
    decided here: a number of finished attempts (``completionminattempts``), with a grade
    when the rule asks for one too; without them, a finished attempt."""
    if activity.completion_mode != "answer":
        return
    rule = activity.completion if isinstance(activity.completion, dict) else {}
    rules: dict[str, object] = {}
    for pair in rule.get("rules") or ():
        if isinstance(pair, list | tuple) and len(pair) == 2:
            rules[str(pair[0])] = pair[1]
    wants_grade = bool(rule.get("grade") or rule.get("pass_grade") or "completionpass" in rules)
    own = set(rules) - {"completionpass"}
    if wants_grade and not own:
        return  # learning.grading completes it when the grade is released
    if wants_grade and (grade is None or grade.grade is None):
        return
    minimum = rules.get("completionminattempts")
    if isinstance(minimum, int) and minimum > 1:
        finished = Attempt.objects.filter(
            user=learner, activity=activity, preview=False, state=Attempt.State.FINISHED
        ).count()
        if finished < minimum:
            return
    complete(actor=actor, activity=activity, learner=learner, by=ActivityProgress.Source.ANSWER)


def released_at(quiz: QuizContent, finished_at: datetime) -> datetime | None:
    """When the learner may read the mark of an attempt finished at ``finished_at``, as the
    review options say."""
    marks = quiz.review.marks
    if marks.immediately_after:
        return finished_at
    if marks.later_while_open:
        return finished_at + quizzes.IMMEDIATELY_AFTER
    if marks.after_close and quiz.closes is not None:
        return max(quiz.closes, finished_at)
    return None


def grade_learner(
    *, activity: Activity, learner: User, quiz: QuizContent, actor: User | None = None
) -> Grade | None:
    """The learner's grade over their finished attempts, by the quiz's grading method, into
    the gradebook (nothing for a quiz worth no grade)."""
    if quiz.grade <= 0:
        return None
    finished = list(
        Attempt.objects.filter(
            user=learner, activity=activity, preview=False, state=Attempt.State.FINISHED
        )
        .order_by("number")
        .values_list("grade", "finished_at")
    )
    if not finished:
        return None
    # The grade over the attempts' own grades (a certainty-based one may lie beyond 0 and the
    # maximum), then within them, as Moodle's gradebook stores it.
    value = bounded(
        quizzes.final_grade(quiz.grading_method, [grade for grade, _ in finished]), quiz.grade
    )
    last = max(at for _, at in finished if at is not None)
    return record_grade(
        actor=actor,
        activity=activity,
        learner=learner,
        grade=value,
        max_grade=quiz.grade,
        source=Grade.Source.QUIZ,
        released_at=released_at(quiz, last),
    )


# --- Teachers' grading ------------------------------------------------------------------------


class BadMark(ValueError):
    """A mark outside the question's bounds, or a question that cannot take one."""


def grade_question(
    *,
    actor: User | None,
    attempt: Attempt,
    slot: int,
    mark: float | None,
    comment: str = "",
    request: HttpRequest | None = None,
    graded_by: str = "",
) -> bool:
    """A teacher's mark (out of the question's mark; None: a comment only) and comment on a
    question of a finished attempt: the attempt's grade and the learner's grade over their
    attempts follow. False when it changes nothing; ``BadMark`` for a mark out of bounds.
    ``actor`` None: a grade the university's hub gave (``exchange``), by its teacher
    ``graded_by``, who has no account here."""
    with transaction.atomic():
        locked = Attempt.objects.select_for_update().get(pk=attempt.pk)
        if locked.state != Attempt.State.FINISHED:
            raise BadMark("the attempt is not finished")
        rows = list(locked.questions.all())
        row = next((r for r in rows if r.slot == slot), None)
        if row is None:
            raise BadMark("no such question")
        fraction = None
        if mark is not None:
            if row.max_mark <= 0 or not 0 <= mark <= row.max_mark:
                raise BadMark("the mark lies between 0 and the question's mark")
            fraction = mark / row.max_mark
        loaded = {r.slot: engine.load(r) for r in rows}
        if not _apply(row, loaded[slot], Comment(fraction, comment[:10_000])):
            return False
        activity = Activity.objects.select_related("course").get(pk=locked.activity_id)
        quiz = engine.settings_of(activity)
        if not locked.preview:
            quiz = overriding.for_learner(activity, locked.user, quiz)
        total = engine.total(loaded.values())
        sum_grades = quiz.sum_grades if quiz.sum_grades > 0 else sum(r.max_mark for r in rows)
        locked.sum_marks = total
        locked.grade = quizzes.rescale(total, quiz.grade, sum_grades)
        locked.save(update_fields=["sum_marks", "grade"])
        if locked.preview:
            return True
        audit(
            "quiz.question_graded",
            actor=actor,
            target=activity,
            request=request,
            details={
                "attempt": locked.pk,
                "learner": locked.user.username,
                "slot": slot,
                "mark": mark,
                "sum_marks": total,
                "grade": locked.grade,
            },
        )
        outbox(
            "attempt",
            course=activity.course,
            activity=activity,
            user=locked.user,
            payload={
                **replay_of(locked, rows),
                "number": locked.number,
                "state": locked.state,
                "graded_by": actor.username if actor is not None else graded_by,
                "slot": slot,
                "mark": mark,
                "comment": comment,
                "sum_marks": total,
                "grade": locked.grade,
                "max_grade": quiz.grade,
            },
        )
        recorded = grade_learner(activity=activity, learner=locked.user, quiz=quiz, actor=actor)
        _complete(activity, locked.user, recorded, actor)
    attempt.refresh_from_db()
    return True


# --- Quizzes built on the box -----------------------------------------------------------------


class CannotBuild(ValueError):
    """The quiz cannot be saved as asked; ``str()`` says why, for the teacher."""


def may_build(user: User, course: Course) -> bool:
    """Teachers of the course, and staff who manage it (their establishment's courses), build
    its quizzes."""
    return teaches(user, course) or (user.role in STAFF_ROLES and manages(user, course))


def learners_started(activity: Activity) -> bool:
    """Whether a learner has started an attempt (previews do not count, as in Moodle)."""
    return Attempt.objects.filter(activity=activity, preview=False).exists()


MAX_MARK = 1000.0  # a question's mark in a quiz built on the box: 0 to this


def _marks(course: Course, settings: building.Settings) -> list[float]:
    """Each chosen question's mark in the quiz: the teacher's, else the bank's default."""
    source_ids = settings.questions
    if not source_ids:
        raise CannotBuild(str(_("Choose at least one question.")))
    if len(set(source_ids)) != len(source_ids):
        raise CannotBuild(str(_("A question is chosen twice.")))
    found = dict(
        building.usable_questions(course)
        .filter(source_id__in=source_ids)
        .values_list("source_id", "default_mark")
    )
    if set(found) != set(source_ids):
        raise CannotBuild(str(_("A chosen question is no longer in the course's bank.")))
    marks = []
    for source_id in source_ids:
        wanted = settings.mark_of(source_id)
        mark = float(found[source_id]) if wanted is None else float(wanted)
        if not 0 <= mark <= MAX_MARK:
            raise CannotBuild(str(_("A question's mark lies between 0 and 1000.")))
        marks.append(mark)
    if settings.grade > 0 and sum(marks) <= 0:
        raise CannotBuild(
            str(_("The questions' marks add up to nothing: give one question a mark at least."))
        )
    return marks


def _review_on_save(activity: Activity, actor: User, course: Course, now: datetime) -> None:
    """Staff who manage the course publish what they make; a teacher's quiz waits for their
    approval, as every content on the box does before learners see it."""
    if actor.role in STAFF_ROLES and manages(actor, course):
        activity.review_status = Activity.Review.APPROVED
        activity.reviewed_by = actor
        activity.reviewed_at = now
    else:
        activity.review_status = Activity.Review.PENDING
        activity.reviewed_by = None
        activity.reviewed_at = None
    activity.review_comment = ""


def create_quiz(
    *,
    actor: User,
    course: Course,
    section: Section,
    title: str,
    intro: str,
    settings: building.Settings,
    request: HttpRequest | None = None,
) -> Activity:
    """A new quiz at the end of ``section``, over questions of the course's bank."""
    if section.course_id != course.pk or section.retired_at is not None:
        raise CannotBuild(str(_("Choose a section of this course.")))
    now = timezone.now()
    kind = kind_of("quiz")
    with transaction.atomic():
        quiz = building.content(settings, _marks(course, settings))
        last = Activity.objects.filter(section=section).aggregate(last=Max("position"))["last"]
        completion = {"tracking": "automatic"}
        safe_intro = sanitise(intro)
        activity = Activity(
            course=course,
            section=section,
            position=(last or 0) + 1,
            kind=Activity.Kind.QUIZ,
            title=title,
            intro=safe_intro,
            data=to_json(quiz),
            completion=completion,
            completion_mode=kind.completion_mode(completion),
            estimated_minutes=kind.estimate(intro=safe_intro, content="", data=quiz),
            source_key=f"{MADE_ON_BOX}quiz-{secrets.token_hex(8)}",
        )
        _review_on_save(activity, actor, course, now)
        activity.save()
        audit(
            "quiz.created",
            actor=actor,
            target=activity,
            request=request,
            details={
                "course": course.pk,
                "title": title,
                "questions": list(settings.questions),
                "review_status": activity.review_status,
            },
        )
    return activity


def update_quiz(
    *,
    actor: User,
    activity: Activity,
    title: str,
    intro: str,
    section: Section | None,
    settings: building.Settings,
    request: HttpRequest | None = None,
) -> bool:
    """Change a quiz built on the box. Once a learner has started an attempt only its dates,
    time limit and attempts allowed change (returns False then): the attempts taken keep the
    questions and grading they were taken with."""
    now = timezone.now()
    kind = kind_of("quiz")
    with transaction.atomic():
        locked = Activity.objects.select_for_update().select_related("course").get(pk=activity.pk)
        course = locked.course
        if not building.made_on_box(locked) or locked.retired_at is not None:
            raise CannotBuild(str(_("Only a quiz built on the box can be changed here.")))
        current = engine.settings_of(locked)
        started = learners_started(locked)
        if started:
            quiz = building.with_times(current, settings)
            fields = ["data", "updated_at"]
        else:
            if section is None or section.course_id != course.pk or section.retired_at is not None:
                raise CannotBuild(str(_("Choose a section of this course.")))
            quiz = building.content(settings, _marks(course, settings))
            locked.title = title
            locked.intro = sanitise(intro)
            locked.section = section
            locked.estimated_minutes = kind.estimate(intro=locked.intro, content="", data=quiz)
            _review_on_save(locked, actor, course, now)
            fields = [
                "data",
                "title",
                "intro",
                "section",
                "estimated_minutes",
                "review_status",
                "review_comment",
                "reviewed_by",
                "reviewed_at",
                "updated_at",
            ]
        locked.data = to_json(quiz)
        locked.save(update_fields=fields)
        audit(
            "quiz.updated",
            actor=actor,
            target=locked,
            request=request,
            details={
                "course": course.pk,
                "times_only": started,
                "questions": [s.question_id for s in quiz.slots],
                "review_status": locked.review_status,
            },
        )
    activity.refresh_from_db()
    return not started


# --- Overrides (a learner's or a group's own dates, time limit, attempts, password) -----------


class BadOverride(ValueError):
    """The override cannot be saved as asked; ``str()`` says why, for the teacher."""


def may_override(user: User, course: Course) -> bool:
    """The quiz's teachers and the staff who manage its course set overrides."""
    return may_build(user, course)


def _override_details(row: Override) -> dict[str, object]:
    """What an override sets, for the audit and the outbox (never the password itself)."""
    return {
        "learner": row.user.username if row.user is not None else None,
        "group": row.cohort.name if row.cohort is not None else None,
        "opens": row.opens.isoformat() if row.opens else None,
        "closes": row.closes.isoformat() if row.closes else None,
        "open_any_time": row.open_any_time,
        "never_closes": row.never_closes,
        "time_limit": row.time_limit,
        "attempts": row.attempts,
        "password": ("none" if not row.password else "set") if row.sets_password else None,
    }


def _targets(activity: Activity, user: User | None, cohort: Cohort | None) -> None:
    course = activity.course
    if (user is None) == (cohort is None):
        raise BadOverride(str(_("Choose a learner or a group.")))
    if (
        user is not None
        and not Enrolment.objects.filter(
            user=user, course=course, role=Enrolment.Role.LEARNER
        ).exists()
    ):
        raise BadOverride(str(_("This learner is not enrolled in the course.")))
    if cohort is not None and course.establishment_id not in (None, cohort.establishment_id):
        raise BadOverride(str(_("This group is not one of the course's establishment.")))


def set_override(
    *,
    actor: User,
    activity: Activity,
    user: User | None = None,
    cohort: Cohort | None = None,
    opens: datetime | None = None,
    closes: datetime | None = None,
    open_any_time: bool = False,
    never_closes: bool = False,
    time_limit: int | None = None,
    attempts: int | None = None,
    password: str | None = None,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> Override:
    """Give one learner (``user``) or one group (``cohort``) their own settings of a quiz,
    replacing the override they had; None leaves a setting as the quiz has it. The deadlines
    of the attempts in progress it concerns follow. ``BadOverride`` says what is wrong (and
    nothing is changed)."""
    now = now or timezone.now()
    if activity.kind != Activity.Kind.QUIZ:
        raise BadOverride(str(_("Only a quiz takes overrides.")))
    _targets(activity, user, cohort)
    if open_any_time:
        opens = None
    if never_closes:
        closes = None
    if time_limit is not None and not 0 <= time_limit <= 366 * 86_400:
        raise BadOverride(str(_("The time limit must be between 0 and 366 days.")))
    if attempts is not None and not 0 <= attempts <= 1000:
        raise BadOverride(str(_("The number of attempts must be between 0 and 1000.")))
    if password is not None and len(password) > 255:
        raise BadOverride(str(_("The password is too long (255 characters at most).")))
    if opens is not None and closes is not None and closes <= opens:
        raise BadOverride(str(_("The quiz must close after it opens.")))
    if (
        opens is None
        and closes is None
        and not open_any_time
        and not never_closes
        and time_limit is None
        and attempts is None
        and password is None
    ):
        raise BadOverride(str(_("Change at least one setting.")))
    with transaction.atomic():
        row = Override.objects.filter(activity=activity, user=user, cohort=cohort).first()
        if row is None:
            row = Override(activity=activity, user=user, cohort=cohort)
        row.opens, row.closes = opens, closes
        row.open_any_time, row.never_closes = open_any_time, never_closes
        row.time_limit, row.attempts = time_limit, attempts
        row.sets_password, row.password = password is not None, password or ""
        row.set_by, row.updated_at = actor, now
        row.save()
        _overridden(actor, activity, row, "quiz.override_set", request, now)
    return row


def remove_override(
    *,
    actor: User,
    override: Override,
    request: HttpRequest | None = None,
    now: datetime | None = None,
) -> None:
    """The learner or group takes the quiz's settings again (the deadlines of their attempts
    in progress follow)."""
    now = now or timezone.now()
    with transaction.atomic():
        activity = Activity.objects.select_related("course").get(pk=override.activity_id)
        gone = Override.objects.filter(pk=override.pk).select_related("user", "cohort").first()
        if gone is None:
            return
        gone.delete()
        _overridden(actor, activity, gone, "quiz.override_removed", request, now)


def _overridden(
    actor: User,
    activity: Activity,
    row: Override,
    action: str,
    request: HttpRequest | None,
    now: datetime,
) -> None:
    """What follows an override set or removed, in its transaction: the deadlines of the
    attempts in progress it concerns, the audit entry and the outbox entry."""
    learners = (
        [row.user]
        if row.user is not None
        else list(User.objects.filter(cohorts=row.cohort, role=Role.LEARNER))
    )
    moved = _redeadline(activity, learners)
    details = {**_override_details(row), "attempts_moved": moved, "activity": activity.pk}
    audit(action, actor=actor, target=activity, request=request, details=details)
    # No learner on the entry itself (the payload names them): it is a setting, not an
    # attempt, and must not read as one (an xAPI "attempted" statement).
    outbox(
        "attempt",
        course=activity.course,
        activity=activity,
        payload={
            "override": {
                **_override_details(row),
                "removed": action == "quiz.override_removed",
                "by": actor.username,
                "at": now.isoformat(),
            }
        },
    )


def _redeadline(activity: Activity, learners: list[User]) -> int:
    """The deadline of each attempt in progress of ``learners`` on the quiz, as their
    settings now give it (from when the attempt started, as Moodle computes it); an attempt
    whose new deadline is past closes at the next request or sweep. Returns how many moved."""
    quiz = engine.settings_of(activity)
    moved = 0
    for attempt in Attempt.objects.filter(
        activity=activity,
        user__in=learners,
        preview=False,
        state=Attempt.State.IN_PROGRESS,
    ).select_related("user"):
        mine = overriding.for_learner(activity, attempt.user, quiz)
        deadline = engine.deadline(attempt.started_at, mine)
        if deadline != attempt.deadline:
            Attempt.objects.filter(pk=attempt.pk).update(deadline=deadline)
            moved += 1
    return moved
