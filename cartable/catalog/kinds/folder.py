"""A folder of files, shown as a tree."""

from collections.abc import Iterator

from cartable.catalog.kinds import Kind, register
from cartable.importers.common import FileRef
from cartable.importers.model import FolderContent, FolderNode


def walk(node: FolderNode) -> Iterator[FileRef]:
    yield from node.files
    for child in node.folders:
        yield from walk(child)


def _files(data: FolderContent) -> Iterator[FileRef]:
    return walk(data.tree)


def _minutes(data: FolderContent) -> int:
    return max(2, 2 * sum(1 for _file in walk(data.tree)))


KIND = register(Kind("folder", data=FolderContent, files=_files, minutes=_minutes))
