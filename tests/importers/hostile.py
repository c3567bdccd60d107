"""Hand-made hostile archives: each breaks one rule of cartable.lib.archive."""

from __future__ import annotations

import gzip
import io
import struct
import tarfile
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

MANIFEST = b'<?xml version="1.0"?><moodle_backup><information/></moodle_backup>'


def zip_of(path: Path, members: list[tuple[str, bytes]]) -> Path:
    with warnings.catch_warnings(), zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # duplicate names are the point of some tests
        for name, data in members:
            archive.writestr(name, data)
    return path


def tgz_of(path: Path, members: list[tarfile.TarInfo | tuple[str, bytes]], gz: bool = True) -> Path:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w", format=tarfile.GNU_FORMAT) as archive:
        for member in members:
            if isinstance(member, tarfile.TarInfo):
                archive.addfile(member)
            else:
                info = tarfile.TarInfo(member[0])
                info.size = len(member[1])
                archive.addfile(info, io.BytesIO(member[1]))
    data = buffer.getvalue()
    path.write_bytes(gzip.compress(data) if gz else data)
    return path


def tar_entry(name: str, kind: bytes, linkname: str = "") -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = linkname
    return info


def zip_symlink(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("link")
        info.external_attr = 0o120777 << 16
        archive.writestr(info, "/etc/passwd")
    return path


def zip_fifo(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        info = zipfile.ZipInfo("fifo")
        info.external_attr = 0o010644 << 16
        archive.writestr(info, "")
    return path


def truncated_zip(path: Path) -> Path:
    zip_of(path, [("moodle_backup.xml", MANIFEST * 50), ("other.xml", b"x" * 5000)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def truncated_tgz(path: Path) -> Path:
    tgz_of(path, [("moodle_backup.xml", MANIFEST), ("big.bin", bytes(range(256)) * 400)])
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def corrupt_zip_crc(path: Path) -> Path:
    """A stored member whose bytes were changed after its CRC was written."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        archive.writestr("a.txt", b"hello world, hello world")
    data = path.read_bytes().replace(b"hello world, hello world", b"HELLO world, hello world")
    path.write_bytes(data)
    return path


def bomb_zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("zeros.bin", bytes(8 * 1024 * 1024))
    return path


def bomb_tgz(path: Path) -> Path:
    return tgz_of(path, [("zeros.bin", bytes(8 * 1024 * 1024))])


def zip_lying_size(path: Path) -> Path:
    """The central directory says 10 bytes; the deflated data holds 3 MiB."""
    payload = bytes(range(256)) * (3 * 4096)
    compressed = zlib.compress(payload)[2:-4]
    crc = zlib.crc32(payload)
    name = b"liar.bin"
    local = struct.pack(
        "<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, 0, 0, crc, len(compressed), 10, len(name), 0
    )
    central = struct.pack(
        "<4s6H3L5H2L",
        b"PK\x01\x02",
        20,
        20,
        0,
        8,
        0,
        0,
        crc,
        len(compressed),
        10,
        len(name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + name + compressed
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central) + len(name), len(body), 0)
    path.write_bytes(body + central + name + end)
    return path


Maker = Callable[[Path], Path]
