"""Nothing lost (issue 12): course bundles are numbered apart from feedback bundles, so the
hub's grade can reach the box before the course it is for. A grade for a course (or activity)
not on the box yet, for a learner on it, is parked in the feedback bundle's transaction, said
and audited; once the course arrives and staff approve it, it is given as any feedback grade.
A grade for a learner not on this box is still left out."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import override_settings
from django.urls import reverse

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.exchange import actions, identity
from cartable.exchange.models import ParkedEntry, ReceivedEntry
from cartable.exchange.wire import bundle
from cartable.grades.models import Grade
from cartable.people.actions import enrol_many
from cartable.review.actions import approve_course
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

REAL = Path(__file__).resolve().parent / "fixtures" / "mbz" / "moodle44_tgz_multiple_mod_types.mbz"


@pytest.fixture(autouse=True)
def english(monkeypatch, settings) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def side(sides, tmp_path: Path):
    """``with side("hub"):`` — that side's keys and content store."""

    @contextmanager
    def on(name: str) -> Iterator[None]:
        with sides.on(name), override_settings(CONTENT_ROOT=tmp_path / f"{name}-content"):
            yield

    return on


@pytest.fixture
def offered(side, peers, stick: Path) -> Activity:
    """On the hub: a course offered to the box, its course bundle written (not applied yet);
    the hub's assignment in it."""
    _hub_peer, box_peer = peers
    with side("hub"):
        out = io.StringIO()
        call_command("import", str(REAL), "--json", "--publish", stdout=out)
        course = Course.objects.get(pk=json.loads(out.getvalue())["course"]["id"])
        call_command("exchange", "offer", "--course", course.shortname, "--to", "box-caen")
        actions.export(actor=None, peer=box_peer, kind="course", destination=stick / "course-1")
    return Activity.objects.filter(course=course, kind="assign").first()


def feedback(side, path: Path, sequence: int, *lines: dict) -> Path:
    """A feedback bundle from the hub carrying ``lines`` (entries as the hub writes them)."""
    text = b"".join((json.dumps(line) + "\n").encode() for line in lines)
    with side("hub"), path.open("wb") as out:
        bundle.write(
            out,
            kind="feedback",
            sender=identity.load(),
            recipient=identity_of_box(side),
            sequence=sequence,
            created="2026-12-02T10:00:00Z",
            members=[bundle.member_from_bytes("entries.jsonl", text)],
        )
    return path


def identity_of_box(side):
    with side("box"):
        return identity.load(create=True).public


def grade_line(number: int, work: Activity, username: str = "lea", **more) -> dict:
    return {
        "id": number,
        "kind": "grade",
        "created_at": "2026-12-02T10:00:00+00:00",
        "payload": {
            "course": {
                "source": work.course.source,
                "id": work.course.source_id,
                "shortname": work.course.shortname,
            },
            "activity": {"key": work.source_key, "kind": "assign", "title": work.title},
            "user": {"username": username},
            "grade": 14,
            "max": 20,
            "feedback_html": "<p>Bien vu.</p>",
            **more,
        },
    }


def box_copy(peers) -> Course:
    return Course.objects.get(institution=peers[0].institution)


def test_a_grade_before_its_course_waits_then_the_learner_sees_it(
    side, peers, offered, learner, stick: Path
) -> None:
    assert offered is not None and offered.source_key
    path = feedback(side, stick / "f1", 1, grade_line(5, offered))
    out = io.StringIO()
    with side("box"):
        call_command("exchange", "import", str(path), stdout=out)
    assert "1 grades wait for their course to arrive" in out.getvalue()
    assert "left out" not in out.getvalue()
    parked = ParkedEntry.objects.get()
    assert (parked.entry_id, parked.activity_key, parked.username) == (5, offered.source_key, "lea")
    assert not Grade.objects.filter(user=learner).exists()
    event = AuditEvent.objects.filter(action="exchange.applied").last()
    assert event.details["parked"] == 1 and event.details["skipped"] == 0
    assert ReceivedEntry.objects.get().entry_id == 5  # received: acknowledged, not resent

    with side("box"):
        applied = actions.apply(actor=None, path=stick / "course-1")
    assert applied.courses[0]["waits"]
    copy = box_copy(peers)
    assert ParkedEntry.objects.count() == 1  # not before staff approve the course
    Enrolment.objects.create(user=learner, course=copy)
    approve_course(actor=None, course=copy)
    assert not ParkedEntry.objects.exists()
    work = Activity.objects.get(course=copy, source_key=offered.source_key)
    grade = Grade.objects.get(user=learner, activity=work)
    assert grade.grade == 14 and "Bien vu." in grade.feedback
    event = AuditEvent.objects.get(action="exchange.parked_applied")
    assert event.details == {"given": 1, "left_out": 0, "waiting": 0}
    page = signed_in(learner).get(reverse("assignments:assignment", args=[copy.pk, work.pk]))
    text = page.content.decode()
    assert "14 out of 100" in text and "Bien vu." in text  # out of the assignment's maximum

    # Given once: approving again, or a later update, changes nothing.
    before = list(Grade.objects.values().order_by("pk"))
    approve_course(actor=None, course=copy)
    assert list(Grade.objects.values().order_by("pk")) == before
    assert AuditEvent.objects.filter(action="exchange.parked_applied").count() == 1


