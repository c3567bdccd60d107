"""Quiz attempts received on the hub go up for grading (exchange.hubquiz): a box learner's
finished attempt becomes a finished attempt of their account on the hub, rebuilt from the
hub's own bank questions with the box's layout and actions, which the hub's teacher grades in
the quiz's usual grading page; the grading goes back to the box in the feedback bundle, and
the learner there sees it as the quiz's review options allow (exchange.boxquiz). One database
for both sides (tests.exchangesides): the hub's accounts are not the box's."""

from __future__ import annotations

import copy
import io
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import transaction
from django.urls import reverse
from django.utils import translation

from cartable.accounts.models import User
from cartable.assessment import actions as quizzes
from cartable.assessment import engine
from cartable.assessment.models import Attempt
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Question
from cartable.exchange import actions, hubquiz
from cartable.exchange.matching import Match
from cartable.exchange.models import BoxAccount, Peer
from cartable.grades.models import Grade
from cartable.outbox.models import Entry
from tests import quizdata
from tests.conftest import signed_in as signed_in_fr
from tests.exchangesides import Sides

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> Iterator[None]:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


def signed_in(user: User):
    client = signed_in_fr(user)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


def university_quiz(course: Course, **settings) -> Activity:
    """The university's quiz (a capital to name, an essay), as both sides imported it."""
    Course.objects.filter(pk=course.pk).update(source="moodle", source_id="42")
    quiz = quizdata.add_quiz(course, (quizdata.capital(), quizdata.essay()), **settings)
    Activity.objects.filter(pk=quiz.pk).update(source_key="quiz-77", idnumber="QUIZ77")
    quiz.refresh_from_db()
    return quiz


@pytest.fixture
def quiz(course: Course) -> Activity:
    return university_quiz(course)


def answer(learner: User, quiz: Activity, essay: str = "Je me suis levée tôt.") -> Attempt:
    """The learner's attempt on the box: the capital right, an essay written, finished."""
    attempt = quizzes.start(actor=learner, activity=quiz)
    item = engine.load_all(attempt)[1]
    right = item.prepared.correct()
    assert right is not None
    form = {item.prefix + k: v for k, v in item.prepared.form_data(right).items()}
    form["q2:answer"] = essay
    quizzes.save(actor=learner, attempt=attempt, page=0, form=form)
    quizzes.finish(actor=learner, attempt=attempt)
    attempt.refresh_from_db()
    return attempt


def work_to_hub(sides: Sides, hub: Peer, path: Path) -> actions.Applied:
    actions.export(actor=None, peer=hub, kind="work", destination=path)
    with sides.on("hub"):
        return actions.apply(actor=None, path=path)


def feedback_to_box(sides: Sides, box: Peer, path: Path) -> actions.Applied:
    with sides.on("hub"):
        actions.export(actor=None, peer=box, kind="feedback", destination=path)
    return actions.apply(actor=None, path=path)


def hub_attempt(username: str = "box-caen.lea") -> Attempt:
    return Attempt.objects.get(user__username=username)


def finished_entry(learner: User) -> actions.WorkEntry:
    """The box's outbox entry of the learner's finished attempt, as the hub reads it."""
    entry = Entry.objects.filter(kind="attempt", user=learner, payload__state="finished").last()
    assert entry is not None
    return actions.WorkEntry(entry.pk, entry.kind, entry.created_at, copy.deepcopy(entry.payload))


