"""The box's content store, and the Blob rows that record what it holds."""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings
from django.http import FileResponse, Http404

from cartable.catalog.models import Blob
from cartable.lib.blobstore import BlobStore
from cartable.lib.filetypes import served_as


def store() -> BlobStore:
    return BlobStore(settings.CONTENT_ROOT)


def add(stream: BinaryIO, *, expected_sha256: str | None = None) -> Blob:
    """Store bytes (idempotent: the same bytes give the same blob) and record them."""
    stored = store().put_stream(stream, expected_sha256=expected_sha256)
    blob, _created = Blob.objects.get_or_create(
        sha256=stored.sha256, defaults={"size": stored.size}
    )
    return blob


def download(sha256: str, filename: str, mimetype: str) -> FileResponse:
    """A stored file as a download only (never shown in place, its type not to be guessed at
    by the browser, kept by no shared cache); 404 when the store lost it. Who may have it is
    the caller's check."""
    try:
        stream = store().open(sha256)
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        stream, as_attachment=True, filename=filename, content_type=served_as(mimetype)[0]
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
