"""The search index follows the catalog: rebuilt when a course is imported again, complete for
real Moodle backups, bounded when reading PDFs, and never left with rows of a deleted course."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.demo.pdf import text_pdf
from cartable.jobs.models import FollowUp
from cartable.search import extract, index
from cartable.search.find import search
from cartable.search.index import reindex_course
from cartable.search.models import Entry, FileText
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "mbz"
CORPUS = sorted(FIXTURES.glob("*.mbz"))


def found(user, text: str) -> list[str]:
    return [hit.title for hit in search(user, text).hits]


def run_import(path: Path, *args: str) -> dict:
    out = io.StringIO()
    call_command("import", str(path), "--json", *args, stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def backup(content: str, *, with_pdf: bool = False) -> Backup:
    b = Backup(fullname="Histoire des volcans", shortname="VOLC", summary="<p>Géologie</p>")
    s0 = b.section(0, "Début", "<p>Les premières leçons</p>")
    b.activity(
        "page",
        fields(intro="", introformat=1, content=content, contentformat=1),
        title="Leçon unique",
        section=s0,
    )
    if with_pdf:
        resource = b.activity(
            "resource", fields(intro="", introformat=1, display=0), title="Fiche", section=s0
        )
        b.file(
            contextid=resource.contextid,
            component="mod_resource",
            filearea="content",
            filename="fiche-volcans.pdf",
            content=text_pdf("Fiche", ["Le Piton de la Fournaise"]),
            mimetype="application/pdf",
            sortorder=1,
        )
    return b


def test_it_indexes_an_imported_course_and_rebuilds_it_on_reimport(
    tmp_path, learner, django_capture_on_commit_callbacks
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(
            backup("<p>Le magma remonte.</p>", with_pdf=True).build(tmp_path / "v1.mbz"),
            "--publish",
        )
    course = Course.objects.get(pk=report["course"]["id"])
    Enrolment.objects.create(user=learner, course=course)
    assert found(learner, "magma") == ["Leçon unique"]
    assert found(learner, "fournaise") == ["fiche-volcans.pdf"]
    assert found(learner, "geologie") == ["Histoire des volcans"]
    assert found(learner, "premiere lecon") == ["Début"]
    with django_capture_on_commit_callbacks(execute=True):
        run_import(backup("<p>La lave refroidit.</p>").build(tmp_path / "v2.mbz"), "--publish")
    assert found(learner, "magma") == []
    assert found(learner, "lave") == ["Leçon unique"]
    assert found(learner, "fournaise") == []  # the file went with the retired activity
    assert Entry.objects.filter(course=course, kind=Entry.Kind.COURSE).count() == 1


def test_it_keeps_an_import_that_the_index_cannot_follow(
    tmp_path, django_capture_on_commit_callbacks, monkeypatch
) -> None:
    def broken(course_id: int, **kwargs) -> int:
        raise RuntimeError("index down")

    monkeypatch.setattr("cartable.search.index.reindex_course", broken)
    with django_capture_on_commit_callbacks(execute=True):
        report = run_import(backup("<p>Texte</p>").build(tmp_path / "v1.mbz"))
    assert Course.objects.filter(pk=report["course"]["id"]).exists()
    # The indexing waits to be tried again.
    assert FollowUp.objects.get().attempts == 1


@pytest.mark.parametrize("path", CORPUS, ids=[path.name for path in CORPUS])
def test_it_indexes_every_corpus_course(path: Path, staff) -> None:
    report = run_import(path)
    course = Course.objects.get(pk=report["course"]["id"])
    rows = reindex_course(course.pk)
    activities = Activity.objects.filter(course=course, retired_at__isnull=True).count()
    assert rows == Entry.objects.filter(course=course).count()
    assert (
        Entry.objects.filter(course=course)
        .exclude(activity=None)
        .values("activity")
        .distinct()
        .count()
        == activities
    )
    first = Activity.objects.filter(course=course).order_by("pk").first()
    assert first.title in found(staff, first.title)


def test_it_indexes_the_kinds_of_a_real_moodle_layout(tmp_path, staff) -> None:
    b = Backup(shortname="KINDS")
    s0 = b.section(0)
    folder = b.activity("folder", fields(intro="", introformat=1), title="Dossier", section=s0)
    b.file(
        contextid=folder.contextid,
        component="mod_folder",
        filearea="content",
        filename="carte_des_séismes.png",
        content=b"\x89PNG map",
        filepath="/cartes/",
    )
    entries = (
        '<entries><entry id="31">'
        + fields(concept="Atome", definition="<p>Très petit</p>", definitionformat=1, approved=1)
        + '<aliases><alias id="1"><alias_text>atom</alias_text></alias></aliases>'
        + "</entry></entries>"
    )
    b.activity(
        "glossary",
        fields(intro="", introformat=1, displayformat="dictionary") + entries,
        title="Glossaire",
        section=s0,
    )
    chapters = (
        '<chapters><chapter id="5">'
        + fields(pagenum=1, subchapter=0, title="Orogenèse", content="<p>Plis</p>", hidden=0)
        + '</chapter><chapter id="7">'
        + fields(pagenum=2, subchapter=0, title="Brouillon", content="<p>Plis</p>", hidden=1)
        + "</chapter></chapters>"
    )
    b.activity(
        "book", fields(intro="", introformat=1, numbering=1) + chapters, title="Livre", section=s0
    )
    course = Course.objects.get(pk=run_import(b.build(tmp_path / "k.mbz"))["course"]["id"])
    reindex_course(course.pk)
    assert found(staff, "seisme") == ["carte_des_séismes.png"]
    assert found(staff, "atom") == ["Atome"]
    assert found(staff, "plis") == ["Orogenèse"]


def test_it_reads_each_pdf_once_and_again_on_request(learner, course, monkeypatch) -> None:
    pdf = text_pdf("Cours", ["Les fractions decimales"])
    item = course.activities.get(kind="resource")
    item.blob = blobs.add(io.BytesIO(pdf))
    item.save()
    reindex_course(course.pk)
    assert FileText.objects.get(blob=item.blob).text.startswith("Cours Les fractions")
    calls = []
    monkeypatch.setattr(index, "pdf_text", lambda path, limits: calls.append(path) or "autre")
    reindex_course(course.pk)
    assert calls == []
    assert found(learner, "fraction") == ["fiche.pdf"]
    reindex_course(course.pk, reread_files=True)
    assert len(calls) == 1
    assert found(learner, "fraction") == []
    assert FileText.objects.get(blob=item.blob).text == "autre"


def test_it_reads_pdfs_within_their_limits(tmp_path) -> None:
    path = tmp_path / "long.pdf"
    path.write_bytes(text_pdf("Titre", ["premiere ligne", "deuxieme ligne"]))
    roomy = extract.PdfLimits(max_bytes=10**6, max_pages=10, max_chars=10**6, seconds=10)
    assert extract.pdf_text(path, roomy) == "Titre premiere ligne deuxieme ligne"
    assert extract.pdf_text(path, roomy.__class__(10, 10, 10**6, 10)) == ""  # too big
    short = extract.PdfLimits(max_bytes=10**6, max_pages=10, max_chars=12, seconds=10)
    assert extract.pdf_text(path, short) == "Titre premie"
    for bad in [b"", b"%PDF-1.4 broken", b"not a pdf at all", b"%PDF-" + b"\x00" * 5000]:
        path.write_bytes(bad)
        assert extract.pdf_text(path, roomy) == ""


def test_it_reads_no_pdf_when_the_limit_is_zero(learner, course, settings) -> None:
    settings.SEARCH_PDF_MAX_BYTES = 0
    item = course.activities.get(kind="resource")
    item.blob = blobs.add(io.BytesIO(text_pdf("Cours", ["Les fractions"])))
    item.save()
    reindex_course(course.pk)
    assert found(learner, "fraction") == []
    assert found(learner, "fiche pdf") == ["fiche.pdf"]


def test_it_reads_text_from_html_without_running_words_together() -> None:
    text, links = extract.html_text(
        "<h2>Titre</h2><p>un<br>deux</p><ul><li>trois</li><li>quatre</li></ul>"
        '<img src="x" alt="une carte"><p>&eacute;t&eacute; &amp; <em>hiver</em>, lune</p>'
        f'<a href="cartable-file:{"a" * 64}/fiche%20un.pdf">fiche</a>'
    )
    assert text == "Titre un deux trois quatre une carte été & hiver, lune fiche"
    assert links == [extract.LinkedFile("a" * 64, "fiche un.pdf")]


def test_it_forgets_a_deleted_course(learner, staff, course) -> None:
    reindex_course(course.pk)
    assert found(staff, "page")
    course.delete()
    assert Entry.objects.count() == 0
    assert found(staff, "page") == []
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO search_entry_fts(search_entry_fts, rank) VALUES ('integrity-check', 1)"
            )
            cursor.execute(
                "SELECT count(*) FROM search_entry_fts WHERE search_entry_fts MATCH 'page'"
            )
            assert cursor.fetchone()[0] == 0


def test_it_rebuilds_the_index_from_the_command_line(
    learner, course, other_course, monkeypatch
) -> None:
    monkeypatch.setenv("LANGUAGE", "en")
    out = io.StringIO()
    call_command("reindex", stdout=out)
    assert out.getvalue().startswith("Search index rebuilt: 2 courses, ")
    assert Entry.objects.filter(course=course).exists()
    assert Entry.objects.filter(course=other_course).exists()
    Entry.objects.all().delete()
    call_command("reindex", "--course", str(course.pk), stdout=io.StringIO())
    assert set(Entry.objects.values_list("course_id", flat=True)) == {course.pk}
    with pytest.raises(CommandError, match="There is no course number 999999"):
        call_command("reindex", "--course", "999999", stdout=io.StringIO())


def test_it_indexes_the_demo_course(db) -> None:
    from cartable.accounts.models import User

    call_command("demo", stdout=io.StringIO(), stderr=io.StringIO())
    learner = User.objects.get(username="apprenant")
    assert "Écrire une lettre de motivation" in found(learner, "lettres de motivation")
    assert any(title.endswith(".pdf") for title in found(learner, "pdf"))
