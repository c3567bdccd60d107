"""Work received on the hub goes up for grading (exchange.hubwork): a box learner's submission
becomes a submission of their account on the hub, which the hub's teacher sees and grades in
the usual assignment pages; the grade goes back to the box in the feedback bundle. One
database for both sides here (tests.exchangesides): the hub's accounts are not the box's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from cartable.accounts.models import Institution, Role, User
from cartable.assignments import actions as assignments
from cartable.assignments.models import Submission, SubmissionFile
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.exchange import actions
from cartable.exchange.matching import Match
from cartable.exchange.models import BoxAccount, Peer, ReceivedEntry
from cartable.grades.models import Grade
from tests.assignwork import PDF, homework, pdf
from tests.conftest import build_course, make_user, signed_in
from tests.exchangesides import Sides

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def letter(course: Course) -> Activity:
    """The university's assignment, as both sides imported it from its Moodle."""
    Course.objects.filter(pk=course.pk).update(source="moodle", source_id="42")
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311", idnumber="LETTRE")
    work.refresh_from_db()
    return work


def hand_in(learner: User, work: Activity, text: str = "Ma lettre", *, submit: bool = True) -> None:
    assignments.save_draft(actor=learner, activity=work, text=text, uploads=[pdf("lettre.pdf")])
    if submit:
        assignments.submit(actor=learner, activity=work)


def work_to_hub(sides: Sides, hub: Peer, path: Path) -> actions.Applied:
    actions.export(actor=None, peer=hub, kind="work", destination=path)
    with sides.on("hub"):
        return actions.apply(actor=None, path=path)


def feedback_to_box(sides: Sides, box: Peer, path: Path) -> actions.Applied:
    with sides.on("hub"):
        actions.export(actor=None, peer=box, kind="feedback", destination=path)
    return actions.apply(actor=None, path=path)


def hub_state() -> tuple:
    return (
        list(Submission.objects.values().order_by("pk")),
        list(SubmissionFile.objects.values().order_by("pk")),
        list(User.objects.values_list("username", flat=True).order_by("pk")),
        list(Enrolment.objects.values().order_by("pk")),
        AuditEvent.objects.filter(
            action__in=["exchange.work_recorded", "account.created", "enrolment.created"]
        ).count(),
    )


def test_the_hub_teacher_grades_a_box_learners_work_in_the_usual_pages(
    sides, peers, letter, learner, teacher, stick: Path
) -> None:
    hub, box = peers
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    hand_in(learner, letter)

    applied = work_to_hub(sides, hub, stick / "w1")
    assert applied.left_out == 0
    account = User.objects.get(username="lea.moreau")
    # Made on the hub for the matched learner: no establishment, nobody signs in with it.
    assert account.role == Role.LEARNER and account.establishment is None
    assert not account.has_usable_password()
    assert account.last_name == "(learner of box box-caen)"
    assert Enrolment.objects.filter(
        user=account, course=letter.course, role=Enrolment.Role.LEARNER
    ).exists()
    received = Submission.objects.get(learner=account, activity=letter)
    assert received.status == Submission.Status.SUBMITTED and received.attempt == 1
    assert "Ma lettre" in received.text and received.submitted_at is not None
    copy = received.files.get()
    assert copy.filename == "lettre.pdf" and copy.size == len(PDF)
    assert copy.blob_id == SubmissionFile.objects.get(submission__learner=learner).blob_id
    created = AuditEvent.objects.get(action="account.created", details__box_username="lea")
    assert created.details["box"] == "box-caen" and created.details["matched"] is True
    assert AuditEvent.objects.filter(
        action="enrolment.created", details__user="lea.moreau"
    ).exists()
    # The draft, then its submission: two entries, recorded one after the other.
    recorded = AuditEvent.objects.filter(action="exchange.work_recorded").order_by("pk")
    assert [event.details["status"] for event in recorded] == ["draft", "submitted"]
    recorded = recorded.last()
    assert recorded.details["learner"] == "lea.moreau" and recorded.details["files"] == 1

    # The hub's teacher finds it in the assignment's pages, and grades it there.
    client = signed_in(teacher)
    listing = client.get(reverse("assignments:submissions", args=[letter.course_id, letter.pk]))
    assert listing.status_code == 200
    assert "learner of box box-caen" in listing.content.decode()
    grading = reverse("assignments:grade", args=[letter.course_id, letter.pk, account.pk])
    page = client.get(grading).content.decode()
    assert "Ma lettre" in page and "lettre.pdf" in page
    download = client.get(reverse("assignments:file", args=[letter.course_id, letter.pk, copy.pk]))
    assert download.status_code == 200 and b"".join(download.streaming_content) == PDF
    response = client.post(
        grading, {"points": "15", "feedback": "Très bien argumenté.", "files": [pdf("corrige.pdf")]}
    )
    assert response.status_code == 302

    # The feedback bundle carries it back; the learner on the box sees it.
    back = feedback_to_box(sides, box, stick / "f1")
    assert back.skipped == 0
    grade = Grade.objects.get(user=learner, activity=letter)
    assert grade.grade == 15 and grade.files.get().filename == "corrige.pdf"
    seen = signed_in(learner).get(
        reverse("assignments:assignment", args=[letter.course_id, letter.pk])
    )
    text = seen.content.decode()
    assert "15 out of 20" in text and "Très bien argumenté." in text and "corrige.pdf" in text


