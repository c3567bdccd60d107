"""An immutable, content-addressed file store.

Each blob is named by the SHA-256 of its bytes and kept under ``root/ab/cd/abcd…``. A name is
checked to be exactly 64 lowercase hex digits before any path is built from it, the hash is
computed while writing (never trusted from the caller), and a finished blob is read-only.
Writing goes to a temporary file in the same file system and is renamed into place, so a crash
never leaves a half-written blob under a valid name.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cartable.lib import crash, scratch

CHUNK = 1 << 20
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")


class BlobError(ValueError):
    """A blob name or content is not what it should be."""


@dataclass(frozen=True, slots=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the store already held these bytes


def check_digest(digest: str) -> str:
    if not isinstance(digest, str) or not _DIGEST.match(digest):
        raise BlobError(f"not a SHA-256 blob name: {digest!r}")
    return digest


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def path(self, digest: str) -> Path:
        digest = check_digest(digest)
        return self.root / digest[:2] / digest[2:4] / digest

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def size(self, digest: str) -> int:
        return self.path(digest).stat().st_size

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")

    def put_stream(
        self, stream: BinaryIO, *, expected_sha256: str | None = None, max_bytes: int | None = None
    ) -> StoredBlob:
        """Copy ``stream`` into the store in chunks; memory use does not depend on its size."""
        if expected_sha256 is not None:
            check_digest(expected_sha256)
        self.root.mkdir(parents=True, exist_ok=True)
        hasher = hashlib.sha256()
        size = 0
        # Locked while this process writes it: a sweep after a crash removes it, never before.
        fd, tmp = scratch.locked_temp_file(self.root, scratch.INCOMING_PREFIX)
        out = os.fdopen(fd, "wb")
        try:
            while chunk := stream.read(CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise BlobError(f"content larger than the limit of {max_bytes} bytes")
                hasher.update(chunk)
                out.write(chunk)
            out.flush()
            crash.point("storing")  # written, not yet in place
            os.fsync(out.fileno())
            digest = hasher.hexdigest()
            if expected_sha256 is not None and digest != expected_sha256:
                raise BlobError(
                    f"content does not match its announced hash: expected {expected_sha256}, "
                    f"got {digest}"
                )
            final = self.path(digest)
            if final.is_file():
                return StoredBlob(sha256=digest, size=size, created=False)
            final.parent.mkdir(parents=True, exist_ok=True)
            tmp.chmod(0o444)
            tmp.replace(final)
            return StoredBlob(sha256=digest, size=size, created=True)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            out.close()

    def put_bytes(self, data: bytes) -> StoredBlob:
        return self.put_stream(io.BytesIO(data))

    def put_file(self, source: Path, *, expected_sha256: str | None = None) -> StoredBlob:
        with Path(source).open("rb") as stream:
            return self.put_stream(stream, expected_sha256=expected_sha256)

    def delete(self, digest: str) -> None:
        """Remove a blob (used only to undo blobs a failed import had just added)."""
        with contextlib.suppress(FileNotFoundError):
            self.path(digest).unlink()

    def verify(self, digest: str) -> bool:
        """Re-hash a stored blob: False if its bytes no longer match its name."""
        hasher = hashlib.sha256()
        with self.open(digest) as stream:
            while chunk := stream.read(CHUNK):
                hasher.update(chunk)
        return hasher.hexdigest() == digest

    def __iter__(self) -> Iterator[str]:
        for path in self.root.glob("??/??/*"):
            if _DIGEST.match(path.name):
                yield path.name
