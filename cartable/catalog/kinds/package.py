"""Packaged activities played by a renderer: SCORM packages and H5P activities."""

from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import PackageContent

SCORM = register(
    Kind(
        "scorm",
        data=PackageContent,
        answer=_("Do the activity"),
        fixed_minutes=15,
        own_template=False,
    )
)
H5P = register(
    Kind(
        "h5pactivity",
        data=PackageContent,
        answer=_("Do the activity"),
        fixed_minutes=10,
        own_template=False,
    )
)
