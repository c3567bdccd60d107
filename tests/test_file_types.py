"""The box decides each course file's type from its bytes, serves only the types it knows as
what they are, and flags pages, drawings and scripts as active content for staff's review."""

from __future__ import annotations

import importlib
import io
import struct
import zipfile
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile, Enrolment
from cartable.lib.filetypes import HEAD_BYTES, OCTET, FileType, of_file, served_as, sniff
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields

PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(20)


def zipped(members: dict[str, bytes], *, stored_first: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for number, (name, data) in enumerate(members.items()):
            method = zipfile.ZIP_STORED if stored_first and number == 0 else zipfile.ZIP_DEFLATED
            archive.writestr(name, data, compress_type=method)
    return out.getvalue()


def ogg(packet: bytes) -> bytes:
    return b"OggS\x00\x02" + bytes(20) + b"\x01" + bytes([len(packet)]) + packet


OOXML = {"[Content_Types].xml": b"<Types/>", "_rels/.rels": b"<Relationships/>"}
ODT = "application/vnd.oasis.opendocument.text"

CASES = [
    # name, bytes, decided type, active
    ("cours.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "application/pdf", False),
    ("photo.png", PNG, "image/png", False),
    ("photo.jpg", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "image/jpeg", False),
    ("anim.gif", b"GIF89a\x01\x00\x01\x00", "image/gif", False),
    ("image.webp", b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp", False),
    ("son.wav", b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav", False),
    ("film.avi", b"RIFF\x24\x00\x00\x00AVI LIST", OCTET, False),
    ("chanson.mp3", b"ID3\x04\x00\x00\x00\x00\x00\x00", "audio/mpeg", False),
    ("sans-tag.mp3", b"\xff\xfb\x90\x64" + bytes(40), "audio/mpeg", False),
    ("radio.aac", b"\xff\xf1\x50\x80\x02\x1f\xfc", "audio/aac", False),
    ("piano.flac", b"fLaC\x00\x00\x00\x22", "audio/flac", False),
    ("video.mp4", b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00", "video/mp4", False),
    ("voix.m4a", b"\x00\x00\x00\x18ftypM4A \x00\x00\x02\x00", "audio/mp4", False),
    ("film.mov", b"\x00\x00\x00\x14ftypqt  \x00\x00\x02\x00", OCTET, False),
    ("clip.webm", b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81\x01\x42\x82\x84webm", "video/webm", False),
    ("clip.mkv", b"\x1a\x45\xdf\xa3\xa3\x42\x86\x81\x01\x42\x82\x88matroska", OCTET, False),
    ("chant.ogg", ogg(b"\x01vorbis\x00\x00\x00\x00"), "audio/ogg", False),
    ("voix.opus", ogg(b"OpusHead\x01\x02"), "audio/ogg", False),
    ("film.ogv", ogg(b"\x80theora\x03\x02"), "video/ogg", False),
    ("autre.ogg", ogg(b"\x01unknown"), OCTET, False),
    ("notes.txt", "Bonjour à tous,\nles cours reprennent lundi.\n".encode(), "text/plain", False),
    ("ancien.txt", "Élève\r\n".encode("cp1252"), "text/plain; charset=windows-1252", False),
    ("vide.txt", b"", "text/plain", False),
    ("notes.csv", b"nom;note\nLea;12\n", "text/csv", False),
    ("sous-titres.vtt", b"WEBVTT\n\n00:00.000 --> 00:01.000\nBonjour\n", "text/vtt", False),
    ("lettre.rtf", b"{\\rtf1\\ansi Bonjour}", "application/rtf", False),
    ("ancien.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(40), "application/msword", False),
    ("ancien.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "application/vnd.ms-excel", False),
    ("setup.msi", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", OCTET, False),
    ("programme", b"\x7fELF\x02\x01\x01\x00" + bytes(8), OCTET, False),
    ("setup.exe", b"MZ\x90\x00\x03\x00\x00\x00", OCTET, False),
    ("donnees.bin", bytes(range(256)), OCTET, False),
    # Active content: by its start, whatever its name…
    ("photo.png", b"<!DOCTYPE html><html><script>x()</script>", "text/html", True),
    ("lisez-moi.txt", b"\xef\xbb\xbf  <p>Bonjour</p>", "text/html", True),
    ("note.txt", b"<!-- commentaire -->", "text/html", True),
    (
        "schema.png",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script/></svg>',
        "image/svg+xml",
        True,
    ),
    ("schema.jpg", b'<?xml version="1.0"?>\n<svg xmlns="x"/>', "image/svg+xml", True),
    ("page.txt", b'<?xml version="1.0"?><html xmlns="x"/>', "text/html", True),
    ("flux.dat", b'<?xml version="1.0"?><rss/>', "application/xml", True),
    # …or by its name, whatever its start.
    ("cours.js", b"alert(document.cookie)", "text/javascript", True),
    ("module.mjs", b"export default 1", "text/javascript", True),
    ("page.HTML", b"Bonjour", "text/html", True),
    ("dessin.svgz", b"\x1f\x8b\x08\x00", "image/svg+xml", True),
    ("appli.hta", b"MZ", "text/html", True),
    # Text that merely mentions tags is text.
    ("cours.txt", b"Bonjour <p> est une balise", "text/plain", False),
]


@pytest.mark.parametrize(("name", "data", "mimetype", "active"), CASES, ids=[c[0] for c in CASES])
def test_it_decides_a_files_type_from_its_bytes(
    tmp_path: Path, name: str, data: bytes, mimetype: str, active: bool
) -> None:
    path = tmp_path / "blob"
    path.write_bytes(data)
    assert of_file(path, name) == FileType(mimetype, active)


@pytest.mark.parametrize(
    ("name", "members", "stored_first", "mimetype"),
    [
        ("lettre.docx", {**OOXML, "word/document.xml": b"<w/>"}, False, None),
        ("notes.xlsx", {**OOXML, "xl/workbook.xml": b"<w/>"}, False, None),
        ("cours.pptx", {**OOXML, "ppt/presentation.xml": b"<p/>"}, False, None),
        (
            "lettre.docx",
            {**OOXML, "word/document.xml": b"<w/>", "word/vbaProject.bin": b"\x00"},
            False,
            "application/vnd.ms-word.document.macroEnabled.12",
        ),
        ("cours.odt", {"mimetype": ODT.encode(), "content.xml": b"<o/>"}, True, ODT),
        (
            "livre.epub",
            {"mimetype": b"application/epub+zip", "OEBPS/a.xhtml": b"<h/>"},
            True,
            "application/epub+zip",
        ),
        ("archive.zip", {"a.txt": b"a", "b/c.txt": b"c"}, False, "application/zip"),
        # Named like an OpenDocument file, but the name is not first or not stored: a zip.
        ("faux.odt", {"content.xml": b"<o/>", "mimetype": ODT.encode()}, False, "application/zip"),
    ],
)
def test_it_tells_zip_based_documents_apart(tmp_path, name, members, stored_first, mimetype):
    path = tmp_path / "blob"
    path.write_bytes(zipped(members, stored_first=stored_first))
    expected = {
        "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    }.get(name.rsplit(".", 1)[1])
    assert of_file(path, name) == FileType(mimetype or expected)


def test_it_reads_no_large_zip_directory(tmp_path: Path) -> None:
    path = tmp_path / "blob"
    path.write_bytes(zipped({"a.txt": b"a"}))
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    data[end + 12 : end + 16] = struct.pack("<I", 512 * 1024 * 1024)  # claims 512 MiB
    path.write_bytes(bytes(data))
    assert of_file(path, "gros.zip") == FileType("application/zip")


def test_it_knows_a_text_file_cut_in_the_middle_of_a_character(tmp_path: Path) -> None:
    data = b"a" + ("é" * 5000).encode()  # longer than what is read
    head = data[:HEAD_BYTES]  # what is read ends inside a character
    assert sniff(head, "long.txt") == FileType("text/plain")
    assert sniff(head[:-1], "court.txt") == FileType("text/plain")  # all of a shorter file
    assert sniff(head[:-2] + b"\xc3", "court.txt") != FileType("text/plain")


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        # A download: the box's own viewer reads PDFs; a browser's would make links live.
        ("application/pdf", ("application/pdf", False)),
        ("text/plain; charset=windows-1252", ("text/plain; charset=windows-1252", True)),
        (ODT, (ODT, False)),
        ("application/javascript", (OCTET, False)),  # a type from an old import
        ("text/html", (OCTET, False)),
        ("image/svg+xml", (OCTET, False)),
        ("", (OCTET, False)),
    ],
)
def test_it_serves_only_the_types_it_knows(stored: str, expected: tuple[str, bool]) -> None:
    assert served_as(stored) == expected


# --- Through an import, to what learners get and what staff review ----------------------------


def lying_backup(tmp_path: Path) -> Path:
    b = Backup()
    s0 = b.section(0)
    folder = b.activity("folder", fields(intro="", introformat=1), title="Dossier", section=s0)
    for filename, content, declared in (
        ("cours.js", b"fetch('/audit/export.csv')", "application/javascript"),
        ("photo.png", b"<!DOCTYPE html><script>steal()</script>", "image/png"),
        ("notes.txt", "Révisions : chapitre 2.\n".encode(), "text/html"),
        ("vraie.png", PNG, "application/javascript"),
    ):
        b.file(
            contextid=folder.contextid,
            component="mod_folder",
            filearea="content",
            filename=filename,
            content=content,
            mimetype=declared,
        )
    return b.build(tmp_path / "types.mbz")


@pytest.mark.django_db
def test_it_keeps_the_type_it_decides_not_the_one_a_backup_declares(
    tmp_path: Path, learner, staff
) -> None:
    call_command("import", str(lying_backup(tmp_path)), stdout=io.StringIO())
    course = Course.objects.get()
    folder = course.activities.get(kind=Activity.Kind.FOLDER)
    risks = {(row["kind"], row["detail"]) for row in folder.risks}
    assert ("active_content", "cours.js (text/javascript)") in risks
    assert ("active_content", "photo.png (text/html)") in risks
    assert not any(kind == "active_content" and "txt" in detail for kind, detail in risks)
    reviewer = signed_in(staff)
    page = reviewer.get(f"/review/courses/{course.pk}/").content.decode()
    assert "Pages web, dessins ou scripts qu’un navigateur exécuterait" in page
    english = reviewer.get(f"/review/courses/{course.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert "Web pages, drawings or scripts a browser would run" in english.content.decode()
    approved = reviewer.post(f"/review/courses/{course.pk}/decide/", {"decision": "approve"})
    assert approved.status_code == 302
    Enrolment.objects.create(user=learner, course=course)
    stored = dict(CourseFile.objects.values_list("filename", "mimetype"))
    assert stored == {
        "cours.js": "text/javascript",
        "photo.png": "text/html",
        "notes.txt": "text/plain",
        "vraie.png": "image/png",
    }
    client = signed_in(learner)
    served = {}
    for name, sha256 in CourseFile.objects.values_list("filename", "blob_id"):
        response = client.get(f"/courses/{course.pk}/files/{sha256}/{name}")
        assert response.status_code == 200, name
        served[name] = (response["Content-Type"], response["Content-Disposition"].split(";")[0])
        b"".join(response.streaming_content)
    assert served == {
        "cours.js": (OCTET, "attachment"),
        "photo.png": (OCTET, "attachment"),
        "notes.txt": ("text/plain", "inline"),
        "vraie.png": ("image/png", "inline"),
    }


@pytest.mark.django_db
def test_it_decides_the_types_of_files_imported_before_from_their_bytes(course) -> None:
    from django.apps import apps

    migration = importlib.import_module("cartable.catalog.migrations.0007_file_types_from_content")
    page = blobs.add(io.BytesIO(b"<!DOCTYPE html><script>steal()</script>"))
    gone = blobs.add(io.BytesIO(b"a file lost from the store"))
    blobs.store().path(gone.pk).unlink()
    for blob, name in ((page, "photo.png"), (gone, "perdu.pdf")):
        CourseFile.objects.create(course=course, blob=blob, filename=name, mimetype="image/png")
    resource = course.activities.get(kind=Activity.Kind.RESOURCE)
    Activity.objects.filter(pk=resource.pk).update(mimetype="application/javascript")
    migration.decide(apps, None)
    assert dict(CourseFile.objects.values_list("filename", "mimetype")) == {
        "photo.png": "text/html",
        "perdu.pdf": OCTET,
    }
    resource.refresh_from_db()
    assert resource.mimetype == "application/pdf"  # "%PDF-1.4 fiche"
