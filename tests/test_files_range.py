"""Course files are served in ranges (media players seek, pdf.js reads large PDFs in parts),
with a strong ETag and private caching, to those who may see them and nobody else."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from django.test import Client

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, CourseFile
from cartable.lib.ranges import ByteRange, Unsatisfiable, if_range_allows, requested_range
from tests.conftest import signed_in

pytestmark = pytest.mark.django_db

CLIP = (Path(__file__).parent / "fixtures" / "media" / "clip.webm").read_bytes()
SIZE = len(CLIP)


# --- The pure part: which bytes a Range header asks for ---------------------------------------


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("bytes=0-99", ByteRange(0, 99)),
        ("bytes=100-199", ByteRange(100, 199)),
        ("bytes=5-5", ByteRange(5, 5)),
        ("bytes=900-", ByteRange(900, 999)),
        ("bytes=0-", ByteRange(0, 999)),
        ("bytes=-100", ByteRange(900, 999)),
        ("bytes=-5000", ByteRange(0, 999)),  # a suffix longer than the file: all of it
        ("bytes=990-5000", ByteRange(990, 999)),  # the end is clipped to the file
        ("BYTES = 1-2", ByteRange(1, 2)),
        ("bytes= 1-2 ,", ByteRange(1, 2)),
        # Ignored, so the whole file is served:
        ("bytes=0-1,5-6", None),  # several ranges
        ("bytes=0-1, 0-1", None),
        ("items=0-5", None),  # another unit
        ("bytes", None),
        ("bytes=", None),
        ("bytes=-", None),
        ("bytes=abc", None),
        ("bytes=5-2", None),  # last before first: invalid, not unsatisfiable
        ("bytes=1.5-2", None),
        ("bytes=-1-2", None),
        ("bytes=0x10-", None),
        ("bytes=" + "9" * 5000 + "-", None),  # absurdly long: ignored, not a server error
    ],
)
def test_it_reads_the_range_asked_for(header: str | None, expected: ByteRange | None) -> None:
    assert requested_range(header, 1000) == expected


@pytest.mark.parametrize(
    ("header", "size"),
    [("bytes=1000-", 1000), ("bytes=1000-2000", 1000), ("bytes=-0", 1000), ("bytes=0-", 0)],
)
def test_it_finds_ranges_past_the_end_unsatisfiable(header: str, size: int) -> None:
    with pytest.raises(Unsatisfiable):
        requested_range(header, size)


def test_it_describes_a_range() -> None:
    assert ByteRange(10, 19).length == 10
    assert ByteRange(10, 19).content_range(100) == "bytes 10-19/100"


@pytest.mark.parametrize(
    ("header", "allowed"),
    [
        (None, True),
        ('"abc"', True),
        (' "abc" ', True),
        ('W/"abc"', False),  # a weak tag never matches
        ('"abd"', False),
        ("Sat, 01 Jan 2000 00:00:00 GMT", False),  # a date: we send no Last-Modified
    ],
)
def test_it_honours_a_range_only_for_the_same_bytes(header: str | None, allowed: bool) -> None:
    assert if_range_allows(header, '"abc"') is allowed


# --- The views --------------------------------------------------------------------------------


@pytest.fixture
def video(course: Course) -> Activity:
    blob = blobs.add(io.BytesIO(CLIP))
    CourseFile.objects.create(course=course, blob=blob, filename="clip.webm", mimetype="video/webm")
    return Activity.objects.create(
        review_status=Activity.Review.APPROVED,
        course=course,
        section=course.sections.get(position=0),
        position=100,
        kind=Activity.Kind.RESOURCE,
        title="Vidéo",
        blob=blob,
        filename="clip.webm",
        mimetype="video/webm",
    )


def activity_url(item: Activity) -> str:
    return f"/courses/{item.course_id}/activities/{item.pk}/file/"


def hash_url(item: Activity) -> str:
    return f"/courses/{item.course_id}/files/{item.blob_id}/clip.webm"


def body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_it_serves_the_whole_file_with_its_validators(learner, video) -> None:
    response = signed_in(learner).get(activity_url(video))
    assert response.status_code == 200
    assert body(response) == CLIP
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{video.blob_id}"'
    assert response["Content-Disposition"] == 'inline; filename="clip.webm"'
    assert response["X-Content-Type-Options"] == "nosniff"


def test_it_caches_privately_and_for_good_only_where_the_address_names_the_bytes(
    learner, video
) -> None:
    client = signed_in(learner)
    by_activity = client.get(activity_url(video))
    assert by_activity["Cache-Control"] == "private, no-cache"
    for url in (f"{activity_url(video)}?v={video.blob_id}", hash_url(video)):
        response = client.get(url)
        assert response.status_code == 200
        assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    # An old hash in the address (the activity's file changed): ask again every time.
    stale = client.get(f"{activity_url(video)}?v={'0' * 64}")
    assert stale["Cache-Control"] == "private, no-cache"


@pytest.mark.parametrize(
    ("header", "start", "end"),
    [
        ("bytes=0-99", 0, 99),
        ("bytes=1000-1999", 1000, 1999),
        ("bytes=1000-", 1000, SIZE - 1),
        ("bytes=-500", SIZE - 500, SIZE - 1),
        (f"bytes=100-{SIZE * 2}", 100, SIZE - 1),
    ],
)
@pytest.mark.parametrize("by_hash", [False, True])
def test_it_serves_one_range(learner, video, header: str, start: int, end: int, by_hash) -> None:
    url = hash_url(video) if by_hash else activity_url(video)
    response = signed_in(learner).get(url, headers={"Range": header})
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {start}-{end}/{SIZE}"
    assert response["Content-Length"] == str(end - start + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{video.blob_id}"'
    assert response["Content-Type"] == "video/webm"
    assert body(response) == CLIP[start : end + 1]


def test_it_streams_a_range_in_bounded_chunks(learner, video) -> None:
    response = signed_in(learner).get(activity_url(video), headers={"Range": "bytes=10-70009"})
    assert response.streaming
    chunks = list(response.streaming_content)
    assert max(len(chunk) for chunk in chunks) <= 64 * 1024
    assert b"".join(chunks) == CLIP[10:70010]


@pytest.mark.parametrize(
    "header", ["bytes=0-9,20-29", "bytes=abc", "items=0-9", "bytes=50-10", "bytes=-"]
)
def test_it_serves_the_whole_file_for_ranges_it_ignores(learner, video, header: str) -> None:
    """Several ranges are answered with the whole file: browsers never ask for them, and the
    RFC lets a server ignore them rather than build a multipart body."""
    response = signed_in(learner).get(activity_url(video), headers={"Range": header})
    assert response.status_code == 200
    assert "Content-Range" not in response
    assert body(response) == CLIP


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_it_refuses_a_range_past_the_end(learner, video, header: str) -> None:
    response = signed_in(learner).get(activity_url(video), headers={"Range": header})
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.content == b""


def test_it_resumes_only_the_same_bytes(learner, video) -> None:
    client = signed_in(learner)
    same = client.get(
        activity_url(video), headers={"Range": "bytes=10-19", "If-Range": f'"{video.blob_id}"'}
    )
    assert same.status_code == 206
    assert body(same) == CLIP[10:20]
    for validator in (
        '"' + "0" * 64 + '"',
        f'W/"{video.blob_id}"',
        "Sat, 01 Jan 2000 00:00:00 GMT",
    ):
        other = client.get(
            activity_url(video), headers={"Range": "bytes=10-19", "If-Range": validator}
        )
        assert other.status_code == 200
        assert body(other) == CLIP
    # If-Range does not hide an unsatisfiable range from a client whose copy is current…
    past = client.get(
        activity_url(video), headers={"Range": f"bytes={SIZE}-", "If-Range": f'"{video.blob_id}"'}
    )
    assert past.status_code == 416
    # …and one whose copy is stale gets the whole file instead.
    stale = client.get(activity_url(video), headers={"Range": f"bytes={SIZE}-", "If-Range": '"x"'})
    assert stale.status_code == 200


@pytest.mark.parametrize(
    "validator",
    ['"{sha}"', 'W/"{sha}"', '"other", "{sha}"', "*"],
    ids=["strong", "weak", "list", "any"],
)
def test_it_answers_not_modified_to_a_client_holding_the_file(learner, video, validator) -> None:
    response = signed_in(learner).get(
        hash_url(video), headers={"If-None-Match": validator.format(sha=video.blob_id)}
    )
    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{video.blob_id}"'
    assert response["Cache-Control"] == "private, max-age=31536000, immutable"
    assert "Content-Type" not in response


def test_it_serves_a_changed_file_to_a_client_holding_an_old_one(learner, video) -> None:
    response = signed_in(learner).get(hash_url(video), headers={"If-None-Match": '"old"'})
    assert response.status_code == 200


def test_it_answers_head_with_the_headers_alone(learner, video) -> None:
    client = signed_in(learner)
    response = client.head(activity_url(video))
    assert response.status_code == 200
    assert response.content == b""
    assert response["Content-Length"] == str(SIZE)
    assert response["Content-Type"] == "video/webm"
    assert response["Accept-Ranges"] == "bytes"
    assert response["ETag"] == f'"{video.blob_id}"'
    assert response["Content-Disposition"] == 'inline; filename="clip.webm"'
    # Range is defined for GET only (RFC 9110 §14.2).
    ranged = client.head(activity_url(video), headers={"Range": "bytes=0-9"})
    assert ranged.status_code == 200
    assert ranged["Content-Length"] == str(SIZE)


def test_it_names_downloads_of_risky_types_as_attachments_for_head_too(learner, video) -> None:
    video.mimetype = "text/html"
    video.filename = "page.html"
    video.save()
    client = signed_in(learner)
    for response in (client.get(activity_url(video)), client.head(activity_url(video))):
        assert response["Content-Disposition"] == 'attachment; filename="page.html"'
        assert response["Content-Type"] == "application/octet-stream"  # never what it is


def test_it_refuses_to_write_to_a_file(learner, video) -> None:
    assert signed_in(learner).post(activity_url(video)).status_code == 405


def test_it_answers_not_found_when_the_bytes_are_gone(learner, video) -> None:
    path = blobs.store().path(video.blob_id)
    path.chmod(0o600)
    path.unlink()
    client = signed_in(learner)
    assert client.get(activity_url(video)).status_code == 404
    assert client.get(activity_url(video), headers={"Range": "bytes=0-9"}).status_code == 404
    assert client.head(hash_url(video)).status_code == 404


# --- Outsiders ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["other_learner", "outsider_learner"])
@pytest.mark.parametrize("method", ["get", "head"])
def test_it_hides_files_from_those_outside_the_course(request, video, persona, method) -> None:
    client = signed_in(request.getfixturevalue(persona))
    send = getattr(client, method)
    for url in (activity_url(video), hash_url(video), f"{activity_url(video)}?v={video.blob_id}"):
        assert send(url).status_code == 404
        assert send(url, headers={"Range": "bytes=0-9"}).status_code == 404
        assert send(url, headers={"If-None-Match": f'"{video.blob_id}"'}).status_code == 404


def test_it_sends_anonymous_visitors_to_sign_in(video) -> None:
    for url in (activity_url(video), hash_url(video)):
        response = Client().get(url, headers={"Range": "bytes=0-9"})
        assert response.status_code == 302
        assert response["Location"].startswith("/accounts/login/")


def test_it_serves_by_hash_only_the_files_the_course_holds(learner, course, other_course) -> None:
    elsewhere = blobs.add(io.BytesIO(b"another course's file"))
    CourseFile.objects.create(course=other_course, blob=elsewhere, filename="secret.txt")
    client = signed_in(learner)
    url = f"/courses/{course.pk}/files/{elsewhere.sha256}/secret.txt"
    assert client.get(url).status_code == 404
    assert client.get(url, headers={"Range": "bytes=0-3"}).status_code == 404
    assert client.get(f"/courses/{course.pk}/files/not-a-hash/x.txt").status_code == 404
    assert (
        client.get(f"/courses/{other_course.pk}/files/{elsewhere.sha256}/s.txt").status_code == 404
    )


def test_it_hides_a_hidden_activity_file_from_learners(learner, video) -> None:
    video.visible = False
    video.save()
    response = signed_in(learner).get(activity_url(video), headers={"Range": "bytes=0-9"})
    assert response.status_code == 404