def test_the_hub_teacher_grades_a_box_learners_essay_and_the_box_learner_sees_it(
    sides, peers, quiz, learner, teacher, stick: Path
) -> None:
    hub, box = peers
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    on_box = answer(learner, quiz)
    assert on_box.grade is None  # the essay waits for a teacher

    applied = work_to_hub(sides, hub, stick / "w1")
    assert applied.left_out == 0 and applied.left_out_attempts == 0
    received = hub_attempt("lea.moreau")
    assert received.state == Attempt.State.FINISHED and not received.preview
    assert received.number == 1 and received.seed == on_box.seed
    assert received.pages == on_box.pages and received.finished_at == on_box.finished_at
    assert received.grade is None and received.sum_marks is None
    # Rebuilt from the hub's bank, with the box's layout and every action the learner took.
    box_rows = {row.slot: row for row in on_box.questions.all()}
    for row in received.questions.all():
        held = box_rows[row.slot]
        assert (row.question, row.layout, row.actions) == (held.question, held.layout, held.actions)
        assert (row.state, row.mark) == (held.state, held.mark)
    recorded = AuditEvent.objects.get(action="exchange.attempt_recorded")
    assert recorded.details["learner"] == "lea.moreau" and recorded.details["slots"] == [1, 2]
    # Not in the hub's gradebook: the box sends its own grade.
    assert not Grade.objects.filter(user__username="lea.moreau").exists()

    # The hub's teacher finds it in the quiz's results, reads the essay and grades it.
    client = signed_in(teacher)
    results = client.get(reverse("assessment:results", args=[quiz.course_id, quiz.pk]))
    assert "learner of box box-caen" in results.content.decode()
    grading = reverse("assessment:grading", args=[received.pk])
    assert "Je me suis levée tôt." in client.get(grading).content.decode()
    response = client.post(grading, {"slot": "2", "mark": "0,5", "comment": "Bien, mais court."})
    assert response.status_code == 302
    received.refresh_from_db()
    assert received.grade == pytest.approx(7.5)

    # The feedback bundle carries the grading back; the box regrades its own attempt.
    back = feedback_to_box(sides, box, stick / "f1")
    assert back.skipped == 0
    on_box.refresh_from_db()
    assert on_box.sum_marks == pytest.approx(1.5) and on_box.grade == pytest.approx(7.5)
    essay = on_box.questions.get(slot=2)
    assert essay.mark == pytest.approx(0.5)
    graded = AuditEvent.objects.filter(action="quiz.question_graded").order_by("pk").last()
    assert graded.actor is None and graded.details["learner"] == "lea"
    assert Entry.objects.filter(kind="attempt", user=learner, payload__graded_by="tess").exists()
    grade = Grade.objects.get(user=learner, activity=quiz)
    # Released as the review options say (marks shown right after the attempt).
    assert grade.grade == pytest.approx(7.5) and grade.released_at == on_box.finished_at
    html = signed_in(learner).get(reverse("assessment:review", args=[on_box.pk])).content.decode()
    assert "Teacher's comment: Bien, mais court." in html and "7.50 / 10.00" in html

    # The box's entry of that grading, back on the hub, changes nothing there.
    before = list(received.questions.values_list("actions", flat=True))
    # (One database for both sides: the hub's own outbox is not the box's to send.)
    Entry.objects.filter(user__username="lea.moreau").delete()
    work_to_hub(sides, hub, stick / "w2")
    assert list(received.questions.values_list("actions", flat=True)) == before
    assert AuditEvent.objects.filter(action="exchange.attempt_recorded").count() == 1


def test_a_grade_held_back_by_the_review_options_stays_hidden_on_the_box(
    sides, peers, course, learner, teacher, stick: Path
) -> None:
    hub, box = peers
    quiz = university_quiz(course, review=replace(quizdata.DEFAULT_REVIEW, marks=quizdata.NEVER))
    on_box = answer(learner, quiz)
    work_to_hub(sides, hub, stick / "w1")
    quizzes.grade_question(actor=teacher, attempt=hub_attempt(), slot=2, mark=1.0, comment="Oui")
    feedback_to_box(sides, box, stick / "f1")
    on_box.refresh_from_db()
    assert on_box.grade == pytest.approx(10.0)
    grade = Grade.objects.get(user=learner, activity=quiz)
    assert grade.grade == pytest.approx(10.0) and grade.released_at is None


def test_an_attempt_received_again_records_nothing_new_and_a_later_grading_updates_it(
    sides, peers, quiz, learner, teacher, stick: Path
) -> None:
    hub, _box = peers
    answer(learner, quiz)
    work_to_hub(sides, hub, stick / "w1")
    received = hub_attempt()
    state = list(received.questions.values().order_by("slot"))
    with sides.on("hub"):
        assert actions.apply(actor=None, path=stick / "w1").again
    work_to_hub(sides, hub, stick / "w2")  # not acknowledged: the same entries again
    assert list(received.questions.values().order_by("slot")) == state
    # The same entry under another id (a box's outbox rebuilt): the attempt is held already.
    entry = finished_entry(learner)
    with sides.on("hub"), transaction.atomic():
        again = actions.WorkEntry(10_000, entry.kind, entry.created_at, entry.payload)
        assert hubquiz.record_attempt(_box, again, {}) is True
        # Of another seed: another attempt of that number (one made on the hub): left out.
        other = copy.deepcopy(entry.payload)
        other["replay"]["seed"] = "0" * 32
        assert hubquiz.record_attempt(_box, spoilt(entry, lambda p: p.update(other)), {}) is False
    assert list(received.questions.values().order_by("slot")) == state
    assert Attempt.objects.filter(user__username="box-caen.lea").count() == 1
    assert AuditEvent.objects.filter(action="exchange.attempt_recorded").count() == 1

    # A teacher of the box grades the essay there: the hub's copy follows.
    on_box = Attempt.objects.get(user=learner)
    quizzes.grade_question(actor=teacher, attempt=on_box, slot=2, mark=0.25, comment="Court")
    work_to_hub(sides, hub, stick / "w3")
    received.refresh_from_db()
    assert received.questions.get(slot=2).mark == pytest.approx(0.25)
    assert received.grade == pytest.approx(6.25)
    assert AuditEvent.objects.filter(action="exchange.attempt_recorded").count() == 2


