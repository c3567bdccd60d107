"""The import formats Cartable reads, by name: a plain dict that built-in formats join too.

A format is a ``Format``: ``sniff(path)`` answers from the file's bytes (never its name) whether
the format can read it, and ``load(path, workdir, limits)`` reads it into an ``ImportResult``.
``detect(path)`` asks each registered format in turn.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cartable.importers.model import ImportResult
from cartable.lib.archive import DEFAULT_LIMITS, ArchiveLimits, Progress


class UnknownFormat(ValueError):
    """No registered format can read the file."""

    code = "unknown_format"


@dataclass(frozen=True, slots=True)
class Format:
    name: str
    label: str  # for people, e.g. "Moodle course backup (.mbz)"
    sniff: Callable[[Path], bool]
    # load(path, workdir, limits, progress): progress gets the bytes unpacked so far.
    load: Callable[[Path, Path, ArchiveLimits, Progress | None], ImportResult]


FORMATS: dict[str, Format] = {}


def register(fmt: Format) -> Format:
    if fmt.name in FORMATS and FORMATS[fmt.name] is not fmt:
        raise ValueError(f"an import format named {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt
    return fmt


def _builtins() -> None:
    """Import the built-in formats, which register themselves."""
    import cartable.importers.moodle  # noqa: F401


def detect(path: Path) -> str:
    """The name of the first format that can read ``path``; UnknownFormat if none can."""
    _builtins()
    for fmt in FORMATS.values():
        if fmt.sniff(path):
            return fmt.name
    known = ", ".join(f.label for f in FORMATS.values())
    raise UnknownFormat(
        f"this file is not a course backup Cartable can read: {path.name} is none of: {known}"
    )


def load(
    path: Path,
    workdir: Path,
    limits: ArchiveLimits = DEFAULT_LIMITS,
    *,
    fmt: str | None = None,
    progress: Progress | None = None,
) -> ImportResult:
    """Read ``path`` (of format ``fmt``, or detected) using the empty folder ``workdir``;
    ``progress`` is told the bytes unpacked so far (see ``archive.estimated_size``)."""
    _builtins()
    name = fmt or detect(path)
    if name not in FORMATS:
        raise UnknownFormat(f"no import format is named {name!r}")
    return FORMATS[name].load(path, workdir, limits, progress)
