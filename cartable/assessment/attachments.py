"""Files attached to a quiz essay (qtype_essay's ``attachments``): checked before anything is
stored (how many the question takes, each one's size within the question's ``maxbytes`` and
the box's limit, its type by its content against ``filetypeslist``, as assignments check
theirs), then stored in the blob store; the attempt keeps their names and hashes in the
essay's response (``scoring.responses.AttachedFile``), so they survive a resume, go with the
attempt's outbox entry and are served back as downloads only."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.assessment.scoring.responses import AttachedFile
from cartable.catalog import blobs
from cartable.importers.questions import EssayData
from cartable.lib.accepted import accepted, accepts, filename_of
from cartable.lib.filetypes import of_file


class Refused(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def no_files() -> str:
    return _("This question takes no files.")


def limit_of(data: EssayData) -> int:
    """The largest file an essay accepts: its own limit, within the box's."""
    box = int(settings.ASSIGN_MAX_UPLOAD_BYTES)
    return min(data.max_bytes, box) if data.max_bytes > 0 else box


def room_for(data: EssayData, kept: int) -> int | None:
    """How many more files the essay takes when it holds ``kept`` (None: no limit)."""
    if data.attachments < 0:
        return None
    return max(0, data.attachments - kept)


def store(
    uploads: Sequence[UploadedFile[bytes]], data: EssayData, *, kept: int
) -> tuple[AttachedFile, ...]:
    """Check every upload, then store them all (``Refused``, nothing stored, for the first
    that fails)."""
    if data.attachments == 0:
        raise Refused(no_files())
    room = room_for(data, kept)
    if room is not None and len(uploads) > room:
        raise Refused(
            ngettext(
                "This question takes at most %(count)d file.",
                "This question takes at most %(count)d files.",
                data.attachments,
            )
            % {"count": data.attachments}
        )
    limit = limit_of(data)
    rule = accepted(data.file_types)
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    copies: list[tuple[str, int, Path]] = []
    try:
        checked: list[tuple[str, int, str, Path]] = []
        for upload in uploads:
            name = filename_of(upload.name)
            if not name:
                raise Refused(_("A file has no name: give it one and send it again."))
            if upload.size is None or upload.size > limit:
                raise Refused(
                    _("“%(name)s” is too large: files may not exceed %(limit)s.")
                    % {"name": name, "limit": filesizeformat(limit)}
                )
            if upload.size == 0:
                raise Refused(_("“%(name)s” is empty.") % {"name": name})
            handle, temporary = tempfile.mkstemp(dir=folder, prefix="essay-")
            path = Path(temporary)
            copies.append((name, upload.size, path))
            with os.fdopen(handle, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            found = of_file(path, name)
            if not accepts(rule, name, found.mimetype):
                raise Refused(
                    _(
                        "“%(name)s” is not accepted: its content is not of a type this "
                        "question accepts (%(types)s)."
                    )
                    % {"name": name, "types": rule.shown()}
                )
            checked.append((name, upload.size, found.mimetype, path))
        stored = []
        for name, size, mimetype, path in checked:
            with path.open("rb") as stream:
                blob = blobs.add(stream)
            stored.append(AttachedFile(name, size, blob.sha256, mimetype))
        return tuple(stored)
    finally:
        for _name, _size, path in copies:
            path.unlink(missing_ok=True)
