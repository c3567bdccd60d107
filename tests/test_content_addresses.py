"""Addresses in imported content: nothing leads out of the box, nothing fetches anything but
the course's own files, whatever the backup wrote (issue 9, findings 1, 2 and 8)."""

from __future__ import annotations

import hashlib
import io
from html.parser import HTMLParser
from pathlib import Path

import pytest

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile, Enrolment
from cartable.ingest.imports import import_file
from cartable.lib.html import URL_ATTRIBUTES
from tests.conftest import build_course, signed_in
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n a small picture"
PNG_SHA = hashlib.sha256(PNG).hexdigest()
ZEROS = "0" * 64


class _Addresses(HTMLParser):
    """Every URL attribute of a page, as the browser's parser hands them over."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[str, str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name in URL_ATTRIBUTES and value is not None:
                self.found.append((tag, name, value))


def addresses(page: str) -> list[tuple[str, str, str]]:
    parser = _Addresses()
    parser.feed(page)
    parser.close()
    return parser.found


def import_page(tmp_path: Path, content: str) -> tuple[Course, Activity]:
    """A published course of one page holding ``content`` and a picture of its own."""
    backup = Backup(shortname="PIEGE", fullname="Cours piégé")
    section = backup.section(0)
    page = backup.activity(
        "page",
        fields(intro="", introformat=1, content=content, contentformat=1),
        title="Piège",
        section=section,
    )
    backup.file(
        contextid=page.contextid,
        component="mod_page",
        filearea="content",
        filename="photo.png",
        content=PNG,
        mimetype="image/png",
    )
    outcome = import_file(backup.build(tmp_path / "piege.mbz"), actor=None, publish=True)
    return outcome.course, outcome.course.activities.get(title="Piège")


def learner_page(learner, course: Course, activity: Activity) -> str:
    Enrolment.objects.get_or_create(user=learner, course=course)
    response = signed_in(learner).get(f"/courses/{course.pk}/activities/{activity.pk}/")
    assert response.status_code == 200
    return response.content.decode()


HIDDEN_LINKS = [
    '<a href="ht&#9;tps://evil.example/x">tab</a>',
    '<a href=" https://evil.example/x">space</a>',
    '<a href="&#9;https://evil.example/x">leading tab</a>',
    '<a href="h&#10;ttps://evil.example/x">newline</a>',
]


def test_it_shows_links_hidden_by_tabs_and_spaces_as_text_and_lists_them(
    tmp_path: Path, learner
) -> None:
    course, page = import_page(tmp_path, "<p>" + " ".join(HIDDEN_LINKS) + "</p>")
    shown = learner_page(learner, course, page)
    assert not [found for found in addresses(shown) if "evil" in found[2]]
    for text in ("tab", "space", "leading tab", "newline"):
        assert (
            f'<span class="external-link">{text} <span class="external-link__address">'
            "(https://evil.example/x)</span></span>" in shown
        )
    assert {"kind": "external_link", "detail": "https://evil.example/x"} in page.risks
    assert page.external_links == ["https://evil.example/x"]


FORGED_SOURCES = [
    '<img srcset="/audit/export.csv?action=auth.sign_in 1x" alt="srcset">',
    f'<img src="cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv" alt="traversal">',
    f'<img src="cartable-file:{PNG_SHA}/..%2F..%2Faudit%2Fexport.csv" alt="own file, other name">',
    '<video poster="/audit/export.csv"></video>',
    '<p style="background-image:url(/audit/export.csv)">style</p>',
    '<a href="/audit/export.csv">box path</a>',
    f'<a href="cartable-file:{PNG_SHA}/autre.png">written in the backup</a>',
    '<a href="cartable-course:2">also written in the backup</a>',
]


def test_it_makes_the_browser_fetch_nothing_but_the_course_files(
    tmp_path: Path, learner, staff
) -> None:
    content = '<p><img src="@@PLUGINFILE@@/photo.png" alt="photo"></p>' + "".join(FORGED_SOURCES)
    course, page = import_page(tmp_path, content)
    shown = learner_page(learner, course, page)
    own = f"/courses/{course.pk}/files/{PNG_SHA}/photo.png"
    prose = shown[shown.index('<div class="prose">') :]
    found = addresses(prose[: prose.index("</article>")])
    assert found == [("img", "src", own)]  # the picture the importer placed, nothing else
    dropped = {row["detail"] for row in page.risks if row["kind"] == "dropped_address"}
    assert "/audit/export.csv?action=auth.sign_in" in dropped
    assert f"cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv" in dropped
    assert "/audit/export.csv" in dropped
    assert f"cartable-file:{PNG_SHA}/autre.png" in dropped  # not written by the importer
    assert "cartable-course:2" in dropped
    review = signed_in(staff).get(f"/review/courses/{course.pk}/?all=1", HTTP_ACCEPT_LANGUAGE="en")
    shown_to_staff = review.content.decode()
    assert "Addresses that lead nowhere on the box (removed)" in shown_to_staff
    assert "/audit/export.csv?action=auth.sign_in" in shown_to_staff


def test_it_refuses_stored_addresses_that_leave_the_course(learner, institution) -> None:
    """Content stored before the rule (or by any other way in) is held to it at display."""
    course = build_course(institution, "ANCIEN")
    elsewhere = build_course(institution, "AILLEURS")
    theirs = CourseFile.objects.create(
        course=elsewhere, blob=blobs.add(io.BytesIO(b"%PDF-1.4 autre")), filename="autre.pdf"
    )
    ours = CourseFile.objects.create(
        course=course, blob=blobs.add(io.BytesIO(PNG)), filename="photo.png"
    )
    page = course.activities.filter(kind="page").first()
    page.content = (
        f'<p><img src="cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv">'
        '<img srcset="/audit/export.csv?action=auth.sign_in 1x">'
        f'<a href="cartable-file:{theirs.blob_id}/autre.pdf">theirs</a>'
        f'<img src="cartable-file:{ours.blob_id}/..%2F..%2Faudit">'
        '<a href="ht\ttps://evil.example/x">old</a>'
        '<img src="/audit/export.csv"></p>'
    )
    page.save()
    shown = learner_page(learner, course, page)
    prose = shown[shown.index('<div class="prose">') :]
    prose = prose[: prose.index("</article>")]
    assert addresses(prose) == []
    assert prose.startswith(
        '<div class="prose"><p><img><img><a data-missing="href">theirs</a><img>'
        '<span class="external-link">old <span class="external-link__address">'
        "(https://evil.example/x)</span></span><img></p></div>"
    )


def test_it_serves_pdfs_for_download_outside_the_box_viewer(learner, course) -> None:
    """A browser's own PDF viewer makes a PDF's links live: a PDF is only ever shown by the
    box's viewer (which reads the bytes itself) and downloaded otherwise."""
    pdf = CourseFile.objects.create(
        course=course,
        blob=blobs.add(io.BytesIO(b"%PDF-1.4 annexe")),
        filename="annexe.pdf",
        mimetype="application/pdf",
    )
    client = signed_in(learner)
    raw = client.get(f"/courses/{course.pk}/files/{pdf.blob_id}/annexe.pdf")
    assert raw.status_code == 200
    assert raw["Content-Type"] == "application/pdf"
    assert raw["Content-Disposition"] == 'attachment; filename="annexe.pdf"'
    resource = course.activities.get(kind="resource")
    main = client.get(f"/courses/{course.pk}/activities/{resource.pk}/file/")
    assert main["Content-Disposition"].startswith("attachment")
    viewer = client.get(f"/courses/{course.pk}/documents/{pdf.blob_id}/annexe.pdf")
    assert (
        f'data-src="/courses/{course.pk}/files/{pdf.blob_id}/annexe.pdf"' in viewer.content.decode()
    )


def test_it_keeps_a_file_name_in_one_path_segment(learner, course) -> None:
    """A name from a hostile backup never adds a segment to the box's addresses."""
    held = CourseFile.objects.create(
        course=course, blob=blobs.add(io.BytesIO(PNG)), filename="../../audit/export.csv"
    )
    page = course.activities.filter(kind="page").first()
    page.content = f'<p><img src="cartable-file:{held.blob_id}/photo.png" alt="x"></p>'
    page.save()
    shown = learner_page(learner, course, page)
    assert f'src="/courses/{course.pk}/files/{held.blob_id}/.._.._audit_export.csv"' in shown
