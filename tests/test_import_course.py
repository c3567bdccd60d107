"""Importing course files into the catalog: faithful, idempotent, updates in place, and a bad
file changes nothing (neither the database nor the content store)."""

from __future__ import annotations

import hashlib
import io
import json
import re
from collections import Counter
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Activity, Blob, Course, CourseFile, Question
from cartable.ingest.imports import ImportFailed, import_file
from cartable.ingest.models import Revision
from cartable.review.actions import approve_course
from tests.importers import hostile
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"
CORPUS = sorted(FIXTURES.glob("*.mbz"))
PNG = b"\x89PNG\r\n\x1a\n a tiny picture"


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


def run_import(*args: str) -> dict:
    out = io.StringIO()
    call_command("import", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def state() -> tuple:
    """Everything an import could change, to prove a refused file changed nothing."""
    store = sorted(blobs.store())
    return (
        Course.objects.count(),
        Activity.objects.count(),
        Question.objects.count(),
        CourseFile.objects.count(),
        Blob.objects.count(),
        AuditEvent.objects.count(),
        store,
    )


def page_course(
    version: int = 1, *, drop_second: bool = False, summary: str = "<p>Bienvenue</p>"
) -> Backup:
    """A small course; version 2 changes the first page, drops (or not) the second."""
    b = Backup(fullname="Français langue étrangère", shortname="FLE1", summary=summary)
    b.file(
        contextid=b.course_contextid,
        component="course",
        filearea="summary",
        filename="logo.png",
        content=PNG,
        mimetype="image/png",
    )
    s0 = b.section(0, "Début")
    first = b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content=(
                f"<p>Version {version}. "
                '<img src="@@PLUGINFILE@@/photo.png" alt="photo"> '
                '<a href="https://www.example.org/grammaire">la grammaire</a></p>'
            ),
            contentformat=1,
        ),
        title="Leçon 1",
        section=s0,
    )
    b.file(
        contextid=first.contextid,
        component="mod_page",
        filearea="content",
        filename="photo.png",
        content=PNG,
        mimetype="image/png",
    )
    second = b.activity(
        "page",
        fields(intro="", introformat=1, content="<p>Deux</p>", contentformat=1),
        title="Leçon 2",
        section=s0,
    )
    if drop_second:
        b.activities.remove(second)
        for name in [name for name in b.members if f"page_{second.module_id}/" in name]:
            del b.members[name]
    b.activity(
        "url",
        fields(intro="", introformat=1, externalurl="https://www.example.org/dictionnaire"),
        title="Dictionnaire en ligne",
        section=s0,
    )
    return b


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_it_imports_every_corpus_course_with_the_counts_it_declares(path: Path) -> None:
    report = run_import(str(path))
    course = Course.objects.get(pk=report["course"]["id"])
    assert course.status == Course.Status.PENDING_REVIEW
    in_database = Counter(Activity.objects.filter(course=course).values_list("kind", flat=True))
    assert dict(in_database) == report["activities"]
    assert sum(report["questions"].values()) == Question.objects.filter(course=course).count()
    assert report["files"]["count"] == CourseFile.objects.filter(course=course).count()
    assert report["sections"] == course.sections.count()
    for item in report["skipped"]:
        assert item["reason"]
    event = AuditEvent.objects.get(action="course.imported")
    assert event.actor_name == "system"
    assert event.details["file"] == path.name


def test_it_reports_the_counts_of_the_moodle_44_course() -> None:
    report = run_import(str(FIXTURES / "moodle44_tgz_multiple_mod_types.mbz"))
    assert report["format"] == "moodle"
    assert report["moodle_release"] == "4.4+ (Build: 20240510)"
    assert report["course"]["title"] == "Drip Release Test"
    assert report["activities"] == {"assign": 5, "label": 3, "page": 5, "quiz": 40, "resource": 5}
    assert report["files"] == {"count": 5, "blobs": 3, "bytes": 153601}
    assert report["skipped"] == []


def test_it_lists_plugin_modules_it_skips() -> None:
    report = run_import(str(FIXTURES / "moodle30_tgz_mdk101_68activities.mbz"))
    assert [item["key"].split("-")[0] for item in report["skipped"]] == ["studentquiz"]
    assert "studentquiz" in report["skipped"][0]["reason"]


