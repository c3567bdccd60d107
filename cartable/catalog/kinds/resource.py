"""A file to read, watch or listen to (its main file is the activity's ``blob``)."""

from cartable.catalog.kinds import Kind, register
from cartable.importers.common import FileRef
from cartable.importers.model import ResourceContent


def _files(data: ResourceContent) -> tuple[FileRef, ...]:
    return data.files


KIND = register(Kind("resource", data=ResourceContent, fixed_minutes=5, files=_files))
