"""Files sent by a learner or a teacher (work handed in, feedback files, a quiz essay's
attachments, message attachments), checked before anything is stored: their name, their size
and, by their content, their type. A refused file leaves nothing behind; accepted ones wait in
temporary files until the caller's action stores them."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from cartable.lib.accepted import Accepted, accepts, filename_of
from cartable.lib.filetypes import of_file


class Refused(Exception):
    """What a learner or teacher asked for is refused; the message says why, for people."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class Checked:
    filename: str
    mimetype: str
    size: int
    path: Path  # a temporary copy, removed when the ``checked`` block ends


@contextlib.contextmanager
def checked(
    uploads: Sequence[UploadedFile[bytes]],
    *,
    rule: Accepted,
    limit: int,
    not_accepted: Callable[[str, str], str],
    prefix: str = "upload-",
) -> Iterator[list[Checked]]:
    """Each upload checked (a ``Refused`` for the first that fails), copied to a temporary
    file that the block may store; the copies are removed when the block ends.
    ``not_accepted(name, types)`` words the refusal of a type the rule does not accept."""
    folder = Path(settings.FILE_UPLOAD_TEMP_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    copies: list[Checked] = []
    try:
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
            handle, temporary = tempfile.mkstemp(dir=folder, prefix=prefix)
            path = Path(temporary)
            with os.fdopen(handle, "wb") as out:
                for chunk in upload.chunks():
                    out.write(chunk)
            copies.append(Checked(name, "", upload.size, path))
            found = of_file(path, name)
            if not accepts(rule, name, found.mimetype):
                raise Refused(not_accepted(name, rule.shown()))
            copies[-1] = Checked(name, found.mimetype, upload.size, path)
        yield copies
    finally:
        for copy in copies:
            copy.path.unlink(missing_ok=True)
