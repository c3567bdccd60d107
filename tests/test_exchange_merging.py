"""A box learner matched to a university account after the hub made an account of their own
for them (exchange.merging): the work that account received moves to the matched account
(submissions and files, grades, quiz attempts, enrolments), in one audited action, the most
recent work kept where both hold some for the same activity; the made account is retired.
One database for both sides (tests.exchangesides): the hub's accounts are not the box's."""

from __future__ import annotations

import io
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from cartable.accounts.models import Role, User
from cartable.assessment.models import Attempt
from cartable.assignments import actions as assignments
from cartable.assignments.models import Submission, SubmissionFile
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.exchange import actions
from cartable.exchange.matching import Match
from cartable.exchange.models import BoxAccount, Peer
from cartable.grades.models import Grade
from tests.assignwork import homework, pdf
from tests.conftest import make_user, signed_in
from tests.exchangesides import Sides
from tests.test_exchange_hubquiz import answer, university_quiz

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def letter(course: Course) -> Activity:
    Course.objects.filter(pk=course.pk).update(source="moodle", source_id="42")
    work = homework(course, title="Lettre")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311", idnumber="LETTRE")
    work.refresh_from_db()
    return work


def work_to_hub(sides: Sides, hub: Peer, path: Path) -> actions.Applied:
    actions.export(actor=None, peer=hub, kind="work", destination=path)
    with sides.on("hub"):
        return actions.apply(actor=None, path=path)


def hand_in(learner: User, work: Activity, text: str = "Ma lettre") -> None:
    assignments.save_draft(actor=learner, activity=work, text=text, uploads=[pdf("lettre.pdf")])
    assignments.submit(actor=learner, activity=work)


def made_account() -> User:
    return BoxAccount.objects.get(box_username="lea").user


def merges() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action="exchange.box_account_merged").order_by("pk"))


def test_matching_moves_the_made_accounts_work_and_retires_it(
    sides, peers, letter, learner, teacher, stick: Path, tmp_path: Path
) -> None:
    hub, box = peers
    quiz = university_quiz(letter.course)
    hand_in(learner, letter)
    answer(learner, quiz)
    work_to_hub(sides, hub, stick / "w1")
    made = made_account()
    assignments.grade(actor=teacher, activity=letter, learner=made, points=12, feedback="Bien")
    held = (
        Submission.objects.get(learner=made).pk,
        SubmissionFile.objects.get(submission__learner=made).pk,
        Grade.objects.get(user=made).pk,
        Attempt.objects.get(user=made).pk,
    )

    # Staff match her with the command line's CSV file.
    sheet = tmp_path / "comptes.csv"
    sheet.write_text("box_username,username\nlea,lea.moreau\n", encoding="utf-8")
    call_command("exchange", "learners", "--box", "box-caen", str(sheet), stdout=io.StringIO())

    real = User.objects.get(username="lea.moreau")
    assert real.role == Role.LEARNER and not real.has_usable_password()
    submission = Submission.objects.get(pk=held[0])
    assert submission.learner == real and SubmissionFile.objects.get(pk=held[1]).submission_id
    grade = Grade.objects.get(pk=held[2])
    assert grade.user == real and grade.grade == 12
    assert Attempt.objects.get(pk=held[3]).user == real
    assert Enrolment.objects.filter(user=real, course=letter.course, role="learner").exists()
    assert not Enrolment.objects.filter(user=made).exists()
    # The made account is retired, not deleted: the audit names it.
    made.refresh_from_db()
    assert not made.is_active
    account = BoxAccount.objects.get(box_username="lea")
    assert account.merged_into == real and account.merged_at is not None
    [merged] = merges()
    assert merged.target_id == str(made.pk)
    assert merged.details["into"] == "lea.moreau" and merged.details["from"] == "box-caen.lea"
    assert merged.details["moved"] == {"submission": 1, "grade": 1, "attempt": 1}
    assert merged.details["conflicts"] == []
    assert AuditEvent.objects.filter(action="account.deactivated", target_id=str(made.pk)).exists()
    assert AuditEvent.objects.filter(action="enrolment.removed", details__user=made.username)
    assert AuditEvent.objects.get(action="exchange.learners_matched").details["merged"] == 1

    # Matching her again moves nothing.
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    assert len(merges()) == 1

    # Her next work goes to the matched account: her second attempt at the quiz.
    answer(learner, quiz)
    work_to_hub(sides, hub, stick / "w2")
    assert sorted(Attempt.objects.filter(user=real).values_list("number", flat=True)) == [1, 2]
    assert not Attempt.objects.filter(user=made).exists()

    # The grade still goes back to the box as hers.
    with sides.on("hub"):
        actions.export(actor=None, peer=box, kind="feedback", destination=stick / "f1")
    actions.apply(actor=None, path=stick / "f1")
    assert Grade.objects.get(user=learner, activity=letter).grade == 12


