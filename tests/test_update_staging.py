"""A newer version of a course learners already see changes nothing they can reach until staff
approve it: sections (visibility, order, access rules), activities (new, moved, removed,
changed), course texts and questions all wait, whole; rejecting leaves the course exactly as it
was. A file is matched to a course by the institution and the source's course id, never by the
short name it claims; an upload that matches asks the uploader to confirm, and staff update
only their own establishment's courses."""

from __future__ import annotations

import hashlib
import io
import json
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client

from cartable.accounts.models import Role
from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import (
    Activity,
    Blob,
    Course,
    CourseFile,
    Enrolment,
    Question,
    Section,
)
from cartable.ingest.models import Revision
from cartable.jobs import followups, runner
from cartable.jobs.models import Job
from cartable.review.actions import ReviewError, approve_course, decide_change, reject_course
from tests.conftest import make_user, signed_in
from tests.importers import questionxml
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
LATER = json.dumps(
    {"op": "&", "c": [{"type": "date", "d": ">=", "t": 4102444800}], "showc": [True]}
)


def versioned(version: int) -> Backup:
    """The same Moodle course in two versions. Version 2 shows the hidden section, puts an
    access rule on the third, changes page A (and its picture), moves page B to the third
    section, removes page D, adds page E and a new section holding page F, renames the course,
    changes its description and a question's text."""
    two = version == 2
    b = Backup(
        fullname="Histoire v2" if two else "Histoire",
        shortname="HIST",
        summary="<p>Bienvenue, nouvelle édition</p>" if two else "<p>Bienvenue</p>",
    )
    s0 = b.section(0, "Début")
    s1 = b.section(1, "Caché", visible=two)
    s2 = b.section(2, "Plus tard", availability=LATER if two else None)
    picture = "a2.png" if two else "a1.png"
    a = b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content=f'<p>Page A, version {version}. <img src="@@PLUGINFILE@@/{picture}" alt="a"></p>',
            contentformat=1,
        ),
        title="Leçon A",
        section=s0,
    )
    b.file(
        contextid=a.contextid,
        component="mod_page",
        filearea="content",
        filename=picture,
        content=PNG + f"picture {version}".encode(),
        mimetype="image/png",
    )
    page = fields(intro="", introformat=1, contentformat=1)
    b.activity(
        "page", page + fields(content="<p>Page B</p>"), title="Leçon B", section=s2 if two else s0
    )
    b.activity("page", page + fields(content="<p>Page cachée</p>"), title="Leçon C", section=s1)
    d = b.activity("page", page + fields(content="<p>Page D</p>"), title="Leçon D", section=s2)
    category = b.category("Défaut")
    b.question(
        category,
        "truefalse",
        "Vrai ou faux",
        "<p>La Terre est ronde, version 2.</p>" if two else "<p>La Terre est ronde.</p>",
        questionxml.truefalse(),
    )
    if two:
        b.activities.remove(d)
        for name in [name for name in b.members if f"page_{d.module_id}/" in name]:
            del b.members[name]
        b.activity("page", page + fields(content="<p>Page E</p>"), title="Leçon E", section=s0)
        s3 = b.section(3, "Nouveau chapitre")
        b.activity("page", page + fields(content="<p>Page F</p>"), title="Leçon F", section=s3)
    return b


def run_import(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("import", str(path), "--json", *args, stdout=out)
    return json.loads(out.getvalue())


def live_rows(course: Course) -> dict[str, list]:
    """Every column of the live course that pages are made of."""
    return {
        "course": list(
            Course.objects.filter(pk=course.pk).values_list(
                "title", "summary", "status", "format", "start_date", "end_date"
            )
        ),
        "sections": sorted(
            Section.objects.filter(course=course).values_list(
                "pk", "position", "title", "summary", "visible", "availability", "retired_at"
            ),
            key=repr,
        ),
        "activities": sorted(
            Activity.objects.filter(course=course).values_list(
                "pk",
                "section_id",
                "position",
                "title",
                "intro",
                "content",
                "data",
                "visible",
                "availability",
                "blob_id",
                "retired_at",
                "review_status",
                "updated_at",
            ),
            key=repr,
        ),
        "files": sorted(
            CourseFile.objects.filter(course=course).values_list(
                "blob_id", "filename", "activity_id"
            ),
            key=repr,
        ),
        "questions": sorted(
            Question.objects.filter(course=course).values_list("pk", "name", "text", "retired_at"),
            key=repr,
        ),
    }


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="[^"]*"')