def test_the_same_work_twice_records_nothing_new_and_a_later_entry_updates_it(
    sides, peers, letter, learner, stick: Path
) -> None:
    hub, _box = peers
    hand_in(learner, letter, submit=False)
    work_to_hub(sides, hub, stick / "w1")
    before = hub_state()
    with sides.on("hub"):
        assert actions.apply(actor=None, path=stick / "w1").again
    assert hub_state() == before
    # Not acknowledged: the next bundle carries the same entry again, recorded once.
    work_to_hub(sides, hub, stick / "w2")
    assert hub_state() == before

    # The learner changes her draft: the later entry updates the hub's copy.
    draft = Submission.objects.get(learner=learner)
    assignments.save_draft(
        actor=learner, activity=letter, text="Ma lettre, relue", remove=[draft.files.get().pk]
    )
    work_to_hub(sides, hub, stick / "w3")
    account = BoxAccount.objects.get(box_username="lea").user
    copy = Submission.objects.get(learner=account)
    assert "relue" in copy.text and copy.status == Submission.Status.DRAFT
    assert not copy.files.exists()
    assert Submission.objects.filter(learner=account).count() == 1


def test_an_unmatched_learner_gets_an_account_of_their_own_and_their_grade_goes_back(
    sides, peers, letter, learner, teacher, stick: Path
) -> None:
    hub, box = peers
    hand_in(learner, letter)
    out = io.StringIO()
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    with sides.on("hub"):
        call_command("exchange", "import", str(stick / "w1"), stdout=out)
    assert "left out" not in out.getvalue() and "not put up for grading" not in out.getvalue()
    held = BoxAccount.objects.select_related("user").get(peer=box, box_username="lea")
    account = held.user
    assert account.username == "box-caen.lea" and account.first_name == "lea"
    assert not account.has_usable_password() and account.establishment is None
    assert (
        AuditEvent.objects.get(action="account.created", target_id=str(account.pk)).details[
            "matched"
        ]
        is False
    )
    assert Submission.objects.filter(learner=account, activity=letter).exists()
    assignments.grade(actor=teacher, activity=letter, learner=account, points=12, feedback="Bien")

    feedback_to_box(sides, box, stick / "f1")
    assert Grade.objects.get(user=learner, activity=letter).grade == 12
    # Never sent to the university as anyone: it is not matched to one of its accounts.
    from cartable.exchange import university

    gathered = university.gather(letter.course)
    assert gathered.grades == [] and ("box-caen", "lea") in gathered.unmatched


def test_work_for_a_course_or_activity_the_hub_lacks_is_counted_and_left_out(
    sides, peers, letter, learner, institution, stick: Path
) -> None:
    hub, _box = peers
    own = homework(letter.course, title="Devoir de la box")  # no university key
    hand_in(learner, letter)
    hand_in(learner, own)
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "w1")
    # The hub does not hold the course the box's letter was handed in for.
    Course.objects.filter(pk=letter.course_id).update(source_id="43")
    out = io.StringIO()
    with sides.on("hub"):
        call_command("exchange", "import", str(stick / "w1"), stdout=out)
    # Two entries each (the draft, then its submission).
    assert "4 submissions were kept but not put up for grading" in out.getvalue()
    assert AuditEvent.objects.filter(action="exchange.applied").last().details["left_out"] == 4
    assert ReceivedEntry.objects.filter(kind="submission").count() == 4
    assert list(Submission.objects.values_list("learner__username", flat=True).distinct()) == [
        "lea"
    ]
    assert not BoxAccount.objects.exists()
    assert not AuditEvent.objects.filter(action="exchange.work_recorded").exists()


