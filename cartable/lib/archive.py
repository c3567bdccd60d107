"""Reading untrusted archives (ZIP, tar, tar.gz) safely, with limits, in constant memory.

Nothing here trusts the archive: the kind is found from the first bytes (never the file name),
every member name is checked before any path is built from it, sizes are counted as the bytes
come out (the sizes an archive declares are only used to fail early), and members are copied
in chunks of ``CHUNK`` bytes so that memory stays flat whatever the archive holds.

Every refusal is an ``ArchiveError`` carrying a stable ``code`` (for programs and tests) and
an English message naming the problem (for people).

``extract`` writes into an empty work directory and never outside it; when it raises, the
caller deletes the work directory (it may hold the members written before the problem).
"""

from __future__ import annotations

import gzip
import io
import os
import stat
import tarfile
import unicodedata
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, BinaryIO, Literal, Protocol

if TYPE_CHECKING:
    from _typeshed import WriteableBuffer

CHUNK = 1024 * 1024
KiB = 1024
MiB = 1024 * KiB
GiB = 1024 * MiB

ArchiveKind = Literal["zip", "tar", "tar.gz"]


class ByteStream(Protocol):
    """What a member's bytes are read through: ``read(size)``, at most a chunk at a time."""

    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True, slots=True)
class ArchiveLimits:
    """How much an archive may hold before it is refused."""

    max_member_size: int = 2 * GiB
    max_total_size: int = 20 * GiB
    max_members: int = 200_000
    max_ratio: int = 200
    ratio_threshold: int = 1 * MiB  # the ratio is only checked past this many bytes out
    max_path_length: int = 1024
    max_name_length: int = 255  # one path component, in bytes (most file systems' limit)


DEFAULT_LIMITS = ArchiveLimits()


class ArchiveError(ValueError):
    """The archive is refused. ``code`` is stable; the message says what is wrong."""

    code = "archive_error"

    def __init__(self, message: str, *, member: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.member = member


def _error(code: str, doc: str) -> type[ArchiveError]:
    name = "".join(part.capitalize() for part in code.split("_")) + "Error"
    return type(name, (ArchiveError,), {"code": code, "__doc__": doc})


NotAnArchive = _error("not_an_archive", "The file is not a ZIP or tar archive.")
Truncated = _error("truncated", "The archive ends before its data does.")
Corrupt = _error("corrupt", "The archive's data does not match its checksums.")
PathTraversal = _error("path_traversal", "A member name climbs out of the archive with '..'.")
AbsolutePath = _error("absolute_path", "A member name is absolute (/, \\ or a drive letter).")
UnsafeName = _error("unsafe_name", "A member name holds a control character or is empty.")
PathTooLong = _error("path_too_long", "A member name is longer than the limit.")
LinkMember = _error("link_member", "A member is a symbolic or hard link.")
SpecialFile = _error("special_file", "A member is a device, a FIFO or a socket.")
DuplicateMember = _error("duplicate_member", "Two members have the same name.")
PathConflict = _error("path_conflict", "A member is both a file and a folder.")
EncryptedMember = _error("encrypted", "A member is encrypted.")
MemberTooLarge = _error("member_too_large", "A member is larger than the limit.")
TotalTooLarge = _error("total_too_large", "The members add up to more than the limit.")
TooManyMembers = _error("too_many_members", "The archive holds more members than the limit.")
CompressionRatio = _error("compression_ratio", "The data expands more than the limit allows.")
MemberNotFound = _error("member_not_found", "The archive has no member of that name.")


@dataclass(frozen=True, slots=True)
class Member:
    """One member, its name already checked and normalised (``a/b/c``, no trailing slash)."""

    name: str
    is_dir: bool
    declared_size: int


@dataclass(frozen=True, slots=True)
class Extracted:
    kind: ArchiveKind
    root: Path
    files: tuple[str, ...]
    total_size: int


def sniff(path: Path) -> ArchiveKind | None:
    """The kind of archive from its first bytes, or None."""
    with path.open("rb") as handle:
        head = handle.read(512)
    if head[:4] in (b"PK\x03\x04", b"PK\x05\x06"):  # a member, or the end of an empty ZIP
        return "zip"
    if head[:2] == b"\x1f\x8b":
        return "tar.gz"
    if len(head) >= 262 and head[257:262] == b"ustar":
        return "tar"
    return None


def normalise_name(raw: str, limits: ArchiveLimits = DEFAULT_LIMITS) -> tuple[str, bool]:
    """Check one member name; return it as ``a/b/c`` and whether it names a folder."""
    if any(ord(char) < 32 or ord(char) == 127 for char in raw):
        raise UnsafeName(f"member name {raw!r} holds a control character", member=raw)
    name = raw.replace("\\", "/")
    if name.startswith("/") or (len(name) >= 2 and name[1] == ":" and name[0].isalpha()):
        raise AbsolutePath(f"member {raw!r} has an absolute path", member=raw)
    is_dir = name.endswith("/")
    parts = [part for part in name.split("/") if part not in ("", ".")]
    if ".." in parts:
        raise PathTraversal(f"member {raw!r} climbs out of the archive with '..'", member=raw)
    if not parts:
        if is_dir:
            return "", True
        raise UnsafeName(f"member name {raw!r} is empty", member=raw)
    clean = unicodedata.normalize("NFC", "/".join(parts))
    if len(clean) > limits.max_path_length:
        raise PathTooLong(
            f"member {clean[:80]!r}... has a name of {len(clean)} characters; "
            f"the limit is {limits.max_path_length}",
            member=raw,
        )
    for part in clean.split("/"):
        if len(part.encode("utf-8")) > limits.max_name_length:
            raise PathTooLong(
                f"member {clean[:80]!r} has a name part longer than {limits.max_name_length} bytes",
                member=raw,
            )
    return clean, is_dir


class _CountingReader(io.RawIOBase):
    """A read-only file wrapper that counts the bytes read through it (compressed input)."""

    def __init__(self, raw: BinaryIO) -> None:
        super().__init__()
        self.raw = raw
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: WriteableBuffer, /) -> int:
        view = memoryview(buffer).cast("B")
        data = self.raw.read(len(view))
        view[: len(data)] = data
        self.count += len(data)
        return len(data)


