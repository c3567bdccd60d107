"""File activities show videos and recordings in a player, PDFs in the box's own viewer, and
always the download link; pages load the viewer and the maths only where needed."""

from __future__ import annotations

import io

import pytest
from django.conf import settings

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course
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