def addresses(course: Course) -> list[str]:
    """Every address of the course a learner could try: its page, every activity the box
    holds for it (and a few not there yet), the pictures of both versions through it, and
    searches for the words of both versions."""
    urls = ["/", f"/courses/{course.pk}/"]
    # The activities the box holds (numbers need not start at 1: PostgreSQL's sequences go on
    # across tests), and the next few numbers, not there yet.
    held = sorted(Activity.objects.values_list("pk", flat=True))
    last = held[-1] if held else 0
    for pk in [*held, *range(last + 1, last + 5)]:
        urls.append(f"/courses/{course.pk}/activities/{pk}/")
    for version in (1, 2):
        sha = hashlib.sha256(PNG + f"picture {version}".encode()).hexdigest()
        urls.append(f"/courses/{course.pk}/files/{sha}/a{version}.png")
    urls += [f"/search/?q={word}" for word in ("page", "histoire", "cachée", "nouvelle")]
    return urls


def reachable(urls: list[str], client: Client) -> dict[str, tuple[int, bytes]]:
    """What a learner gets at each address."""
    found = {}
    for url in urls:
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        found[url] = (response.status_code, _TOKEN.sub("", body.decode(errors="replace")).encode())
    return found


def fresh_learner(course: Course, number: int) -> Client:
    """A learner who never opened anything (visits leave traces: progress, where to resume),
    named like the others so that their pages compare."""
    learner = make_user(f"lea{number}", Role.LEARNER, None, first_name="Léa", last_name="Moreau")
    Enrolment.objects.create(user=learner, course=course)
    return signed_in(learner)


def test_it_changes_nothing_learners_reach_until_staff_approve_and_nothing_when_they_reject(
    tmp_path: Path, staff
) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    followups.run_rows()  # the indexing that follows its commit (no commit in a test)
    course = Course.objects.get(pk=first["course"]["id"])
    rows = live_rows(course)
    urls = addresses(course)
    before = reachable(urls, fresh_learner(course, 1))
    assert before[f"/courses/{course.pk}/"][0] == 200
    assert [status for status, _body in before.values()].count(200) >= 10
    assert "Leçon C".encode() not in before[f"/courses/{course.pk}/"][1]  # hidden section

    second = run_import(versioned(2).build(tmp_path / "v2.mbz"))
    assert second["course"]["id"] == course.pk
    assert second["revision"]["status"] == "pending"
    assert second["changes"]["activities"] == {
        "added": ["Leçon E", "Leçon F"],
        "updated": ["Leçon A"],
        "unchanged": 2,  # B (moved) and C
        "retired": ["Leçon D"],
    }
    assert live_rows(course) == rows
    assert reachable(urls, fresh_learner(course, 2)) == before

    # Staff see every change, structure included.
    review = signed_in(staff).get(f"/review/courses/{course.pk}/")
    update = review.context["update"]
    assert {(item.title, item.state) for item in update.changes} == {
        ("Leçon A", "changed"),
        ("Leçon B", "moved"),
        ("Leçon D", "retired"),
        ("Leçon E", "new"),
        ("Leçon F", "new"),
    }
    sections = {item.title: item for item in update.sections}
    assert sections["Caché"].shown is True
    assert sections["Plus tard"].changed == ["règles d’accès"]
    assert sections["Nouveau chapitre"].state == "new"
    assert update.questions.updated == ["Vrai ou faux"]
    page = review.content.decode()
    assert "visible par les apprenants" in page and "Histoire v2" in page

    reject_course(actor=staff, course=course, comment="Pas maintenant")
    assert live_rows(course) == rows
    assert reachable(urls, fresh_learner(course, 3)) == before
    assert Revision.objects.get(course=course).status == Revision.Status.REJECTED
    assert AuditEvent.objects.filter(action="review.changes_rejected").exists()

    # The same file again, approved this time: everything in it goes live.
    run_import(versioned(2).build(tmp_path / "v2.mbz"))
    approve_course(actor=staff, course=course)
    course.refresh_from_db()
    assert course.title == "Histoire v2"
    current = {a.title: a for a in Activity.objects.filter(course=course, retired_at__isnull=True)}
    assert set(current) == {"Leçon A", "Leçon B", "Leçon C", "Leçon E", "Leçon F"}
    assert current["Leçon B"].section.title == "Plus tard"
    assert current["Leçon C"].section.visible
    assert Section.objects.get(course=course, title="Plus tard").availability == json.loads(LATER)
    assert Question.objects.get(course=course).text == "<p>La Terre est ronde, version 2.</p>"
    after = fresh_learner(course, 4).get(f"/courses/{course.pk}/").content.decode()
    assert "Leçon C" in after and "Leçon F" in after and "Leçon D" not in after