class _Guard:
    """Counts members and bytes as they stream out and refuses what passes the limits."""

    def __init__(self, limits: ArchiveLimits, compressed: Callable[[], int]) -> None:
        self.limits = limits
        self.compressed = compressed  # compressed bytes consumed so far (whole archive)
        self.members = 0
        self.total = 0
        self.declared_total = 0
        self.names: set[str] = set()
        self.folders: set[str] = set()
        self.files: set[str] = set()

    def admit(self, raw_name: str, is_dir: bool, declared: int) -> Member | None:
        self.members += 1
        if self.members > self.limits.max_members:
            raise TooManyMembers(f"the archive holds more than {self.limits.max_members} members")
        name, named_dir = normalise_name(raw_name, self.limits)
        is_dir = is_dir or named_dir
        if name == "":
            return None
        if is_dir:
            if name in self.files:
                raise PathConflict(f"{name!r} is both a file and a folder", member=name)
            self._add_folders(name)
            return Member(name=name, is_dir=True, declared_size=0)
        if name in self.names:
            raise DuplicateMember(f"the archive holds {name!r} twice", member=name)
        if name in self.folders:
            raise PathConflict(f"{name!r} is both a file and a folder", member=name)
        self._add_folders(name.rpartition("/")[0])
        self.names.add(name)
        self.files.add(name)
        if declared > self.limits.max_member_size:
            raise MemberTooLarge(
                f"member {name!r} declares {declared} bytes; the limit is "
                f"{self.limits.max_member_size}",
                member=name,
            )
        self.declared_total += declared
        if self.declared_total > self.limits.max_total_size:
            raise TotalTooLarge(
                f"the members declare more than {self.limits.max_total_size} bytes in all",
                member=name,
            )
        return Member(name=name, is_dir=False, declared_size=declared)

    def _add_folders(self, folder: str) -> None:
        while folder:
            if folder in self.files:
                raise PathConflict(f"{folder!r} is both a file and a folder", member=folder)
            self.folders.add(folder)
            folder = folder.rpartition("/")[0]

    def count(self, member: Member, written: int, step: int, member_compressed: int) -> None:
        """Record ``step`` more bytes out of ``member`` (``written`` counted so far, before)."""
        written += step
        self.total += step
        limits = self.limits
        if written > limits.max_member_size:
            raise MemberTooLarge(
                f"member {member.name!r} is larger than {limits.max_member_size} bytes",
                member=member.name,
            )
        if self.total > limits.max_total_size:
            raise TotalTooLarge(
                f"the archive expands to more than {limits.max_total_size} bytes",
                member=member.name,
            )
        if written > limits.ratio_threshold and written > limits.max_ratio * max(
            member_compressed, 1
        ):
            raise CompressionRatio(
                f"member {member.name!r} expands more than {limits.max_ratio} times "
                "(a compression bomb?)",
                member=member.name,
            )
        if self.total > limits.ratio_threshold and self.total > limits.max_ratio * max(
            self.compressed(), 1
        ):
            raise CompressionRatio(
                f"the archive expands more than {limits.max_ratio} times (a compression bomb?)",
                member=member.name,
            )