def test_it_changes_nothing_when_the_same_file_is_imported_twice() -> None:
    path = FIXTURES / "moodle44_tgz_multiple_mod_types.mbz"
    run_import(str(path))
    ids = dict(Activity.objects.values_list("source_key", "id"))
    before = state()
    again = run_import(str(path))
    assert again["course"]["created"] is False
    assert again["changes"]["activities"] == {
        "added": [],
        "updated": [],
        "unchanged": 58,
        "retired": [],
    }
    assert dict(Activity.objects.values_list("source_key", "id")) == ids
    assert state()[:5] == before[:5]
    assert state()[6] == before[6]


def test_it_updates_a_course_in_place_keeping_unchanged_activities(tmp_path: Path) -> None:
    first = run_import(str(page_course(1).build(tmp_path / "v1.mbz")), "--publish")
    course = Course.objects.get(pk=first["course"]["id"])
    before = {a.title: a for a in Activity.objects.filter(course=course)}
    second = run_import(str(page_course(2, drop_second=True).build(tmp_path / "v2.mbz")))
    assert second["course"]["id"] == course.pk
    assert second["changes"]["activities"] == {
        "added": [],
        "updated": ["Leçon 1"],
        "unchanged": 1,
        "retired": ["Leçon 2"],
    }
    # Learners keep the approved version, removal included; the new one waits whole for staff.
    waiting = {a.title: a for a in Activity.objects.filter(course=course)}
    assert "Version 1." in waiting["Leçon 1"].content
    assert waiting["Leçon 1"].review_status == Activity.Review.APPROVED
    assert waiting["Leçon 2"].retired_at is None
    revision = Revision.objects.get(course=course)
    assert revision.status == Revision.Status.PENDING
    assert second["revision"] == {"id": revision.pk, "status": "pending"}
    staged = {item["key"]: item for item in revision.staged["activities"]}
    assert "Version 2." in staged[waiting["Leçon 1"].source_key]["fields"]["content"]
    assert waiting["Leçon 2"].source_key not in staged
    course.refresh_from_db()
    assert course.status == Course.Status.PUBLISHED
    # Once approved, the same activities (and so learners' progress) carry the new version.
    approve_course(actor=None, course=course)
    after = {a.title: a for a in Activity.objects.filter(course=course)}
    assert {title: a.pk for title, a in after.items()} == {
        title: a.pk for title, a in before.items()
    }
    assert "Version 2." in after["Leçon 1"].content
    assert after["Leçon 2"].retired_at is not None
    assert after["Dictionnaire en ligne"].updated_at == before["Dictionnaire en ligne"].updated_at
    revision.refresh_from_db()
    assert revision.status == Revision.Status.APPLIED and revision.staged is None


def test_it_publishes_with_explicit_approval_recorded(tmp_path: Path) -> None:
    report = run_import(str(page_course().build(tmp_path / "c.mbz")), "--publish")
    course = Course.objects.get(pk=report["course"]["id"])
    assert course.status == Course.Status.PUBLISHED
    assert report["published"] is True
    event = AuditEvent.objects.get(action="course.published")
    assert event.details == {"approval": "import --publish"}


def test_it_puts_the_course_under_the_institution_named(tmp_path: Path, institution) -> None:
    report = run_import(str(page_course().build(tmp_path / "c.mbz")), "--institution", "univ-lille")
    assert Course.objects.get(pk=report["course"]["id"]).institution == institution


def test_it_refuses_an_unknown_institution(tmp_path: Path) -> None:
    with pytest.raises(
        CommandError, match=re.escape("No institution has the short name “nowhere”.")
    ):
        call_command(
            "import", str(page_course().build(tmp_path / "c.mbz")), "--institution", "nowhere"
        )
    assert Course.objects.count() == 0


def test_it_stores_files_once_by_content_and_records_them(tmp_path: Path) -> None:
    run_import(str(page_course().build(tmp_path / "c.mbz")))
    digest = hashlib.sha256(PNG).hexdigest()
    assert sorted(blobs.store()) == [digest]
    assert Blob.objects.get().sha256 == digest
    assert CourseFile.objects.filter(blob_id=digest).count() == 2


MANIFEST = ("moodle_backup.xml", b'<?xml version="1.0"?><moodle_backup></moodle_backup>')


def not_an_archive(path: Path) -> Path:
    path.write_bytes(b"this is not an archive")
    return path


def bomb(path: Path) -> Path:
    return hostile.zip_of(path, [MANIFEST, ("zeros.bin", bytes(8 * 1024 * 1024))])


def entities(path: Path) -> Path:
    return hostile.zip_of(
        path,
        [
            (
                "moodle_backup.xml",
                b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
                b"<moodle_backup>&e;</moodle_backup>",
            )
        ],
    )


