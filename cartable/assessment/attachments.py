"""Files attached to a quiz essay (qtype_essay's ``attachments``): checked before anything is
stored (how many the question takes, each one's size within the question's ``maxbytes`` and
the box's limit, its type by its content against ``filetypeslist``, as assignments check
theirs), then stored in the blob store; the attempt keeps their names and hashes in the
essay's response (``scoring.responses.AttachedFile``), so they survive a resume, go with the
attempt's outbox entry and are served back as downloads only."""

from __future__ import annotations

from collections.abc import Sequence

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.assessment.scoring.responses import AttachedFile
from cartable.catalog import blobs
from cartable.catalog.uploads import Refused as Refused
from cartable.catalog.uploads import checked as uploads_checked
from cartable.importers.questions import EssayData
from cartable.lib.accepted import accepted


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
    with uploads_checked(
        uploads, rule=rule, limit=limit, not_accepted=_not_accepted, prefix="essay-"
    ) as copies:
        stored = []
        for copy in copies:
            with copy.path.open("rb") as stream:
                blob = blobs.add(stream)
            stored.append(AttachedFile(copy.filename, copy.size, blob.sha256, copy.mimetype))
        return tuple(stored)


def _not_accepted(name: str, types: str) -> str:
    return _(
        "“%(name)s” is not accepted: its content is not of a type this question accepts "
        "(%(types)s)."
    ) % {"name": name, "types": types}
