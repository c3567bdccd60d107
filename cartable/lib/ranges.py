"""Pure HTTP range helpers (RFC 9110 §14): which bytes of a file a ``Range`` header asks for.

Only what media players and PDF readers use is honoured: one range of bytes (``a-b``, ``a-``
or the suffix ``-n``). Anything else is ignored and the whole file is served, as the RFC
allows: another unit, a malformed header, and several ranges. Browsers never ask for several
ranges; answering them would need a ``multipart/byteranges`` body, and ignoring them also
spares the box the "many small overlapping ranges" denial of service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class ByteRange:
    """Bytes ``start`` to ``end`` of a file, both included (as in ``Content-Range``)."""

    start: int
    end: int

    @property
    def length(self) -> int:
        return self.end - self.start + 1

    def content_range(self, size: int) -> str:
        return f"bytes {self.start}-{self.end}/{size}"


class Unsatisfiable(Exception):
    """A well-formed range that lies wholly past the end of the file (answer 416)."""


_SPEC = re.compile(r"(\d{0,18})-(\d{0,18})")  # 18 digits: past any file, and int() stays cheap


def requested_range(header: str | None, size: int) -> ByteRange | None:
    """The single range ``header`` asks for in a file of ``size`` bytes, or None for the whole
    file (no header, another unit, a malformed or multiple range). Raises ``Unsatisfiable``
    when the one range starts at or past the end of the file, or asks for a last 0 bytes."""
    if not header:
        return None
    unit, equals, specs = header.partition("=")
    if not equals or unit.strip().lower() != "bytes":
        return None
    parts = [part.strip() for part in specs.split(",") if part.strip()]
    if len(parts) != 1:
        return None
    match = _SPEC.fullmatch(parts[0])
    if match is None:
        return None
    first, last = match.groups()
    if not first:
        if not last:
            return None  # "-" alone
        suffix = int(last)
        if suffix == 0 or size == 0:
            raise Unsatisfiable
        return ByteRange(max(size - suffix, 0), size - 1)
    start = int(first)
    if last and int(last) < start:
        return None  # "5-2" is not a valid range: ignored, not unsatisfiable
    if start >= size:
        raise Unsatisfiable
    return ByteRange(start, min(int(last), size - 1) if last else size - 1)


def if_range_allows(header: str | None, etag: str) -> bool:
    """Whether a ``Range`` may be honoured given ``If-Range``: absent, or the very strong
    entity tag ``etag`` (quoted). A weak tag or a date (we send no Last-Modified) means the
    client's copy may differ from ours: it gets the whole file."""
    if header is None:
        return True
    return header.strip() == etag