def test_it_applies_what_staff_approve_and_keeps_what_they_reject_item_by_item(
    tmp_path: Path, staff
) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    learner = fresh_learner(course, 1)
    d = Activity.objects.get(course=course, title="Leçon D")
    run_import(versioned(2).build(tmp_path / "v2.mbz"))
    keys = {
        item["fields"]["title"]: item["key"]
        for item in Revision.objects.get(course=course).staged["activities"]
    }
    a = Activity.objects.get(course=course, title="Leçon A")
    # Approving a new text applies it at once; the rest waits for the update's approval.
    decide_change(actor=staff, course=course, key=a.source_key, approve=True)
    assert "version 2" in learner.get(f"/courses/{course.pk}/activities/{a.pk}/").content.decode()
    assert not Activity.objects.filter(course=course, title="Leçon E").exists()
    decide_change(actor=staff, course=course, key=keys["Leçon E"], approve=False, comment="Non")
    decide_change(actor=staff, course=course, key=d.source_key, approve=False, comment="Garder")
    with pytest.raises(ReviewError):
        decide_change(actor=staff, course=course, key="page-0", approve=True)
    approve_course(actor=staff, course=course)
    rejected = Activity.objects.get(course=course, title="Leçon E")
    assert rejected.review_status == Activity.Review.REJECTED and rejected.review_comment == "Non"
    assert learner.get(f"/courses/{course.pk}/activities/{rejected.pk}/").status_code == 404
    d.refresh_from_db()
    assert d.retired_at is None and d.review_status == "approved"  # its removal was rejected
    # Kept, in its section, which the update closes until 2100: learners are told why.
    assert learner.get(f"/courses/{course.pk}/activities/{d.pk}/").status_code == 403
    assert Section.objects.get(pk=d.section_id).retired_at is None
    assert Activity.objects.get(course=course, title="Leçon F").review_status == "approved"
    events = AuditEvent.objects.filter(action="review.activity_rejected")
    assert {event.details["state"] for event in events} == {"new", "retired"}


def upload(client: Client, path: Path, name: str = "cours.mbz", **extra: str):
    with path.open("rb") as handle:
        return client.post(
            "/catalog/import/", {"file": SimpleUploadedFile(name, handle.read()), **extra}
        )


def test_it_asks_the_uploader_to_confirm_a_file_that_updates_a_course(
    tmp_path: Path, staff, django_capture_on_commit_callbacks
) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    rows = live_rows(course)
    client = signed_in(staff)
    upload(client, versioned(2).build(tmp_path / "v2.mbz"), name="histoire.mbz")
    runner.run_pending()
    job = Job.objects.get()
    revision = Revision.objects.get(course=course)
    assert revision.status == Revision.Status.UNCONFIRMED
    assert live_rows(course) == rows
    page = client.get(f"/catalog/imports/{job.pk}/").content.decode()
    assert "Ce fichier est une mise à jour d’un cours déjà sur la box" in page
    assert "https://moodle.example.edu" in page and "Histoire" in page
    assert f'action="/catalog/updates/{revision.pk}/confirm/"' in page
    # Not in the review queue until confirmed.
    assert signed_in(staff).get("/review/").context["courses"].count() == 0

    response = client.post(f"/catalog/updates/{revision.pk}/confirm/", {"decision": "confirm"})
    assert response["Location"] == f"/review/courses/{course.pk}/"
    revision.refresh_from_db()
    assert revision.status == Revision.Status.PENDING
    assert live_rows(course) == rows
    assert AuditEvent.objects.get(action="course.update_confirmed").actor == staff
    again = client.post(f"/catalog/updates/{revision.pk}/confirm/", {"decision": "confirm"})
    assert again.status_code == 302
    assert Revision.objects.get(pk=revision.pk).status == Revision.Status.PENDING

    # A third version, cancelled: nothing of it is kept, its new picture included.
    third = versioned(2)
    third.fullname = "Histoire v3"
    extra = third.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content='<p><img src="@@PLUGINFILE@@/g.png"></p>',
            contentformat=1,
        ),
        title="Leçon G",
        section=third.sections[0][0],
    )
    sha = third.file(
        contextid=extra.contextid,
        component="mod_page",
        filearea="content",
        filename="g.png",
        content=PNG + b"only in v3",
        mimetype="image/png",
    )
    upload(client, third.build(tmp_path / "v3.mbz"))
    runner.run_pending()
    cancelled = Revision.objects.get(status=Revision.Status.UNCONFIRMED)
    assert blobs.store().exists(sha)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/catalog/updates/{cancelled.pk}/confirm/", {"decision": "cancel"})
    cancelled.refresh_from_db()
    assert cancelled.status == Revision.Status.CANCELLED and cancelled.staged is None
    assert not blobs.store().exists(sha) and not Blob.objects.filter(sha256=sha).exists()
    assert Revision.objects.get(pk=revision.pk).status == Revision.Status.PENDING
    assert live_rows(course) == rows