def test_a_learner_of_another_institution_never_appears_on_the_hub(
    sides, peers, letter, learner, other_learner, stick: Path
) -> None:
    hub, _box = peers
    rennes = build_course(Institution.objects.create(slug="univ-rennes", name="Rennes"), "R1")
    Course.objects.filter(pk=rennes.pk).update(source="moodle", source_id="77")
    elsewhere = homework(rennes, title="Lettre")
    Activity.objects.filter(pk=elsewhere.pk).update(source_key="assign-311")
    Enrolment.objects.create(user=other_learner, course=rennes)
    hand_in(other_learner, elsewhere)
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    assert not User.objects.filter(username__contains="omar").exclude(pk=other_learner.pk).exists()
    assert not BoxAccount.objects.filter(box_username="omar").exists()
    hub_account = BoxAccount.objects.get(box_username="lea").user
    assert list(
        Submission.objects.filter(learner=hub_account).values_list("activity", flat=True)
    ) == [letter.pk]


def test_a_matched_account_that_is_not_a_learners_is_left_out(
    sides, peers, letter, learner, establishment, stick: Path
) -> None:
    hub, box = peers
    make_user("prof.x", Role.TEACHER, establishment)
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="prof.x")])
    hand_in(learner, letter)
    applied = work_to_hub(sides, hub, stick / "w1")
    assert applied.left_out == 2  # the draft, then its submission
    assert not Submission.objects.filter(learner__username="prof.x").exists()
    assert not Enrolment.objects.filter(user__username="prof.x").exists()


def test_online_a_course_bundle_is_due_while_offered_courses_changed_since_the_last(
    sides, peers, letter
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from cartable.exchange import courses, outgoing
    from cartable.exchange.models import Exchange

    _hub, box = peers
    assert outgoing.course_due(box) is False
    courses.offer(actor=None, peer=box, course=letter.course)
    assert outgoing.course_due(box) is True
    assert outgoing.due(box) is None  # course bundles are numbered apart from the other kinds
    sent = Exchange.objects.create(
        direction=Exchange.Direction.OUT, peer=box, kind="course", sequence=1,
        result=Exchange.Result.DONE,
    )  # fmt: skip
    later = timezone.now() + timedelta(minutes=1)
    Exchange.objects.filter(pk=sent.pk).update(at=later)
    assert outgoing.course_due(box) is False
    Activity.objects.filter(pk=letter.pk).update(updated_at=later + timedelta(seconds=1))
    assert outgoing.course_due(box) is True
    courses.withdraw(actor=None, peer=box, course=letter.course)
    assert outgoing.course_due(box) is False


def test_a_username_matched_in_capitals_is_the_hubs_lowercase_account(
    sides, peers, letter, learner, teacher, stick: Path
) -> None:
    hub, box = peers
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="Lea.Moreau")])
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    account = User.objects.get(username="lea.moreau")
    assert Submission.objects.filter(learner=account).exists()
    assignments.grade(actor=teacher, activity=letter, learner=account, points=11)
    feedback_to_box(sides, box, stick / "f1")
    assert Grade.objects.get(user=learner, activity=letter).grade == 11


def test_malformed_work_is_left_out_and_a_learners_html_is_sanitised(
    sides, peers, letter, learner, stick: Path
) -> None:
    from django.db import transaction

    from cartable.outbox.actions import add

    hub, _box = peers
    base = {"attempt": 1, "status": "submitted", "files": [], "modified_at": None}
    with transaction.atomic():
        for spoilt in ({"status": "graded"}, {"attempt": "1"}, {"attempt": 0}, {"files": "x"}):
            add("submission", course=letter.course, activity=letter, user=learner,
                payload={**base, **spoilt})  # fmt: skip
        add("submission", course=letter.course, activity=letter, user=learner,
            payload={**base, "text_html": '<p onclick="x()">Bonjour</p><script>alert(1)</script>'})  # fmt: skip
    applied = work_to_hub(sides, hub, stick / "w1")
    assert applied.left_out == 4
    copy = Submission.objects.get(learner__username="box-caen.lea")
    assert "Bonjour" in copy.text and "script" not in copy.text and "onclick" not in copy.text
    assert copy.status == Submission.Status.SUBMITTED and copy.submitted_at is not None