MAX_HEADER = 64 * KiB  # a long name or pax header beyond this is refused before it is read


class _SafeTarInfo(tarfile.TarInfo):
    """Refuses oversized long-name and pax headers, which tarfile would read whole in memory."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        header_types = (
            tarfile.GNUTYPE_LONGNAME,
            tarfile.GNUTYPE_LONGLINK,
            tarfile.XHDTYPE,
            tarfile.XGLTYPE,
            tarfile.SOLARIS_XHDTYPE,
        )
        if self.type in header_types and self.size > MAX_HEADER:
            raise PathTooLong(
                f"a tar header record declares {self.size} bytes; the limit is {MAX_HEADER}"
            )
        result: tarfile.TarInfo = super()._proc_member(tarfile_)  # type: ignore[misc]
        return result


def _translate(error: Exception, name: str) -> ArchiveError | None:
    """The ArchiveError standing for a standard library error while reading, if it is one."""
    text = str(error)
    if isinstance(error, ArchiveError):
        return error
    if isinstance(error, EOFError) or (
        isinstance(error, tarfile.ReadError) and ("unexpected end" in text or "truncated" in text)
    ):
        return Truncated(f"{name}: the archive is truncated ({text or 'unexpected end'})")
    if isinstance(error, tarfile.ReadError):
        return NotAnArchive(f"{name}: the file is not a readable tar archive ({text})")
    if isinstance(error, (gzip.BadGzipFile, zlib.error)):
        return Corrupt(f"{name}: the compressed data is damaged ({text})")
    if isinstance(error, zipfile.BadZipFile):
        if "CRC" in text or "Bad magic" in text or "Overlapped" in text:
            return Corrupt(f"{name}: the ZIP data is damaged ({text})")
        return Truncated(f"{name}: the ZIP archive is truncated or damaged ({text})")
    if isinstance(error, tarfile.TarError):
        return Corrupt(f"{name}: the tar archive is damaged ({text})")
    if isinstance(error, NotImplementedError):
        return Corrupt(f"{name}: a member uses an unsupported feature ({text})")
    return None


_READ_ERRORS = (
    EOFError,
    gzip.BadGzipFile,
    zlib.error,
    zipfile.BadZipFile,
    tarfile.TarError,
    NotImplementedError,
)


@contextmanager
def _translated(name: str) -> Iterator[None]:
    """Turn the standard library's errors into ArchiveErrors naming the problem."""
    try:
        yield
    except ArchiveError:
        raise
    except _READ_ERRORS as error:
        translated = _translate(error, name)
        if translated is None:  # pragma: no cover - every listed error is translated
            raise
        raise translated from None