def test_an_attempt_the_hub_cannot_rebuild_is_counted_and_left_out(
    sides, peers, quiz, learner, stick: Path
) -> None:
    hub, _box = peers
    answer(learner, quiz)
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    # The hub's quiz is another one: its key and idnumber are not the box's.
    Activity.objects.filter(pk=quiz.pk).update(source_key="quiz-78", idnumber="")
    out = io.StringIO()
    with sides.on("hub"):
        call_command("exchange", "import", str(stick / "w1"), stdout=out)
    assert "1 quiz attempts were kept but not put up for grading" in out.getvalue()
    applied = AuditEvent.objects.filter(action="exchange.applied").order_by("pk").last()
    assert applied.details["left_out_attempts"] == 1  # the start of it is not counted
    assert not Attempt.objects.exclude(user=learner).exists()


def test_an_attempt_at_a_question_the_hub_holds_otherwise_is_left_out(
    sides, peers, quiz, learner, stick: Path
) -> None:
    hub, box = peers
    answer(learner, quiz)
    entry = finished_entry(learner)
    # The hub's bank holds another text for the essay: not the question the learner answered.
    Question.objects.filter(course=quiz.course, source_id=105).update(text="<p>Autre</p>")
    with sides.on("hub"), transaction.atomic():
        assert hubquiz.record_attempt(box, entry, {}) is False
    assert not Attempt.objects.exclude(user=learner).exists()
    assert work_to_hub(sides, hub, stick / "w1").left_out_attempts == 1


def spoilt(entry: actions.WorkEntry, change) -> actions.WorkEntry:
    payload = copy.deepcopy(entry.payload)
    change(payload)
    return actions.WorkEntry(entry.id, entry.kind, entry.created_at, payload)


def test_a_malformed_or_hostile_attempt_is_left_out(peers, quiz, learner) -> None:
    _hub, box = peers
    answer(learner, quiz)
    entry = finished_entry(learner)
    slots = lambda p: p["replay"]["slots"]  # noqa: E731
    changes = [
        lambda p: p.pop("replay"),  # a box of before: nothing to rebuild it from
        lambda p: p.update(number="1"),
        lambda p: p["replay"].update(seed=""),
        lambda p: p["replay"].update(finished_at="hier"),
        lambda p: p["replay"].update(pages=[[1]]),  # a question on no page
        lambda p: slots(p)[0].update(slot=2),  # twice the same slot
        lambda p: slots(p)[0].update(behaviour="whatever"),
        lambda p: slots(p)[0].update(max_mark=float("inf")),
        lambda p: slots(p)[0].update(question_sha256="0" * 64),
        lambda p: slots(p)[0].update(layout={"type": "Nothing"}),
        lambda p: slots(p)[1].update(actions=[{"type": "Save"}]),
        lambda p: slots(p)[1]["actions"][0].update(  # a file that came in no bundle
            response={"type": "EssayResponse", "text": "x", "files": [
                {"sha256": "a" * 64, "name": "x.pdf", "mimetype": "application/pdf", "size": 1}
            ]}
        ),
    ]  # fmt: skip
    with transaction.atomic():
        for number, change in enumerate(changes):
            assert hubquiz.record_attempt(box, spoilt(entry, change), {}) is False, number
        # Its start: nothing to grade, not left out.
        started = Entry.objects.get(kind="attempt", user=learner, payload__state="inprogress")
        start = actions.WorkEntry(started.pk, "attempt", started.created_at, started.payload)
        assert hubquiz.record_attempt(box, start, {}) is None
    assert not Attempt.objects.exclude(user=learner).exists()
    assert (
        not BoxAccount.objects.exists()
        or not Attempt.objects.filter(user__box_account__isnull=False).exists()
    )


def test_a_hub_grading_the_box_cannot_give_is_left_out(peers, quiz, learner) -> None:
    from cartable.exchange import boxquiz

    hub, _box = peers
    on_box = answer(learner, quiz)
    base = {
        "course": {"source": "moodle", "id": "42"},
        "activity": {"key": "quiz-77"},
        "user": {"username": "lea"},
        "graded_by": "tess",
        "number": 1,
        "slot": 2,
        "mark": 0.5,
        "comment": "Bien",
        "replay": {"seed": on_box.seed},
    }
    spoilt = [
        {"number": 2},  # no such attempt
        {"replay": {"seed": "0" * 32}},  # another attempt of that number (the hub's own)
        {"slot": "2"},
        {"mark": "0,5"},
        {"mark": 3.0},  # more than the question's mark
        {"slot": 9},
        {"user": {"username": "omar"}},
        {"activity": {"key": "quiz-78"}},
    ]
    with transaction.atomic():
        for change in spoilt:
            assert boxquiz.give_back(hub, {**base, **change}) is False, change
    on_box.refresh_from_db()
    assert on_box.grade is None
    with transaction.atomic():
        assert boxquiz.give_back(hub, base) is True
    on_box.refresh_from_db()
    assert on_box.grade == pytest.approx(7.5)
