"""Team assignments (Moodle's teamsubmission): the work one member hands in is the team's,
copied to every member; submitted for the whole team, or, when every member must submit it
(requireallteammemberssubmit), once the last one has; a learner in no group (or several)
shares Moodle's default team, or may not hand in when the assignment says so
(preventsubmissionnotingroup); a teacher's grade goes to the whole team when asked ("apply to
all team members", the default). Each write audited and in the outbox for every member."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cartable.accounts.models import Cohort, Role
from cartable.assignments import actions, rules
from cartable.assignments.actions import Refused
from cartable.assignments.models import Submission
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Enrolment
from cartable.grades.models import FeedbackFile, Grade
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from tests.assignwork import homework, pdf
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def zoe(establishment, course):
    person = make_user("zoe", Role.LEARNER, establishment, first_name="Zoé", last_name="Petit")
    Enrolment.objects.create(user=person, course=course)
    return person


@pytest.fixture
def team_a(establishment, course, learner, other_learner):
    Enrolment.objects.create(user=other_learner, course=course)
    group = Cohort.objects.create(establishment=establishment, name="Équipe A")
    group.members.add(learner, other_learner)
    return group


def project(course, **settings):
    return homework(course, title="Projet", team_submission=True, **settings)


@pytest.mark.parametrize(
    ("groups", "team"), [(set(), None), ({4}, 4), ({4, 5}, None), (frozenset({9}), 9)]
)
def test_a_learners_team_is_their_one_group(groups, team) -> None:
    assert rules.team_of(groups) == team


@pytest.mark.parametrize(
    ("submitted", "require_all", "result"),
    [
        ([True, False], False, True),
        ([True, False], True, False),
        ([True, True], True, True),
        ([False, False], False, False),
        ([], False, False),
    ],
)
def test_when_a_teams_work_goes_for_grading(submitted, require_all, result) -> None:
    assert rules.team_submitted(submitted, require_all=require_all) is result


def test_the_work_of_one_member_is_the_teams(course, learner, other_learner, team_a, zoe) -> None:
    work = project(course)
    actions.save_draft(actor=learner, activity=work, text="Notre plan", uploads=[pdf()])
    rows = {s.learner_id: s for s in Submission.objects.filter(activity=work)}
    assert set(rows) == {learner.pk, other_learner.pk}  # Zoé is in another (the default) team
    assert rows[other_learner.pk].text == "<p>Notre plan</p>"
    assert [f.filename for f in rows[other_learner.pk].files.all()] == ["copie.pdf"]
    entries = Entry.objects.filter(kind="submission", activity=work)
    assert sorted(e.user_id for e in entries) == sorted([learner.pk, other_learner.pk])
    event = AuditEvent.objects.get(action="assign.draft_saved")
    assert event.details["team"] == "Équipe A"
    # Omar changes the team's work: Léa reads it.
    actions.save_draft(actor=other_learner, activity=work, text="Notre plan, revu")
    assert Submission.objects.get(learner=learner).text == "<p>Notre plan, revu</p>"


def test_one_member_submits_for_the_team(course, learner, other_learner, team_a) -> None:
    work = project(course)
    actions.save_draft(actor=learner, activity=work, text="Rendu")
    actions.submit(actor=learner, activity=work)
    statuses = set(Submission.objects.filter(activity=work).values_list("status", flat=True))
    assert statuses == {"submitted"}
    done = ActivityProgress.objects.filter(activity=work, completed_at__isnull=False)
    assert set(done.values_list("user_id", flat=True)) == {learner.pk, other_learner.pk}
    with pytest.raises(Refused, match="already submitted"):
        actions.save_draft(actor=other_learner, activity=work, text="Trop tard")


def test_when_every_member_must_submit_it_waits_for_the_last(
    course, learner, other_learner, team_a
) -> None:
    work = project(course, team_require_all=True)
    actions.save_draft(actor=learner, activity=work, text="Rendu")
    actions.submit(actor=learner, activity=work)
    rows = {s.learner_id: s for s in Submission.objects.filter(activity=work)}
    assert {s.status for s in rows.values()} == {"draft"}
    assert rows[learner.pk].member_submitted_at is not None
    assert rows[other_learner.pk].member_submitted_at is None
    event = AuditEvent.objects.get(action="assign.member_submitted")
    assert event.details["waiting"] == ["omar"]
    page = signed_in(other_learner).get(
        reverse("assignments:assignment", args=[course.pk, work.pk])
    )
    assert "Still to submit: Omar Haddad" in page.content.decode()
    # Léa has submitted: she can no longer change it; Omar still can, then submits.
    with pytest.raises(Refused, match="waits for the other members"):
        actions.save_draft(actor=learner, activity=work, text="Encore")
    actions.save_draft(actor=other_learner, activity=work, text="Rendu final")
    actions.submit(actor=other_learner, activity=work)
    rows = {s.learner_id: s for s in Submission.objects.filter(activity=work)}
    assert {s.status for s in rows.values()} == {"submitted"}
    assert {s.text for s in rows.values()} == {"<p>Rendu final</p>"}
    assert AuditEvent.objects.filter(action="assign.submitted").count() == 1
    # Submitting again (a resent form) changes nothing.
    actions.submit(actor=learner, activity=work)
    assert AuditEvent.objects.filter(action="assign.submitted").count() == 1


def test_learners_in_no_group_share_the_default_team(
    course, learner, other_learner, zoe, establishment
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    two = [Cohort.objects.create(establishment=establishment, name=n) for n in ("G1", "G2")]
    for group in two:
        group.members.add(other_learner)  # in two groups: Moodle's default team too
    work = project(course)
    actions.save_draft(actor=zoe, activity=work, text="Nous trois")
    texts = dict(Submission.objects.values_list("learner__username", "text"))
    assert texts == {
        "zoe": "<p>Nous trois</p>",
        "lea": "<p>Nous trois</p>",
        "omar": "<p>Nous trois</p>",
    }


def test_a_learner_outside_any_one_group_may_be_kept_out(
    course, learner, other_learner, team_a, zoe
) -> None:
    work = project(course, team_prevent_not_in_group=True)
    with pytest.raises(Refused, match="no group"):
        actions.save_draft(actor=zoe, activity=work, text="Moi seule")
    with pytest.raises(Refused, match="no group"):
        actions.submit(actor=zoe, activity=work)
    assert not Submission.objects.exists() and not Entry.objects.exists()
    page = signed_in(zoe).get(reverse("assignments:assignment", args=[course.pk, work.pk]))
    assert "ask your teacher to put you in one" in page.content.decode()
    actions.save_draft(actor=learner, activity=work, text="Équipe A")  # in one group: fine
    assert Submission.objects.count() == 2


def test_the_grade_goes_to_the_whole_team_when_asked(
    course, learner, other_learner, team_a, teacher
) -> None:
    work = project(course)
    actions.save_draft(actor=learner, activity=work, text="Rendu")
    actions.submit(actor=learner, activity=work)
    actions.grade(
        actor=teacher,
        activity=work,
        learner=learner,
        points=15,
        feedback="Bon travail d'équipe",
        uploads=[pdf("corrige.pdf")],
        team=True,
    )
    grades = {g.user_id: g for g in Grade.objects.filter(activity=work)}
    assert len({(g.grade, g.feedback) for g in grades.values()}) == 1
    assert grades[other_learner.pk].grade == 15 and "équipe" in grades[other_learner.pk].feedback
    assert set(grades) == {learner.pk, other_learner.pk}
    files = FeedbackFile.objects.filter(grade__activity=work)
    assert sorted(f.grade.user_id for f in files) == sorted([learner.pk, other_learner.pk])
    assert len({f.blob_id for f in files}) == 1
    # Only this learner, when the teacher unticks "apply to all".
    actions.grade(actor=teacher, activity=work, learner=other_learner, points=18, team=False)
    assert dict(Grade.objects.values_list("user_id", "grade")) == {
        learner.pk: 15,
        other_learner.pk: 18,
    }


def test_a_teacher_gives_the_teams_work_back_as_a_draft(
    course, learner, other_learner, team_a, teacher
) -> None:
    work = project(course, team_require_all=True)
    actions.save_draft(actor=learner, activity=work, text="Rendu")
    for person in (learner, other_learner):
        actions.submit(actor=person, activity=work)
    actions.revert_to_draft(actor=teacher, activity=work, learner=other_learner)
    rows = Submission.objects.filter(activity=work)
    assert {(s.status, s.member_submitted_at) for s in rows} == {("draft", None)}
    actions.save_draft(actor=learner, activity=work, text="Corrigé")  # editable again
    actions.submit(actor=learner, activity=work)
    actions.submit(actor=other_learner, activity=work)
    actions.reopen(actor=teacher, activity=work, learner=learner)
    assert set(Submission.objects.filter(attempt=2).values_list("learner_id", flat=True)) == {
        learner.pk,
        other_learner.pk,
    }


def test_the_teacher_grades_the_team_on_the_page(
    course, learner, other_learner, team_a, teacher
) -> None:
    work = project(course)
    actions.save_draft(actor=learner, activity=work, text="Rendu")
    client = signed_in(teacher)
    address = reverse("assignments:grade", args=[course.pk, work.pk, learner.pk])
    page = client.get(address).content.decode()
    assert 'name="team"' in page and "checked" in page.split('name="team"')[1][:40]
    assert "Équipe A" in page
    response = client.post(address, {"points": "12", "feedback": "", "team": "on"})
    assert response.status_code == 302
    assert dict(Grade.objects.values_list("user_id", "grade")) == {
        learner.pk: 12,
        other_learner.pk: 12,
    }
    page = (
        signed_in(other_learner)
        .get(reverse("assignments:assignment", args=[course.pk, work.pk]))
        .content.decode()
    )
    assert "Équipe A" in page and "Léa Moreau" in page and "12 out of 20" in page


def test_the_submissions_list_names_each_learners_team(
    course, learner, other_learner, team_a, zoe, teacher
) -> None:
    work = project(course)
    page = (
        signed_in(teacher)
        .get(reverse("assignments:submissions", args=[course.pk, work.pk]))
        .content.decode()
    )
    assert page.count("Équipe A") == 2 and page.count("the learners in no group") == 1


def test_the_default_team_never_reaches_another_establishment(
    course, learner, zoe, outsider_learner
) -> None:
    Enrolment.objects.create(user=outsider_learner, course=course)
    work = project(course)
    actions.save_draft(actor=zoe, activity=work, text="Chez nous")
    assert set(Submission.objects.values_list("learner__username", flat=True)) == {"zoe", "lea"}
    page = signed_in(zoe).get(reverse("assignments:assignment", args=[course.pk, work.pk]))
    assert "Olga" not in page.content.decode()
