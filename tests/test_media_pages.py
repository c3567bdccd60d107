"""File activities show videos and recordings in a player, PDFs in the box's own viewer, and
always the download link; pages load the viewer and the maths only where needed."""

from __future__ import annotations

import io

import pytest
from django.conf import settings

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile
from tests import kinddata
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db


def resource(course: Course, mimetype: str, filename: str) -> Activity:
    return Activity.objects.create(
        review_status=Activity.Review.APPROVED,
        course=course,
        section=course.sections.get(position=0),
        position=100,
        kind=Activity.Kind.RESOURCE,
        title=filename,
        blob=blobs.add(io.BytesIO(filename.encode())),
        filename=filename,
        mimetype=mimetype,
    )


def page_of(user, item: Activity) -> str:
    response = signed_in(user).get(
        f"/courses/{item.course_id}/activities/{item.pk}/", HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize(
    ("mimetype", "filename", "tag"),
    [
        ("video/mp4", "cours.mp4", "video"),
        ("video/webm", "cours.webm", "video"),
        ("audio/mpeg", "dictee.mp3", "audio"),
        ("audio/mp3", "dictee.mp3", "audio"),
        ("audio/ogg", "dictee.ogg", "audio"),
    ],
)
def test_it_plays_media_in_the_page(learner, course, mimetype, filename, tag) -> None:
    item = resource(course, mimetype, filename)
    html = page_of(learner, item)
    src = f"/courses/{course.pk}/activities/{item.pk}/file/?v={item.blob_id}"
    assert f'<{tag} class="player player--{tag}" src="{src}" controls preload="metadata"' in html
    assert f'href="{src}"' in html  # the download link, for players that cannot play it
    assert "data-pdf-viewer" not in html


def test_it_shows_a_pdf_in_the_viewer_with_the_download_link(learner, course) -> None:
    item = course.activities.get(kind="resource")
    html = page_of(learner, item)
    src = f"/courses/{course.pk}/activities/{item.pk}/file/?v={item.blob_id}"
    assert f'data-src="{src}"' in html
    assert 'data-pdf-viewer data-src="' in html
    assert "hidden>" in html.split("data-pdf-viewer", 1)[1].split("\n", 1)[0]  # shown by its script
    assert 'data-pdfjs="/static/dist/pdfjs/pdf.js"' in html
    assert 'data-worker="/static/dist/pdfjs/pdf.worker.js"' in html
    assert 'data-assets="/static/dist/pdfjs/"' in html
    assert '<script type="module" src="/static/dist/pdf-viewer.js"></script>' in html
    assert f'href="{src}">Open fiche.pdf' in html
    assert "<video" not in html


def test_it_offers_other_files_for_download_only(learner, course) -> None:
    item = resource(course, "application/zip", "exercices.zip")
    html = page_of(learner, item)
    assert f'href="/courses/{course.pk}/activities/{item.pk}/file/?v={item.blob_id}"' in html
    assert "<video" not in html
    assert "<audio" not in html
    assert "pdf-viewer" not in html


def test_it_loads_the_pdf_viewer_only_on_pdf_activities(learner, course) -> None:
    page = course.activities.filter(kind="page").first()
    assert "pdf-viewer" not in page_of(learner, page)


def test_it_keeps_the_content_security_policy_strict() -> None:
    policy = settings.CONTENT_SECURITY_POLICY
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["worker-src"] == "'self'"
    assert directives["font-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert "unsafe" not in policy
    assert "*" not in policy
    assert "http" not in policy


def held_pdf(course: Course, *, activity: Activity | None = None) -> CourseFile:
    return CourseFile.objects.create(
        course=course,
        activity=activity,
        blob=blobs.add(io.BytesIO(b"%PDF-1.4 annexe")),
        filename="annexe.pdf",
        mimetype="application/pdf",
    )


def test_it_opens_a_pdf_linked_from_a_page_in_the_viewer(learner, course) -> None:
    held = held_pdf(course)
    image = CourseFile.objects.create(
        course=course,
        blob=blobs.add(io.BytesIO(b"image")),
        filename="plan.png",
        mimetype="image/png",
    )
    page = course.activities.filter(kind="page").first()
    page.content = (
        f'<p><a href="cartable-file:{held.blob_id}/annexe.pdf">Annexe</a>'
        f'<img src="cartable-file:{image.blob_id}/plan.png" alt="Plan">'
        f'<a href="cartable-file:{image.blob_id}/plan.png">Plan</a></p>'
    )
    page.save()
    html = page_of(learner, page)
    document = f"/courses/{course.pk}/documents/{held.blob_id}/annexe.pdf"
    assert f'<a href="{document}">Annexe</a>' in html
    # Sources and links to other files lead to the bytes themselves.
    assert f'src="/courses/{course.pk}/files/{image.blob_id}/plan.png"' in html
    assert f'<a href="/courses/{course.pk}/files/{image.blob_id}/plan.png">Plan</a>' in html

    shown = signed_in(learner).get(document, HTTP_ACCEPT_LANGUAGE="en")
    assert shown.status_code == 200
    body = shown.content.decode()
    src = f"/courses/{course.pk}/files/{held.blob_id}/annexe.pdf"
    assert f'data-pdf-viewer data-src="{src}"' in body
    assert f'href="{src}"' in body and "Open annexe.pdf" in body
    # A file with no viewer is the file itself.
    other = signed_in(learner).get(f"/courses/{course.pk}/documents/{image.blob_id}/plan.png")
    assert other.status_code == 302
    assert other["Location"] == f"/courses/{course.pk}/files/{image.blob_id}/plan.png"


def test_it_keeps_a_rejected_activitys_pdf_out_of_the_viewer(learner, staff, course) -> None:
    page = course.activities.filter(kind="page").first()
    held = held_pdf(course, activity=page)
    document = f"/courses/{course.pk}/documents/{held.blob_id}/annexe.pdf"
    assert signed_in(learner).get(document).status_code == 200
    page.review_status = Activity.Review.REJECTED
    page.save()
    assert signed_in(learner).get(document).status_code == 404
    assert signed_in(staff).get(document).status_code == 200
    assert (
        signed_in(learner).get(f"/courses/{course.pk}/documents/{'0' * 64}/x.pdf").status_code
        == 404
    )


def test_it_opens_a_folders_pdf_in_the_viewer_and_other_files_directly(learner, course) -> None:
    pdf = held_pdf(course)
    sheet = CourseFile.objects.create(
        course=course,
        blob=blobs.add(io.BytesIO(b"a,b")),
        filename="notes.csv",
        mimetype="text/csv",
    )
    folder = Activity.objects.create(
        review_status=Activity.Review.APPROVED,
        course=course,
        section=course.sections.get(position=0),
        position=101,
        kind=Activity.Kind.FOLDER,
        title="Documents",
        data=kinddata.folder(
            kinddata.stored(pdf.blob_id, "annexe.pdf", 15),
            kinddata.stored(sheet.blob_id, "notes.csv", 3),
        ),
    )
    html = page_of(learner, folder)
    assert f'href="/courses/{course.pk}/documents/{pdf.blob_id}/annexe.pdf"' in html
    assert f'href="/courses/{course.pk}/files/{sheet.blob_id}/notes.csv"' in html
