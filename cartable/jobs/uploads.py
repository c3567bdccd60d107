"""Uploads streamed to disk (files larger than FILE_UPLOAD_MAX_MEMORY_SIZE) are written to the
data folder's temporary root and locked by the request's process while it lives, as the other
temporary files are (``cartable.lib.scratch``): a request that dies mid-upload leaves a file
that the next sweep removes, never one a live request is still writing or handing to a job."""

from __future__ import annotations

import fcntl
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import TemporaryUploadedFile, UploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler

from cartable.lib import scratch

PREFIX = "upload-"
SUFFIX = ".upload"


class LockedTemporaryUploadedFile(TemporaryUploadedFile):
    """Django's temporary upload, named ``upload-XXXX.upload`` (no part of the sender's file
    name) and held by an exclusive lock until it is closed at the request's end, also once
    moved elsewhere in the data folder (the lock goes with the file)."""

    def __init__(
        self,
        name: str | None,
        content_type: str | None,
        size: int,
        charset: str | None,
        content_type_extra: dict[str, Any] | None = None,
    ) -> None:
        root = Path(settings.FILE_UPLOAD_TEMP_DIR)
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        while True:
            file = tempfile.NamedTemporaryFile(prefix=PREFIX, suffix=SUFFIX, dir=root)  # noqa: SIM115
            fcntl.flock(file.fileno(), fcntl.LOCK_EX)
            if scratch.holds(file.fileno(), Path(file.name)):
                break
            file.close()  # swept between its making and its locking: make another
        UploadedFile.__init__(self, file, name, content_type, size, charset, content_type_extra)


class LockedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def new_file(self, *args: Any, **kwargs: Any) -> None:
        FileUploadHandler.new_file(self, *args, **kwargs)
        self.file = LockedTemporaryUploadedFile(
            self.file_name, self.content_type, 0, self.charset, self.content_type_extra
        )