def test_it_never_lets_a_file_claiming_a_courses_short_name_take_it_over(
    tmp_path: Path, staff
) -> None:
    call_command("demo", stdout=io.StringIO())
    demo = Course.objects.get(shortname="LETTRE-MOTIV")
    rows = live_rows(demo)
    hostile = Backup(
        fullname="Écrire une lettre de motivation",
        shortname="LETTRE-MOTIV",
        wwwroot="https://univ-demo",  # the demo institution's name, as a site
    )
    hostile.section(0, "Vide")
    client = signed_in(staff)
    upload(client, hostile.build(tmp_path / "lettre.mbz"))
    runner.run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.SUCCEEDED, job.error_message
    assert job.result["course"]["created"] is True
    assert job.result["course"]["id"] != demo.pk
    assert live_rows(demo) == rows
    assert Course.objects.filter(shortname="LETTRE-MOTIV").count() == 2
    assert not Revision.objects.exists()


def test_it_refuses_an_update_of_another_establishments_course(
    tmp_path: Path, staff, outsider_staff
) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    Course.objects.filter(pk=course.pk).update(establishment=staff.establishment)
    rows = live_rows(course)
    client = signed_in(outsider_staff)
    upload(client, versioned(2).build(tmp_path / "v2.mbz"), name="histoire.mbz")
    runner.run_pending()
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert job.error_code == "other_establishment"
    assert "un autre établissement" in job.error_message and "Histoire" in job.error_message
    assert live_rows(course) == rows and not Revision.objects.exists()
    assert client.get(f"/review/courses/{course.pk}/").status_code == 404
    # Its own staff may.
    upload(signed_in(staff), versioned(2).build(tmp_path / "v2.mbz"))
    runner.run_pending()
    assert Revision.objects.get().status == Revision.Status.UNCONFIRMED


def test_it_creates_a_new_course_under_the_uploaders_establishment(tmp_path: Path, staff) -> None:
    upload(signed_in(staff), versioned(1).build(tmp_path / "v1.mbz"))
    runner.run_pending()
    course = Course.objects.get()
    assert course.establishment == staff.establishment
    assert course.source_id == "2" and course.source_url == "https://moodle.example.edu"


def test_it_keeps_one_waiting_update_and_its_decisions_when_the_same_file_comes_twice(
    tmp_path: Path, staff
) -> None:
    first = run_import(versioned(1).build(tmp_path / "v1.mbz"), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    path = versioned(2).build(tmp_path / "v2.mbz")
    run_import(path)
    revision = Revision.objects.get(course=course)
    d = Activity.objects.get(course=course, title="Leçon D")
    decide_change(actor=staff, course=course, key=d.source_key, approve=False, comment="Garder")
    again = run_import(path)
    assert again["revision"] == {"id": revision.pk, "status": "pending"}
    assert list(Revision.objects.values_list("pk", "status")) == [(revision.pk, "pending")]
    assert Revision.objects.get().decisions[d.source_key]["comment"] == "Garder"
