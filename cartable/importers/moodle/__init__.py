"""Moodle course and activity backups (.mbz, ZIP or tar.gz), Moodle 2 to 5.

Registers the ``moodle`` format: ``sniff`` looks for moodle_backup.xml among the archive's
members (reading no member's data but Moodle's small .ARCHIVE_INDEX), ``load`` is
``loader.load``.
"""

from __future__ import annotations

from pathlib import Path

from cartable.importers.moodle.loader import FORMAT_NAME, load
from cartable.importers.registry import Format, register
from cartable.lib import archive

MANIFEST = "moodle_backup.xml"
_INDEX = ".ARCHIVE_INDEX"


def sniff(path: Path) -> bool:
    """True when ``path`` is an archive holding a moodle_backup.xml at its top.

    Archive problems (truncated, hostile...) raise ``ArchiveError``: they are worth telling.
    """
    kind = archive.sniff(path)
    if kind is None:
        return False
    if kind == "zip":  # the central directory lists every name: nothing is decompressed
        return MANIFEST in archive.member_names(path)
    for member, stream in archive.iter_members(path):
        if member.name == MANIFEST:
            return True
        if member.name == _INDEX and stream is not None:
            # Moodle's tar.gz backups start with an index of every member: no need to read on.
            head = b""
            while chunk := stream.read(archive.CHUNK):
                head += chunk
                if len(head) > 16 * archive.MiB:
                    break
            return any(line.split(b"\t", 1)[0] == MANIFEST.encode() for line in head.splitlines())
    return False


FORMAT = register(
    Format(name=FORMAT_NAME, label="Moodle course backup (.mbz)", sniff=sniff, load=load)
)

__all__ = ["FORMAT", "load", "sniff"]
