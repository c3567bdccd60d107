"""Staff review imported content before learners see it: a risk report, approvals and
rejections with comments, and updates that show only what changed."""

from __future__ import annotations

import html
import io
import re
import tarfile
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Course, Enrolment, Question
from cartable.ingest.models import Revision
from cartable.learning.models import StudyPlanItem
from cartable.review.actions import decide_activity
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields
from tests.test_import_course import page_course

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"


def imported(path: Path, *args: str) -> Course:
    call_command("import", str(path), *args, stdout=io.StringIO())
    return Course.objects.latest("imported_at")


def all_risks(course: Course) -> list[dict]:
    rows = list(course.risks)
    for activity in course.activities.filter(retired_at__isnull=True):
        rows += activity.risks
    for question in Question.objects.filter(course=course):
        rows += question.risks
    return rows


def xml_members(path: Path) -> dict[str, bytes]:
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            return {
                name: archive.read(name) for name in archive.namelist() if name.endswith(".xml")
            }
    with tarfile.open(path) as archive:
        return {
            member.name: archive.extractfile(member).read()
            for member in archive.getmembers()
            if member.isfile() and member.name.endswith(".xml")
        }


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("*.mbz")), ids=lambda p: p.name)
def test_it_reports_every_outside_address_a_corpus_course_holds(path: Path) -> None:
    # Counted independently: every href/src to http(s) in the course's XML text fields.
    expected = set()
    for name, data in xml_members(path).items():
        if name in ("moodle_backup.xml", "files.xml", "users.xml"):
            continue
        text = html.unescape(data.decode("utf-8", "replace"))
        expected.update(re.findall(r"""(?:href|src)\s*=\s*["'](https?://[^"']+)""", text))
    course = imported(path)
    reported = {
        row["detail"]
        for row in all_risks(course)
        if row["kind"] in ("external_link", "external_media")
    }
    assert reported == expected


def risky_course(tmp_path: Path) -> Path:
    b = Backup(
        fullname="Cours à risques", shortname="RISK", summary="<p>Contact : 06 12 34 56 78</p>"
    )
    s0 = b.section(0, "Début")
    b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content=(
                '<p><a href="https://www.exemple.org/">site</a> <img src="https://cdn.exemple.org/i.png">'
                '<iframe src="https://video.exemple.org/embed/1"></iframe><script>steal()</script>'
                '<form action="https://collecte.exemple.org/"><input name="q"></form>'
                "Écrivez à prof@exemple.org</p>"
            ),
            contentformat=1,
        ),
        title="Page risquée",
        section=s0,
    )
    setup = b.activity(
        "resource", fields(intro="", introformat=1, display=0), title="Logiciel", section=s0
    )
    b.file(
        contextid=setup.contextid,
        component="mod_resource",
        filearea="content",
        filename="setup.exe",
        content=b"MZ" + bytes(2000),
        mimetype="application/x-msdownload",
    )
    b.activity(
        "url",
        fields(intro="", introformat=1, externalurl="https://fr.wikipedia.org/wiki/Lettre"),
        title="Wikipédia",
        section=s0,
    )
    return b.build(tmp_path / "risk.mbz")