# case: (how to make the file, the error code it must get)
HOSTILE = {
    "text file": (not_an_archive, "unknown_format"),
    "archive of something else": (
        lambda p: hostile.zip_of(p, [("hello.txt", b"hi")]),
        "unknown_format",
    ),
    "truncated gzip": (hostile.truncated_tgz, "truncated"),
    "path traversal": (lambda p: hostile.zip_of(p, [("../../evil.txt", b"x")]), "path_traversal"),
    "absolute path": (lambda p: hostile.zip_of(p, [("/etc/cron.d/evil", b"x")]), "absolute_path"),
    "symbolic link": (hostile.zip_symlink, "link_member"),
    "duplicate entries": (
        lambda p: hostile.zip_of(p, [MANIFEST, ("a.txt", b"1"), ("a.txt", b"2")]),
        "duplicate_member",
    ),
    "zip bomb": (bomb, "compression_ratio"),
    "external entity": (entities, "xml_entities"),
    "malformed XML": (
        lambda p: hostile.zip_of(p, [("moodle_backup.xml", b"<moodle_backup><oops>")]),
        "malformed_xml",
    ),
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_it_refuses_a_hostile_file_with_a_clear_message_and_changes_nothing(
    tmp_path: Path, case: str
) -> None:
    make, code = HOSTILE[case]
    run_import(str(page_course().build(tmp_path / "good.mbz")))
    before = state()
    path = make(tmp_path / "hostile.mbz")
    out = io.StringIO()
    with pytest.raises(CommandError) as error:
        call_command("import", str(path), "--json", stdout=out, stderr=io.StringIO())
    message = str(error.value)
    assert message.startswith("hostile.mbz ")
    assert len(re.findall(r"[.!?](?:\s|$)", message)) <= 2  # one clear sentence
    assert json.loads(out.getvalue())["error"]["code"] == code
    assert state() == before
    assert not list(tmp_path.parent.glob("**/evil*"))


def test_it_takes_back_new_blobs_when_saving_fails(tmp_path: Path, monkeypatch) -> None:
    from cartable.ingest import apply

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(apply, "_save_files", broken)
    before = state()
    with pytest.raises(RuntimeError):
        import_file(page_course().build(tmp_path / "c.mbz"), actor=None)
    assert state() == before


def test_it_speaks_french_to_a_french_operator(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    path = tmp_path / "faux.mbz"
    path.write_bytes(b"rien")
    with pytest.raises(CommandError, match=re.escape("faux.mbz n’est pas une sauvegarde de cours")):
        call_command("import", str(path))


def test_it_raises_import_failed_for_the_web_too(tmp_path: Path) -> None:
    path = tmp_path / "faux.mbz"
    path.write_bytes(b"rien")
    with pytest.raises(ImportFailed) as error:
        import_file(path, actor=None, filename="cours.mbz")
    assert error.value.code == "unknown_format"
    assert error.value.message.startswith("cours.mbz ")


def test_it_adds_an_activity_backup_to_its_course_without_retiring_the_rest(
    tmp_path: Path,
) -> None:
    first = run_import(str(page_course().build(tmp_path / "course.mbz")))
    course = Course.objects.get(pk=first["course"]["id"])
    single = Backup(backup_type="activity", fullname="Français langue étrangère", shortname="FLE1")
    page = single.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content='<p><img src="@@PLUGINFILE@@/p.png"></p>',
            contentformat=1,
        ),
        title="Leçon bonus",
        section=77,
    )
    single.file(
        contextid=page.contextid,
        component="mod_page",
        filearea="content",
        filename="p.png",
        content=PNG,
        mimetype="image/png",
    )
    path = single.build(tmp_path / "activity.mbz")
    report = run_import(str(path))
    assert report["course"]["id"] == course.pk
    assert report["changes"]["activities"]["added"] == ["Leçon bonus"]
    assert report["changes"]["activities"]["retired"] == []
    titles = set(
        Activity.objects.filter(course=course, retired_at__isnull=True).values_list(
            "title", flat=True
        )
    )
    assert titles == {"Leçon 1", "Leçon 2", "Dictionnaire en ligne", "Leçon bonus"}
    course.refresh_from_db()
    assert course.summary == "<p>Bienvenue</p>"
    files = CourseFile.objects.filter(course=course).count()
    again = run_import(str(path))
    assert again["changes"]["activities"]["unchanged"] == 1
    assert CourseFile.objects.filter(course=course).count() == files
