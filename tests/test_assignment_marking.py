"""Moodle's marking workflow on assignments: a grade stays hidden from its learner (grade,
comment, feedback files, gradebook, recent feedback) until its state is "released"; teachers
move learners through the states one by one or in bulk (audited, in the outbox); taking a
learner back from "released" hides the grade again. With marking allocation, a marker per
learner, one of the course's teachers."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cartable.accounts.models import Role
from cartable.assignments import actions
from cartable.assignments.actions import Refused
from cartable.assignments.models import Marking
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Enrolment
from cartable.grades.models import FeedbackFile, Grade
from cartable.importers.model import Scale
from cartable.learning.models import ActivityProgress
from cartable.outbox.models import Entry
from tests.assignwork import homework, pdf
from tests.conftest import make_user, signed_in

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english(settings) -> None:
    settings.LANGUAGE_CODE = "en"


def workflow(course, **settings):
    return homework(course, title="Mémoire", marking_workflow=True, **settings)


def page_of(work) -> str:
    return reverse("assignments:assignment", args=[work.course_id, work.pk])


def grading_of(work, learner) -> str:
    return reverse("assignments:grade", args=[work.course_id, work.pk, learner.pk])


def marking_of(work) -> str:
    return reverse("assignments:marking", args=[work.course_id, work.pk])


def learner_sees(work, learner) -> dict[str, bool]:
    client = signed_in(learner)
    own = client.get(page_of(work)).content.decode()
    book = client.get(f"/courses/{work.course_id}/my-grades/").content.decode()
    files = [
        client.get(
            reverse("assignments:feedback_file", args=[work.course_id, work.pk, f.pk])
        ).status_code
        for f in FeedbackFile.objects.filter(grade__user=learner)
    ]
    return {
        "grade": "17 out of 20" in own,
        "comment": "Très bonne analyse" in own or "Très bonne analyse" in book,
        "gradebook": "17 / 20" in book,
        "files": bool(files) and all(code == 200 for code in files),
    }


NOTHING = {"grade": False, "comment": False, "gradebook": False, "files": False}
EVERYTHING = {"grade": True, "comment": True, "gradebook": True, "files": True}


def test_the_learner_sees_nothing_before_release_then_everything(course, learner, teacher) -> None:
    work = workflow(course)
    for state in ("notmarked", "inmarking", "readyforreview", "inreview", "readyforrelease"):
        actions.grade(
            actor=teacher,
            activity=work,
            learner=learner,
            points=17,
            feedback="Très bonne analyse",
            uploads=[] if FeedbackFile.objects.exists() else [pdf("corrige.pdf")],
            state=state,
        )
        assert Grade.objects.get().released_at is None, state
        assert learner_sees(work, learner) == NOTHING, state
    assert "Ready for release" in signed_in(learner).get(page_of(work)).content.decode()
    changed = actions.set_marking_state(
        actor=teacher, activity=work, learners=[learner], state="released"
    )
    assert changed == 1 and Grade.objects.get().released_at is not None
    assert learner_sees(work, learner) == EVERYTHING
    # The university is told of the release with the grade, as Moodle's gradebook gets it.
    released = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert released.payload["grade"] == 17
    marking = Entry.objects.filter(kind="submission", user=learner).latest("pk")
    assert marking.payload["marking"]["state"] == "released"


def test_taking_a_grade_back_from_released_hides_it_again(course, learner, teacher) -> None:
    work = workflow(course)
    actions.grade(
        actor=teacher,
        activity=work,
        learner=learner,
        points=17,
        feedback="Très bonne analyse",
        state="released",
    )
    assert learner_sees(work, learner)["grade"]
    actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state="inreview")
    assert Grade.objects.get().released_at is None
    assert learner_sees(work, learner) == NOTHING
    assert AuditEvent.objects.filter(action="grade.withheld").count() == 1
    # A changed grade while released stays shown; graded again in review, hidden.
    actions.grade(
        actor=teacher, activity=work, learner=learner, points=16, feedback="x", state="released"
    )
    first = Grade.objects.get().released_at
    actions.grade(actor=teacher, activity=work, learner=learner, points=17, feedback="x")
    assert Grade.objects.get().released_at is not None and first is not None
    actions.grade(
        actor=teacher, activity=work, learner=learner, points=18, feedback="x", state="inmarking"
    )
    assert Grade.objects.get().released_at is None


def test_every_state_change_is_audited_and_in_the_outbox(course, learner, teacher) -> None:
    work = workflow(course)
    for state in ("inmarking", "readyforreview", "inmarking", "released"):
        actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state=state)
    # The same state again changes nothing.
    assert (
        actions.set_marking_state(
            actor=teacher, activity=work, learners=[learner], state="released"
        )
        == 0
    )
    events = AuditEvent.objects.filter(action="assign.marking_changed").order_by("pk")
    assert [(e.details["from"], e.details["to"]) for e in events] == [
        ("notmarked", "inmarking"),
        ("inmarking", "readyforreview"),
        ("readyforreview", "inmarking"),
        ("inmarking", "released"),
    ]
    entries = Entry.objects.filter(kind="submission", payload__has_key="marking")
    assert entries.count() == 4
    assert Marking.objects.get().state == "released"


@pytest.mark.parametrize("state", ["", "done", "RELEASED", "released\x00"])
def test_a_state_that_is_not_moodles_is_refused(course, learner, teacher, state) -> None:
    work = workflow(course)
    with pytest.raises(Refused):
        actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state=state)
    with pytest.raises(Refused):
        actions.grade(actor=teacher, activity=work, learner=learner, points=3, state=state)
    assert not Marking.objects.exists() and not Grade.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="assign.").exists()


def test_without_a_workflow_states_are_refused_and_grades_released_at_once(
    course, learner, teacher
) -> None:
    work = homework(course)
    with pytest.raises(Refused, match="no marking workflow"):
        actions.set_marking_state(
            actor=teacher, activity=work, learners=[learner], state="released"
        )
    row = actions.grade(actor=teacher, activity=work, learner=learner, points=12, state="inmarking")
    assert row.released_at is not None and not Marking.objects.exists()


def test_a_grade_from_the_university_is_released(course, learner, teacher) -> None:
    work = workflow(course)
    row = actions.grade(actor=None, activity=work, learner=learner, points=14)
    assert row.released_at is not None
    assert Marking.objects.get().state == "released"


def test_completion_by_grade_waits_for_the_release(course, learner, teacher) -> None:
    work = workflow(course)
    work.completion = {"tracking": "automatic", "grade": True}
    work.save(update_fields=["completion"])
    actions.grade(actor=teacher, activity=work, learner=learner, points=14, state="inreview")
    done = ActivityProgress.objects.filter(activity=work, user=learner, completed_at__isnull=False)
    assert not done.exists()
    actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state="released")
    assert done.exists()


def test_a_scale_grade_is_released_with_its_value(course, learner, teacher) -> None:
    scale = Scale(4, "Niveaux", ("Insuffisant", "Bien"))
    work = workflow(course, grade=-4.0, scale=scale)
    actions.grade(actor=teacher, activity=work, learner=learner, points=None, scale_item="Bien")
    assert Grade.objects.get().released_at is None
    assert "Bien" not in signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()
    actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state="released")
    entry = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert (entry.payload["scale_item"], entry.payload["scale_value"]) == ("Bien", 2)
    assert Grade.objects.get().released_at is not None
    assert "Bien" in signed_in(learner).get(f"/courses/{course.pk}/my-grades/").content.decode()


# --- The pages ---------------------------------------------------------------------------------


def test_the_teacher_grades_with_a_state_on_the_page(course, learner, teacher) -> None:
    work = workflow(course)
    client = signed_in(teacher)
    page = client.get(grading_of(work, learner)).content.decode()
    assert 'name="state"' in page and "only once their state is “Released”" in page
    response = client.post(
        grading_of(work, learner), {"points": "17", "feedback": "Bien", "state": "inreview"}
    )
    assert response.status_code == 302
    assert Marking.objects.get().state == "inreview"
    assert Grade.objects.get().released_at is None
    bad = client.post(
        grading_of(work, learner), {"points": "17", "feedback": "Bien", "state": "fini"}
    )
    assert bad.status_code == 400 and Marking.objects.get().state == "inreview"


def test_the_teacher_releases_the_ticked_learners(course, learner, other_learner, teacher) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    work = workflow(course)
    for person in (learner, other_learner):
        actions.grade(
            actor=teacher, activity=work, learner=person, points=17, feedback="Très bonne analyse"
        )
    client = signed_in(teacher)
    listing = client.get(reverse("assignments:submissions", args=[course.pk, work.pk]))
    text = listing.content.decode()
    assert 'name="learners"' in text and "Apply to the ticked learners" in text
    assert text.count("not shown yet") == 2
    response = client.post(marking_of(work), {"state": "released", "learners": [learner.pk]})
    assert response.status_code == 302
    assert learner_sees(work, learner)["grade"] and not learner_sees(work, other_learner)["grade"]
    follow = client.get(reverse("assignments:submissions", args=[course.pk, work.pk]))
    assert "1 learner moved to “Released”" in follow.content.decode()


def test_bulk_bad_input_changes_nothing(course, learner, other_learner, teacher) -> None:
    work = workflow(course)
    client = signed_in(teacher)
    for data in (
        {"state": "released"},  # nobody ticked
        {"state": "bientôt", "learners": [learner.pk]},
        {"state": "released", "learners": ["abc"]},
    ):
        assert client.post(marking_of(work), data).status_code == 302
    # A learner of another course (not followed by this teacher): not found.
    assert (
        client.post(marking_of(work), {"state": "released", "learners": [other_learner.pk]})
    ).status_code == 404
    assert not Marking.objects.exists()
    assert not AuditEvent.objects.filter(action="assign.marking_changed").exists()


def test_a_learner_cannot_release_their_own_grade(course, learner, teacher) -> None:
    work = workflow(course)
    actions.grade(actor=teacher, activity=work, learner=learner, points=17, feedback="x")
    response = signed_in(learner).post(
        marking_of(work), {"state": "released", "learners": [learner.pk]}
    )
    assert response.status_code == 404
    assert Grade.objects.get().released_at is None and not Marking.objects.exists()


# --- Marking allocation ---------------------------------------------------------------------


def test_a_marker_is_one_of_the_course_teachers(course, learner, teacher, establishment) -> None:
    work = workflow(course, marking_allocation=True)
    stranger = make_user("tom", Role.TEACHER, establishment, first_name="Tom")
    with pytest.raises(Refused, match="one of the course's teachers"):
        actions.allocate_marker(actor=teacher, activity=work, learner=learner, marker=stranger)
    with pytest.raises(Refused, match="one of the course's teachers"):
        actions.allocate_marker(actor=teacher, activity=work, learner=learner, marker=learner)
    assert not Marking.objects.exists()
    actions.allocate_marker(actor=teacher, activity=work, learner=learner, marker=teacher)
    actions.allocate_marker(actor=teacher, activity=work, learner=learner, marker=teacher)
    assert Marking.objects.get().marker == teacher
    events = AuditEvent.objects.filter(action="assign.marker_allocated")
    assert events.count() == 1 and events.get().details["marker"] == "tess"
    entry = Entry.objects.filter(kind="submission", payload__has_key="marking").get()
    assert entry.payload["marking"]["marker"] == "tess"
    plain = workflow(course)
    with pytest.raises(Refused, match="does not allocate"):
        actions.allocate_marker(actor=teacher, activity=plain, learner=learner, marker=teacher)


def test_the_teacher_allocates_on_the_page_and_lists_their_learners(
    course, learner, other_learner, teacher
) -> None:
    Enrolment.objects.create(user=other_learner, course=course)
    work = workflow(course, marking_allocation=True)
    client = signed_in(teacher)
    assert 'name="marker"' in client.get(grading_of(work, learner)).content.decode()
    response = client.post(
        grading_of(work, learner),
        {"feedback": "", "state": "inmarking", "marker": str(teacher.pk)},
    )
    assert response.status_code == 302
    assert (Marking.objects.get().marker, Marking.objects.get().state) == (teacher, "inmarking")
    bad = client.post(
        grading_of(work, other_learner),
        {"feedback": "", "state": "inmarking", "marker": str(other_learner.pk)},
    )
    assert bad.status_code == 400 and Marking.objects.count() == 1
    mine = client.get(
        reverse("assignments:submissions", args=[course.pk, work.pk]) + "?mine=1"
    ).content.decode()
    assert learner.display_name in mine and other_learner.display_name not in mine


def test_the_outbox_says_whether_a_grade_is_released(course, learner, teacher) -> None:
    work = workflow(course)
    actions.grade(actor=teacher, activity=work, learner=learner, points=11, state="inreview")
    held = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert held.payload["released"] is False
    actions.set_marking_state(actor=teacher, activity=work, learners=[learner], state="released")
    shown = Entry.objects.filter(kind="grade", user=learner).latest("pk")
    assert shown.pk != held.pk and shown.payload["released"] is True