def test_it_reports_each_kind_of_risk_per_activity(tmp_path: Path, staff, settings) -> None:
    settings.REVIEW_LARGE_FILE_BYTES = 1000
    course = imported(risky_course(tmp_path))
    page = course.activities.get(title="Page risquée")
    kinds = {(row["kind"], row["detail"]) for row in page.risks}
    assert ("external_link", "https://www.exemple.org/") in kinds
    assert ("external_media", "https://cdn.exemple.org/i.png") in kinds
    assert ("frame", "https://video.exemple.org/embed/1") in kinds
    assert ("script", "<script>") in kinds
    assert ("form", "https://collecte.exemple.org/") in kinds
    assert ("email", "prof@exemple.org") in kinds
    software = {row["kind"] for row in course.activities.get(title="Logiciel").risks}
    assert software == {"executable_file", "oversized_file"}
    assert course.activities.get(title="Wikipédia").risks == [
        {"kind": "external_link", "detail": "https://fr.wikipedia.org/wiki/Lettre"}
    ]
    assert {"kind": "phone", "detail": "06 12 34 56 78"} in course.risks
    page_html = signed_in(staff).get(f"/review/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    text = page_html.content.decode()
    for label in (
        "Links to outside the box",
        "Scripts and event handlers (removed)",
        "Programs or files with macros",
        "Phone numbers",
    ):
        assert label in text
    assert "https://video.exemple.org/embed/1" in text
    # The script and the frame never reach a page.
    assert "<script>steal" not in page.content and "<iframe" not in page.content


@pytest.fixture
def waiting(tmp_path: Path, learner) -> Course:
    course = imported(page_course(1).build(tmp_path / "v1.mbz"))
    Enrolment.objects.create(user=learner, course=course)
    return course


def test_it_shows_learners_nothing_before_approval(waiting, learner, staff) -> None:
    assert waiting.status == Course.Status.PENDING_REVIEW
    assert set(waiting.activities.values_list("review_status", flat=True)) == {"pending"}
    assert signed_in(learner).get(f"/courses/{waiting.pk}/").status_code == 404
    response = signed_in(staff).post(
        f"/review/courses/{waiting.pk}/decide/", {"decision": "approve", "comment": "Vu"}
    )
    assert response.status_code == 302
    waiting.refresh_from_db()
    assert waiting.is_published and waiting.reviewed_by == staff
    page = signed_in(learner).get(f"/courses/{waiting.pk}/").content.decode()
    assert "Leçon 1" in page and "Leçon 2" in page
    event = AuditEvent.objects.get(action="review.course_approved")
    assert event.actor == staff and event.details["comment"] == "Vu"


def test_it_keeps_a_rejected_activity_from_learners(waiting, learner, staff) -> None:
    lesson = waiting.activities.get(title="Leçon 2")
    client = signed_in(staff)
    refused = client.post(
        f"/review/activities/{lesson.pk}/decide/", {"decision": "reject"}, follow=True
    )
    assert "Dites pourquoi" in refused.content.decode()
    lesson.refresh_from_db()
    assert lesson.review_status == "pending"
    client.post(
        f"/review/activities/{lesson.pk}/decide/", {"decision": "reject", "comment": "Hors sujet"}
    )
    client.post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    lesson.refresh_from_db()
    assert lesson.review_status == "rejected" and lesson.review_comment == "Hors sujet"
    learner_client = signed_in(learner)
    assert "Leçon 2" not in learner_client.get(f"/courses/{waiting.pk}/").content.decode()
    assert learner_client.get(f"/courses/{waiting.pk}/activities/{lesson.pk}/").status_code == 404
    assert (
        AuditEvent.objects.get(action="review.activity_rejected").details["comment"] == "Hors sujet"
    )


def test_it_stages_an_update_and_shows_staff_only_what_changed(
    tmp_path: Path, waiting, learner, staff
) -> None:
    signed_in(staff).post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    imported(page_course(2).build(tmp_path / "v2.mbz"))
    lesson = waiting.activities.get(title="Leçon 1")
    learner_client = signed_in(learner)
    assert (
        "Version 1."
        in learner_client.get(f"/courses/{waiting.pk}/activities/{lesson.pk}/").content.decode()
    )
    review = signed_in(staff).get(f"/review/courses/{waiting.pk}/")
    changes = review.context["update"].changes
    assert [item.title for item in changes] == ["Leçon 1"]
    assert changes[0].state == "changed" and changes[0].live == lesson
    # The change itself, line by line: the old line removed, the new one added, the unchanged
    # line after it for context.
    page = html.unescape(review.content.decode())
    assert re.search(r'<li class="diff__removed"><del>.*?</span>Version 1\.</del>', page)
    assert re.search(r'<li class="diff__added"><ins>.*?</span>Version 2\.</ins>', page)
    assert '<li class="diff__same">photo la grammaire</li>' in page
    signed_in(staff).post(f"/review/activities/{lesson.pk}/decide/", {"decision": "approve"})
    assert (
        "Version 2."
        in learner_client.get(f"/courses/{waiting.pk}/activities/{lesson.pk}/").content.decode()
    )
    after = signed_in(staff).get(f"/review/courses/{waiting.pk}/").context
    assert after["update"] is None and after["reports"] == []


def test_it_keeps_the_approved_version_when_a_change_is_rejected(
    tmp_path: Path, waiting, learner, staff
) -> None:
    signed_in(staff).post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    imported(page_course(2).build(tmp_path / "v2.mbz"))
    lesson = waiting.activities.get(title="Leçon 1")
    signed_in(staff).post(
        f"/review/activities/{lesson.pk}/decide/", {"decision": "reject", "comment": "Moins clair"}
    )
    lesson.refresh_from_db()
    assert lesson.review_status == "approved"
    assert "Version 1." in lesson.content
    assert AuditEvent.objects.get(action="review.activity_rejected").details["change"] is True
    # Nothing else waited: the update is closed, and the course is as it was.
    assert not Revision.objects.filter(course=waiting, status="pending").exists()
    assert signed_in(staff).get(f"/review/courses/{waiting.pk}/").context["update"] is None


def test_it_rejects_a_new_course_and_reopens_it_on_a_new_version(
    tmp_path: Path, waiting, learner, staff
) -> None:
    signed_in(staff).post(
        f"/review/courses/{waiting.pk}/decide/", {"decision": "reject", "comment": "Incomplet"}
    )
    waiting.refresh_from_db()
    assert waiting.status == Course.Status.REJECTED
    assert signed_in(learner).get(f"/courses/{waiting.pk}/").status_code == 404
    imported(page_course(2).build(tmp_path / "v2.mbz"))
    waiting.refresh_from_db()
    assert waiting.status == Course.Status.PENDING_REVIEW


def test_it_hides_waiting_content_from_learners_search(
    tmp_path: Path, waiting, learner, staff
) -> None:
    signed_in(staff).post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    single = Backup(backup_type="activity", fullname="Français langue étrangère", shortname="FLE1")
    single.activity(
        "page",
        fields(intro="", introformat=1, content="<p>Zygomatique secret</p>", contentformat=1),
        title="Bonus",
        section=77,
    )
    imported(single.build(tmp_path / "bonus.mbz"))
    # The course is published: the new activity waits in an update, not in the live course.
    assert not Activity.objects.filter(title="Bonus").exists()
    revision = Revision.objects.get(course=waiting, status="pending")
    assert [item["fields"]["title"] for item in revision.staged["activities"]] == ["Bonus"]
    found = signed_in(learner).get("/search/?q=zygomatique").context
    assert not found.get("page") or not list(found["page"])


@pytest.mark.parametrize("persona", ["learner", "teacher"])
def test_it_keeps_review_for_staff(persona: str, request, waiting) -> None:
    user = request.getfixturevalue(persona)
    client = signed_in(user)
    assert client.get("/review/").status_code == 403
    assert client.get(f"/review/courses/{waiting.pk}/").status_code == 403
    assert (
        client.post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"}).status_code
        == 403
    )
    waiting.refresh_from_db()
    assert waiting.status == Course.Status.PENDING_REVIEW


def test_it_keeps_a_rejected_activitys_files_from_learners_who_kept_their_address(
    tmp_path: Path, learner, staff
) -> None:
    course = imported(risky_course(tmp_path), "--publish")
    Enrolment.objects.create(user=learner, course=course)
    software = course.activities.get(title="Logiciel")
    held = course.files.get(filename="setup.exe")
    assert held.activity == software
    addresses = (
        f"/courses/{course.pk}/files/{held.blob_id}/setup.exe",
        f"/courses/{course.pk}/activities/{software.pk}/file/",
    )
    learner_client = signed_in(learner)
    assert [learner_client.get(url).status_code for url in addresses] == [200, 200]

    signed_in(staff).post(
        f"/review/activities/{software.pk}/decide/",
        {"decision": "reject", "comment": "Programme exécutable"},
    )
    assert [learner_client.get(url).status_code for url in addresses] == [404, 404]
    assert [signed_in(staff).get(url).status_code for url in addresses] == [200, 200]


def test_it_refuses_to_hand_out_a_rejected_activitys_file(
    tmp_path: Path, learner, teacher, staff
) -> None:
    course = imported(risky_course(tmp_path), "--publish")
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    software = course.activities.get(title="Logiciel")
    sha256 = course.files.get(filename="setup.exe").blob_id
    decide_activity(actor=staff, activity=software, approve=False, comment="Programme exécutable")
    response = signed_in(teacher).post(
        f"/courses/{course.pk}/plan/",
        {"file": sha256, "name": "setup.exe", "learners": [learner.pk], "note": ""},
    )
    assert response.status_code == 404
    assert not StudyPlanItem.objects.exists()


def test_it_names_where_a_skipped_items_findings_are_in_the_readers_language(
    tmp_path: Path, staff
) -> None:
    b = Backup(fullname="Cours", shortname="SKIP")
    s0 = b.section(0, "Début")
    b.activity(
        "wiki",
        fields(intro='<p><a href="https://wiki.exemple.org/">wiki</a></p>', introformat=1),
        title="Un wiki",
        section=s0,
    )
    course = imported(b.build(tmp_path / "skip.mbz"))
    row = next(row for row in course.risks if row["detail"] == "https://wiki.exemple.org/")
    assert row["where"] == "activity 'Un wiki' (wiki)"
    french = html.unescape(signed_in(staff).get(f"/review/courses/{course.pk}/").content.decode())
    assert "activité « Un wiki » (Wiki)" in french


def test_it_shows_staff_how_many_courses_wait_in_the_navigation(waiting, staff) -> None:
    client = signed_in(staff)
    page = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'class="tag tag--count">1<span class="visually-hidden"> course waiting', page)
    client.post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    page = client.get("/catalog/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "tag--count" not in page


def test_it_turns_a_link_to_a_rejected_activity_into_text_for_learners(
    learner, staff, course
) -> None:
    first, second = course.activities.filter(kind="page").order_by("pk")[:2]
    second.source_key = "page-42"
    second.save()
    first.content = f'<p><a href="cartable-activity:{second.source_key}">Suite</a></p>'
    first.save()
    link = f'<a href="/courses/{course.pk}/activities/{second.pk}/">Suite</a>'
    url = f"/courses/{course.pk}/activities/{first.pk}/"
    assert link in signed_in(learner).get(url).content.decode()
    decide_activity(actor=staff, activity=second, approve=False, comment="Hors sujet")
    page = signed_in(learner).get(url).content.decode()
    assert link not in page and "Suite" in page
    assert link in signed_in(staff).get(url).content.decode()


def test_it_shows_what_an_update_changes_in_the_course_description(
    tmp_path: Path, waiting, learner, staff
) -> None:
    signed_in(staff).post(f"/review/courses/{waiting.pk}/decide/", {"decision": "approve"})
    imported(
        page_course(1, summary="<p>Bienvenue</p><p>Écrivez-nous sur le site.</p>").build(
            tmp_path / "v1b.mbz"
        )
    )
    waiting.refresh_from_db()
    assert waiting.summary.startswith("<p>Bienvenue") and "Écrivez" not in waiting.summary
    page = html.unescape(signed_in(staff).get(f"/review/courses/{waiting.pk}/").content.decode())
    assert "Textes du cours modifiés" in page and "Description du cours" in page
    assert '<li class="diff__same">Bienvenue</li>' in page
    assert re.search(
        r'<li class="diff__added"><ins>.*?</span>Écrivez-nous sur le site\.</ins>', page
    )
    # Learners still read the approved description.
    learner_page = signed_in(learner).get(f"/courses/{waiting.pk}/").content.decode()
    assert "Écrivez-nous" not in learner_page


def illustrated(version: int) -> Backup:
    """A one-page course whose picture changes with each version."""
    b = Backup(fullname="Cours illustré", shortname="ILLU")
    s0 = b.section(0, "Début")
    page = b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content=f'<p>Version {version} <img src="@@PLUGINFILE@@/image{version}.png" alt="v{version}"></p>',
            contentformat=1,
        ),
        title="Page illustrée",
        section=s0,
    )
    b.file(
        contextid=page.contextid,
        component="mod_page",
        filearea="content",
        filename=f"image{version}.png",
        content=b"\x89PNG\r\n\x1a\n picture " + str(version).encode(),
        mimetype="image/png",
    )
    return b


