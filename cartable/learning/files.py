"""Serving course files to those who may see them: a file activity's main file, and any file a
course holds (images in pages, a folder's files), by content hash."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404, HttpRequest

from cartable.accounts.models import User
from cartable.catalog import blobs
from cartable.catalog.access import activity_for, course_for
from cartable.catalog.models import CourseFile
from cartable.lib.blobstore import BlobError, check_digest
from cartable.web.access import signed_in

# Types a browser shows safely in place; anything else (SVG and HTML included) is downloaded.
INLINE_TYPES = frozenset(
    {
        "application/pdf",
        "image/png",
        "image/jpeg",
        "image/gif",
        "image/webp",
        "text/plain",
        "audio/mpeg",
        "audio/ogg",
        "audio/wav",
        "video/mp4",
        "video/webm",
        "video/ogg",
    }
)


@signed_in
def activity_file(request: HttpRequest, course_id: int, activity_id: int) -> FileResponse:
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    item = activity_for(user, found, activity_id)
    if item.blob_id is None:
        raise Http404
    return _file_response(item.blob_id, item.filename or "file", item.mimetype)


@signed_in
def course_file(request: HttpRequest, course_id: int, sha256: str, name: str) -> FileResponse:
    """A file a course holds (an image in a page, a folder's file), by content hash: only
    through a course the user may see, and only if that course holds those bytes."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    try:
        check_digest(sha256)
    except BlobError:
        raise Http404 from None
    held = (
        CourseFile.objects.filter(course=found, blob_id=sha256)
        .values_list("mimetype", flat=True)
        .first()
    )
    if held is None:
        raise Http404
    return _file_response(sha256, name, held or mimetypes.guess_type(name)[0] or "")


def _file_response(sha256: str, filename: str, mimetype: str) -> FileResponse:
    try:
        stream = blobs.store().open(sha256)
    except FileNotFoundError:
        raise Http404 from None
    return FileResponse(
        stream,
        as_attachment=mimetype not in INLINE_TYPES,
        filename=filename,
        content_type=mimetype or "application/octet-stream",
    )
