"""The box's content store, and the Blob rows that record what it holds."""

from __future__ import annotations

from typing import BinaryIO

from django.conf import settings

from cartable.catalog.models import Blob
from cartable.lib.blobstore import BlobStore


def store() -> BlobStore:
    return BlobStore(settings.CONTENT_ROOT)


def add(stream: BinaryIO, *, expected_sha256: str | None = None) -> Blob:
    """Store bytes (idempotent: the same bytes give the same blob) and record them."""
    stored = store().put_stream(stream, expected_sha256=expected_sha256)
    blob, _created = Blob.objects.get_or_create(
        sha256=stored.sha256, defaults={"size": stored.size}
    )
    return blob