def iter_members(
    path: Path, limits: ArchiveLimits = DEFAULT_LIMITS
) -> Iterator[tuple[Member, ByteStream | None]]:
    """Yield each checked member in archive order with a stream of its bytes (None for folders).

    The stream is only valid until the next member is asked for. It is a guarded stream:
    reading it counts real bytes against the limits and raises when one is passed.
    """
    kind = sniff(path)
    if kind is None:
        raise NotAnArchive(f"{path.name}: the file is not a ZIP or tar archive")
    with _translated(path.name):
        if kind == "zip":
            yield from _iter_zip(path, limits)
        else:
            yield from _iter_tar(path, kind, limits)


def _iter_zip(path: Path, limits: ArchiveLimits) -> Iterator[tuple[Member, ByteStream | None]]:
    archive_size = path.stat().st_size
    with zipfile.ZipFile(path) as archive:
        infos = archive.infolist()
        if len(infos) > limits.max_members:
            raise TooManyMembers(
                f"the archive holds {len(infos)} members; the limit is {limits.max_members}"
            )
        guard = _Guard(limits, compressed=lambda: archive_size)
        for info in infos:
            mode = info.external_attr >> 16
            if stat.S_ISLNK(mode):
                raise LinkMember(
                    f"member {info.filename!r} is a symbolic link", member=info.filename
                )
            if (
                stat.S_ISCHR(mode)
                or stat.S_ISBLK(mode)
                or stat.S_ISFIFO(mode)
                or stat.S_ISSOCK(mode)
            ):
                raise SpecialFile(
                    f"member {info.filename!r} is a device, FIFO or socket", member=info.filename
                )
            member = guard.admit(info.filename, info.is_dir(), info.file_size)
            if member is None:
                continue
            if member.is_dir:
                yield member, None
                continue
            if info.flag_bits & 0x1:
                raise EncryptedMember(f"member {member.name!r} is encrypted", member=member.name)
            compressed = min(info.compress_size, archive_size)
            lazy = _LazyZipMember(archive, info)  # opened only if read: listing stays cheap
            try:
                yield member, _GuardedStream(lazy, guard, member, _constant(compressed), path.name)
            finally:
                lazy.close()


