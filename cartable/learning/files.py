"""Serving course files to those who may see them: a file activity's main file, and any file a
course holds (images in pages, a folder's files), by content hash.

Files are streamed, never read into memory: the whole file through ``FileResponse`` (the
server's ``wsgi.file_wrapper``, so gunicorn uses ``sendfile``), one range of it (a media player
seeking, pdf.js reading a large PDF) in bounded chunks; ranges follow ``cartable.lib.ranges``.
A blob is named by its SHA-256, so that hash is a strong ETag. Responses are private (the files
are for enrolled users only); an address that names the hash may be cached for a year.
"""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header, parse_etags
from django.views.decorators.http import require_safe

from cartable.accounts.access import signed_in
from cartable.accounts.models import User
from cartable.catalog import blobs
from cartable.catalog.access import activity_for, course_files, course_for, sees_all_of
from cartable.catalog.models import Course
from cartable.catalog.rendering import file_source, shown_in_viewer
from cartable.learning.gate import Gate, holds, ruled
from cartable.lib.blobstore import BlobError, check_digest
from cartable.lib.filetypes import served_as
from cartable.lib.ranges import ByteRange, Unsatisfiable, if_range_allows, requested_range

CHUNK = 64 * 1024  # bytes read at a time (FileResponse's default is 4 KiB)
CACHE_FOREVER = "private, max-age=31536000, immutable"  # the address names the bytes
CACHE_REVALIDATE = "private, no-cache"  # the address may serve other bytes later: ask (304)


@signed_in
@require_safe
def activity_file(request: HttpRequest, course_id: int, activity_id: int) -> HttpResponseBase:
    """A file activity's main file. Its address names the activity, whose file may change on
    a re-import; links add ``?v=<sha256>``, and only such an address is cached for good."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    item = activity_for(user, found, activity_id)
    if item.blob_id is None:
        raise Http404
    if holds(user, found, item):
        raise PermissionDenied  # its page says why
    cache = CACHE_FOREVER if request.GET.get("v") == item.blob_id else CACHE_REVALIDATE
    return _file_response(request, item.blob_id, item.filename or "file", item.mimetype, cache)


def _held(request: HttpRequest, course_id: int, sha256: str) -> tuple[Course, str, int]:
    """The course (one the user may see) and the type and size of the file it holds by that
    hash, if the user may fetch it: 404 when the course does not hold it for the user (or
    only through activities they may not see), 403 when it is held only by activities whose
    access rules (or their sections') keep the user out now."""
    user: User = request.user  # type: ignore[assignment]
    found = course_for(user, course_id)
    try:
        check_digest(sha256)
    except BlobError:
        raise Http404 from None
    holders = list(
        course_files(user, found)
        .filter(blob_id=sha256)
        .order_by("pk")
        .values_list(
            "mimetype",
            "blob__size",
            "activity_id",
            "activity__availability",
            "activity__section__availability",
            "section__availability",
        )
    )
    if not holders:
        raise Http404
    rules = Gate(user, [found.pk])
    for mimetype, size, activity, own, its_section, section in holders:
        # An activity's file follows its activity's rules; a section summary's, its section's.
        if activity is None:
            own, its_section = None, section
        if not ruled(own, its_section) or rules.verdict(found.pk, own, its_section).available:
            return found, mimetype, size
    if sees_all_of(user, found):  # teachers and staff are held by no rule
        return found, holders[0][0], holders[0][1]
    raise PermissionDenied  # the activity's page says why


@signed_in
@require_safe
def course_file(request: HttpRequest, course_id: int, sha256: str, name: str) -> HttpResponseBase:
    """A file a course holds (an image in a page, a folder's file), by content hash: only
    through a course the user may see, and only if that course holds those bytes."""
    _course, mimetype, _size = _held(request, course_id, sha256)
    return _file_response(request, sha256, name, mimetype, CACHE_FOREVER)


@signed_in
@require_safe
def document(request: HttpRequest, course_id: int, sha256: str, name: str) -> HttpResponseBase:
    """A course file on a page of the box: a PDF in the box's viewer (many devices have no
    PDF reader), with its download button; any other file is the file itself."""
    found, mimetype, size = _held(request, course_id, sha256)
    src = file_source(found.pk, sha256, name)
    if not shown_in_viewer(name, mimetype):
        return redirect(src)
    return render(
        request,
        "learning/document.html",
        {"course": found, "name": Path(name).name, "src": src, "size": size},
    )


def _file_response(
    request: HttpRequest, sha256: str, filename: str, mimetype: str, cache: str
) -> HttpResponseBase:
    """The file's bytes for GET (all of them, or the one range asked for), its headers alone
    for HEAD, 304 when the client already holds it, 416 for a range past its end."""
    store = blobs.store()
    try:
        size = store.size(sha256)
    except FileNotFoundError:
        raise Http404 from None
    etag = f'"{sha256}"'
    headers = {"ETag": etag, "Accept-Ranges": "bytes", "Cache-Control": cache}

    if _client_holds(request, etag):
        not_modified = HttpResponse(status=304, headers=headers)
        del not_modified.headers["Content-Type"]
        return not_modified

    wanted: ByteRange | None = None
    # Only GET has ranges (RFC 9110 §14.2); If-Range lets a client resume only the same bytes.
    if request.method == "GET" and if_range_allows(request.headers.get("If-Range"), etag):
        try:
            wanted = requested_range(request.headers.get("Range"), size)
        except Unsatisfiable:
            return HttpResponse(
                status=416,
                content_type="text/plain",
                headers={"Accept-Ranges": "bytes", "Content-Range": f"bytes */{size}"},
            )

    # The type decided from the file's bytes at import, if the box serves it; never one the
    # name suggests or a backup declared (an address may name the file anything).
    content_type, inline = served_as(mimetype)
    if request.method == "HEAD":
        head = HttpResponse(content_type=content_type, headers=headers)
        head.headers["Content-Length"] = str(size)
        disposition = content_disposition_header(not inline, Path(filename).name)
        if disposition:
            head.headers["Content-Disposition"] = disposition
        return head

    try:
        stream = store.open(sha256)
    except FileNotFoundError:
        raise Http404 from None
    body: BinaryIO | _Slice = stream
    if wanted is not None:
        stream.seek(wanted.start)
        if wanted.end < size - 1:
            body = _Slice(stream, wanted.length)  # no fileno: no server can send past its end
    response = FileResponse(
        body,
        status=200 if wanted is None else 206,
        as_attachment=not inline,
        filename=filename,
        content_type=content_type,
        headers=headers,
    )
    response.block_size = CHUNK
    if wanted is not None:
        response.headers["Content-Range"] = wanted.content_range(size)
        response.headers["Content-Length"] = str(wanted.length)
    return response


def _client_holds(request: HttpRequest, etag: str) -> bool:
    """If-None-Match names our ETag (weak comparison, RFC 9110 §13.1.2), or is ``*``."""
    tags = parse_etags(request.headers.get("If-None-Match", ""))
    return "*" in tags or any(tag.removeprefix("W/") == etag for tag in tags)


class _Slice:
    """The next ``length`` bytes of an open file, read in chunks and then closed."""

    def __init__(self, stream: BinaryIO, length: int) -> None:
        self._stream = stream
        self._left = length

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size < 0 else min(size, self._left)
        data = self._stream.read(wanted)
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._stream.close()