def older_or_newer(real: User, letter: Activity, *, newer: bool) -> Submission:
    """The matched account's own submission of the letter (recorded there before this fix,
    for instance), a day after, or before, the made account's."""
    theirs = Submission.objects.get(learner=made_account(), activity=letter)
    shift = timedelta(days=1 if newer else -1)
    return Submission.objects.create(
        activity=letter,
        learner=real,
        attempt=1,
        status=Submission.Status.SUBMITTED,
        text="<p>Autre copie</p>",
        modified_at=theirs.modified_at + shift,
        submitted_at=theirs.modified_at + shift,
    )


@pytest.mark.parametrize("newer", [True, False])
def test_when_both_accounts_hold_work_for_the_same_assignment_the_most_recent_is_kept(
    sides, peers, letter, learner, teacher, stick: Path, newer: bool
) -> None:
    hub, box = peers
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    made = made_account()
    assignments.grade(actor=teacher, activity=letter, learner=made, points=9)
    real = make_user("lea.moreau", Role.LEARNER, None)
    Enrolment.objects.create(user=real, course=letter.course)
    own = older_or_newer(real, letter, newer=newer)
    mine = Submission.objects.get(learner=made)

    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])

    kept = Submission.objects.get(learner=real, activity=letter)
    assert kept.pk == (own.pk if newer else mine.pk)
    assert not Submission.objects.filter(learner=made).exists()
    # The grade goes with the made account's work, when that is kept.
    assert Grade.objects.filter(user=real, activity=letter, grade=9).exists() is not newer
    assert not Grade.objects.filter(user=made).exists()
    [merged] = merges()
    [conflict] = merged.details["conflicts"]
    assert conflict["activity"] == letter.pk
    assert conflict["kept"] == ("matched" if newer else "made")
    assert conflict["matched_at"] == own.modified_at.isoformat()
    assert conflict["made_at"] == mine.modified_at.isoformat()
    # Already enrolled: no second enrolment.
    assert Enrolment.objects.filter(user=real, course=letter.course).count() == 1


def test_an_account_that_is_not_a_learners_gets_nothing(
    sides, peers, letter, learner, establishment, stick: Path
) -> None:
    hub, box = peers
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    made = made_account()
    make_user("prof.x", Role.TEACHER, establishment)
    actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="prof.x")])
    assert Submission.objects.filter(learner=made).exists()
    made.refresh_from_db()
    assert made.is_active and BoxAccount.objects.get(user=made).merged_at is None
    assert not merges()
    assert AuditEvent.objects.filter(
        action="exchange.box_account_not_merged", target_id=str(made.pk)
    ).exists()


def test_matching_on_the_learners_page_moves_the_work_too(
    sides, peers, letter, learner, admin, stick: Path
) -> None:
    hub, box = peers
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    made = made_account()
    csv = "box_username,username\nlea,lea.moreau\n"
    client = signed_in(admin)
    preview = client.post(reverse("exchange:learners"), {"box": box.pk, "text": csv})
    assert preview.status_code == 200 and Submission.objects.filter(learner=made).exists()
    response = client.post(
        reverse("exchange:learners"), {"box": box.pk, "text": csv, "confirm": "1"}
    )
    assert response.status_code == 302
    assert Submission.objects.get(learner__username="lea.moreau").activity == letter
    [merged] = merges()
    assert merged.actor == admin


def test_a_merge_cut_short_moves_nothing(sides, peers, letter, learner, stick, monkeypatch) -> None:
    from cartable.exchange import merging

    hub, box = peers
    hand_in(learner, letter)
    work_to_hub(sides, hub, stick / "w1")
    made = made_account()

    def fails(**_kwargs) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(merging.accounts, "set_active", fails)
    with pytest.raises(RuntimeError):
        actions.match_learners(actor=None, peer=box, matches=[Match("lea", username="lea.moreau")])
    # One transaction: the match, the moves, the new account and their audit rows, or nothing.
    assert Submission.objects.filter(learner=made).exists()
    assert Enrolment.objects.filter(user=made).exists()
    assert not User.objects.filter(username="lea.moreau").exists()
    assert BoxAccount.objects.get(user=made).merged_at is None
    assert not AuditEvent.objects.filter(action="exchange.learners_matched").exists()