class _LazyZipMember:
    def __init__(self, archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        self._archive = archive
        self._info = info
        self._stream: IO[bytes] | None = None

    def read(self, size: int = -1, /) -> bytes:
        if self._stream is None:
            self._stream = self._archive.open(self._info)
        return self._stream.read(size)

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()


def _iter_tar(
    path: Path, kind: ArchiveKind, limits: ArchiveLimits
) -> Iterator[tuple[Member, ByteStream | None]]:
    with path.open("rb") as raw:
        counter = _CountingReader(raw)
        source: io.BufferedIOBase = io.BufferedReader(counter, CHUNK)
        if kind == "tar.gz":
            source = gzip.GzipFile(fileobj=source, mode="rb")
        guard = _Guard(limits, compressed=lambda: counter.count)
        with tarfile.open(fileobj=source, mode="r|", tarinfo=_SafeTarInfo) as archive:
            for info in archive:
                if info.issym() or info.islnk():
                    raise LinkMember(
                        f"member {info.name!r} is a {'symbolic' if info.issym() else 'hard'} "
                        f"link (to {info.linkname!r})",
                        member=info.name,
                    )
                if (
                    info.ischr()
                    or info.isblk()
                    or info.isfifo()
                    or not (info.isfile() or info.isdir())
                ):
                    raise SpecialFile(
                        f"member {info.name!r} is a device, FIFO or other special file",
                        member=info.name,
                    )
                member = guard.admit(info.name, info.isdir(), info.size)
                if member is None:
                    continue
                if member.is_dir:
                    yield member, None
                    continue
                stream = archive.extractfile(info)
                if stream is None:  # pragma: no cover - regular files always have a stream
                    raise SpecialFile(f"member {info.name!r} has no data", member=info.name)
                guarded = _GuardedStream(stream, guard, member, lambda: counter.count, path.name)
                yield member, guarded
        # Read to the end so that a truncated or damaged tail is noticed, not ignored.
        while source.read(CHUNK):
            pass


def _constant(value: int) -> Callable[[], int]:
    return lambda: value


class _GuardedStream:
    """A member's bytes, counted against the limits as they are read."""

    def __init__(
        self,
        stream: ByteStream,
        guard: _Guard,
        member: Member,
        compressed: Callable[[], int],
        archive_name: str,
    ) -> None:
        self._archive_name = archive_name
        self._stream = stream
        self._guard = guard
        self._member = member
        self._compressed = compressed
        self.written = 0

    def read(self, size: int = -1) -> bytes:
        if size is None or size < 0 or size > CHUNK:
            size = CHUNK  # never more than a chunk at once, whatever the caller asks
        with _translated(self._archive_name):
            data = self._stream.read(size)
        if data:
            self._guard.count(self._member, self.written, len(data), self._compressed())
            self.written += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        pass


Progress = Callable[[int], None]


def extract(
    path: Path,
    workdir: Path,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    progress: Progress | None = None,
) -> Extracted:
    """Copy every member of the archive at ``path`` under ``workdir`` (created, or empty).

    ``progress``, if given, is called after each member with the bytes written so far (compare
    with ``estimated_size``). On ``ArchiveError`` the work directory may hold part of the
    archive: delete it.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    if any(workdir.iterdir()):
        raise ValueError(f"{workdir} must be an empty folder")
    root = workdir.resolve()
    kind = sniff(path)
    if kind is None:
        raise NotAnArchive(f"{path.name}: the file is not a ZIP or tar archive")
    files: list[str] = []
    total = 0
    for member, stream in iter_members(path, limits):
        target = safe_join(root, member.name)
        if stream is None:
            target.mkdir(parents=True, exist_ok=True)
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        total += _copy_new(stream, target)
        files.append(member.name)
        if progress is not None:
            progress(total)
    return Extracted(kind=kind, root=root, files=tuple(files), total_size=total)


def estimated_size(path: Path) -> int:
    """A cheap estimate of what ``extract`` will write, for progress bars only (never a limit):
    a ZIP's declared sizes, a gzip's trailer (the size modulo 4 GiB), or the file's size."""
    size = path.stat().st_size
    kind = sniff(path)
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as archive:
                return sum(info.file_size for info in archive.infolist())
        if kind == "tar.gz" and size >= 18:
            with path.open("rb") as handle:
                handle.seek(-4, os.SEEK_END)
                trailer = int.from_bytes(handle.read(4), "little")
            # The trailer wraps at 4 GiB: take the first value at least as big as the input.
            while trailer < size:
                trailer += 1 << 32
            return trailer
    except (OSError, zipfile.BadZipFile):
        pass
    return size


def safe_join(root: Path, name: str) -> Path:
    """``root / name`` for a checked member name, refusing anything that would leave root."""
    normalised, _ = normalise_name(name, ArchiveLimits(max_path_length=10_000))
    target = root.joinpath(*normalised.split("/"))
    if os.path.commonpath([root, target]) != str(root):  # pragma: no cover - belt and braces
        raise PathTraversal(f"member {name!r} would be written outside the work folder")
    return target


def _copy_new(stream: ByteStream, target: Path) -> int:
    """Write a stream to a new file (never following or replacing anything); return its size."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(target, flags, 0o600)
    size = 0
    with os.fdopen(fd, "wb") as out:
        while chunk := stream.read(CHUNK):
            out.write(chunk)
            size += len(chunk)
    return size


@contextmanager
def open_member(
    path: Path, name: str, limits: ArchiveLimits = DEFAULT_LIMITS
) -> Iterator[ByteStream]:
    """A guarded stream of one member's bytes, without extracting the others.

    Members before it are still checked (a tar must be read in order to reach it).
    """
    wanted, _ = normalise_name(name, limits)
    for member, stream in iter_members(path, limits):
        if member.name == wanted and stream is not None:
            yield stream
            return
    raise MemberNotFound(f"{path.name} has no member {name!r}", member=name)


def member_names(path: Path, limits: ArchiveLimits = DEFAULT_LIMITS) -> Iterator[str]:
    """The checked names of the archive's files, in archive order (tar data is skipped over)."""
    for member, stream in iter_members(path, limits):
        if stream is not None:
            yield member.name
