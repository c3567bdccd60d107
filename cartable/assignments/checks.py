"""Files handed in (by a learner) or given back (by a teacher), checked before anything is
stored: their name, their size and, by their content, their type, by the box's one upload
check (``catalog.uploads``), worded for an assignment. A refused file leaves nothing behind;
an accepted one waits in a temporary file until its action stores it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext as _

from cartable.assignments.rules import Accepted
from cartable.catalog import uploads as shared
from cartable.catalog.uploads import Checked as Checked
from cartable.catalog.uploads import Refused as Refused
from cartable.lib.accepted import filename_of as filename_of


def _not_accepted(name: str, types: str) -> str:
    return _(
        "“%(name)s” is not accepted: its content is not of a type this assignment accepts "
        "(%(types)s)."
    ) % {"name": name, "types": types}


@contextlib.contextmanager
def checked(
    uploads: Sequence[UploadedFile[bytes]], *, rule: Accepted, limit: int
) -> Iterator[list[Checked]]:
    """Each upload checked (a ``Refused`` for the first that fails), copied to a temporary
    file that the block may store; the copies are removed when the block ends."""
    with shared.checked(
        uploads, rule=rule, limit=limit, not_accepted=_not_accepted, prefix="handed-in-"
    ) as copies:
        yield copies