def test_the_same_feedback_twice_parks_once_and_a_later_grade_supersedes(
    side, peers, offered, learner, stick: Path
) -> None:
    first = feedback(side, stick / "f1", 1, grade_line(5, offered))
    with side("box"):
        assert actions.apply(actor=None, path=first).parked == 1
        assert actions.apply(actor=None, path=first).again
    # Not acknowledged yet: sent again in the next bundle, with a later grade for the same.
    second = feedback(
        side, stick / "f2", 2, grade_line(5, offered), grade_line(9, offered, grade=17)
    )
    with side("box"):
        applied = actions.apply(actor=None, path=second)
    assert (applied.parked, applied.skipped) == (1, 0)
    assert list(ParkedEntry.objects.values_list("entry_id", flat=True)) == [9]
    with side("box"):
        actions.apply(actor=None, path=stick / "course-1")
    copy = box_copy(peers)
    Enrolment.objects.create(user=learner, course=copy)
    approve_course(actor=None, course=copy)
    assert Grade.objects.get(user=learner, activity__course=copy).grade == 17


def test_a_grade_waits_for_the_learners_enrolment_past_the_approval(
    side, peers, offered, learner, staff, stick: Path
) -> None:
    with side("box"):
        actions.apply(actor=None, path=feedback(side, stick / "f1", 1, grade_line(5, offered)))
        actions.apply(actor=None, path=stick / "course-1")
    copy = box_copy(peers)
    approve_course(actor=None, course=copy)  # lea not enrolled yet: the grade still waits
    assert ParkedEntry.objects.count() == 1 and not Grade.objects.exists()
    # Staff enrol her: the grade is given.
    enrol_many(
        actor=staff, course=copy, accounts=[learner], role=Enrolment.Role.LEARNER, source="list"
    )
    assert not ParkedEntry.objects.exists()
    assert Grade.objects.get(user=learner).grade == 14
    assert actions.apply_parked(actor=None, course=copy) == {
        "given": 0,
        "left_out": 0,
        "waiting": 0,
    }


def test_a_grade_for_a_learner_not_on_this_box_is_left_out_not_parked(
    side, peers, offered, learner, stick: Path
) -> None:
    path = feedback(
        side,
        stick / "f1",
        1,
        grade_line(5, offered, username="nobody"),
        grade_line(6, offered, activity={"key": ""}),  # not a university activity
    )
    with side("box"):
        applied = actions.apply(actor=None, path=path)
    assert (applied.parked, applied.skipped) == (0, 2)
    assert not ParkedEntry.objects.exists()


def test_the_import_page_says_in_french_how_many_grades_wait(
    side, peers, offered, learner, admin, stick: Path
) -> None:
    path = feedback(side, stick / "f1", 1, grade_line(5, offered))
    admin.language = "fr"
    admin.save(update_fields=["language"])
    client = signed_in(admin)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "fr"
    with side("box"):
        response = client.post(
            reverse("exchange:import"),
            {"file": SimpleUploadedFile("retour.cartable", path.read_bytes())},
        )
        assert response.status_code == 302
        text = client.get(response["Location"]).content.decode()
    assert "1 notes attendent l’arrivée de leur cours\u202f: elles seront données" in text
    assert ParkedEntry.objects.count() == 1