def test_it_keeps_serving_the_approved_versions_files_while_an_update_waits(
    tmp_path: Path, learner, staff
) -> None:
    course = imported(illustrated(1).build(tmp_path / "v1.mbz"), "--publish")
    Enrolment.objects.create(user=learner, course=course)
    page = course.activities.get(title="Page illustrée")
    client = signed_in(learner)

    def image_address() -> str:
        html_page = client.get(f"/courses/{course.pk}/activities/{page.pk}/").content.decode()
        return re.search(r'src="(/courses/[^"]+\.png)"', html_page)[1]

    first = image_address()
    assert first.endswith("/image1.png") and client.get(first).status_code == 200
    imported(illustrated(2).build(tmp_path / "v2.mbz"))  # waits for review
    assert image_address() == first
    assert client.get(first).status_code == 200  # the approved page still shows its picture
    page.refresh_from_db()
    decide_activity(actor=staff, activity=page, approve=True)
    second = image_address()
    assert second.endswith("/image2.png") and client.get(second).status_code == 200


def illustrated_summary(version: int) -> Backup:
    """A course whose description shows a picture that changes with each version."""
    b = Backup(
        fullname="Cours illustré",
        shortname="ILLU",
        summary=f'<p>Bienvenue <img src="@@PLUGINFILE@@/logo{version}.png" alt="logo"></p>',
    )
    b.file(
        contextid=b.course_contextid,
        component="course",
        filearea="summary",
        filename=f"logo{version}.png",
        content=b"\x89PNG\r\n\x1a\n logo " + str(version).encode(),
        mimetype="image/png",
    )
    s0 = b.section(0, "Début")
    b.activity(
        "page",
        fields(intro="", introformat=1, content="<p>Texte</p>", contentformat=1),
        title="Page",
        section=s0,
    )
    return b


def test_it_keeps_the_approved_descriptions_picture_while_an_update_waits(
    tmp_path: Path, learner
) -> None:
    course = imported(illustrated_summary(1).build(tmp_path / "v1.mbz"), "--publish")
    Enrolment.objects.create(user=learner, course=course)
    client = signed_in(learner)
    outline = client.get(f"/courses/{course.pk}/").content.decode()
    logo = re.search(r'src="(/courses/[^"]+/logo1\.png)"', outline)[1]
    imported(illustrated_summary(2).build(tmp_path / "v2.mbz"))  # the new description waits
    revision = Revision.objects.get(course=course, status="pending")
    assert revision.staged["fields"]["summary"] != course.summary
    assert revision.staged["fields"]["title"] == course.title
    assert logo in client.get(f"/courses/{course.pk}/").content.decode()
    assert client.get(logo).status_code == 200
