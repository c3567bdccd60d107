"""An assignment: work the learner hands in (text or files), graded by a teacher."""

from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, register
from cartable.importers.common import FileRef
from cartable.importers.model import AssignContent


def _files(data: AssignContent) -> tuple[FileRef, ...]:
    return data.intro_attachments


KIND = register(
    Kind(
        "assign",
        data=AssignContent,
        answer=_("Hand in your work"),
        fixed_minutes=30,
        files=_files,
        # Its page links to the assignment's own pages (cartable.assignments).
        own_template=True,
    )
)
