"""The question-file formats Cartable reads, by name: a plain dict the built-in formats join.

A format is a ``QuestionFormat``: ``sniff(path)`` answers from the file's bytes (never its
name) whether the format can read it; ``load(path, workdir, limits, name)`` reads it into a
``QuestionFileResult`` (``name``: the file's name as its owner gave it, which names the
category of questions the file puts in none). ``load`` refuses a file larger than
``limits.max_bytes`` before reading it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questionfiles.base import (
    DEFAULT_LIMITS,
    QuestionFileError,
    QuestionFileLimits,
    QuestionFileResult,
)


@dataclass(frozen=True, slots=True)
class QuestionFormat:
    name: str
    label: str  # for people, e.g. "Moodle XML"
    sniff: Callable[[Path], bool]
    load: Callable[[Path, Path, QuestionFileLimits, str], QuestionFileResult]


FORMATS: dict[str, QuestionFormat] = {}


def register(fmt: QuestionFormat) -> QuestionFormat:
    if fmt.name in FORMATS and FORMATS[fmt.name] is not fmt:
        raise ValueError(f"a question format named {fmt.name!r} is already registered")
    FORMATS[fmt.name] = fmt
    return fmt


def _builtins() -> None:
    """Import the built-in formats, which register themselves."""
    import cartable.importers.questionfiles.gift
    import cartable.importers.questionfiles.moodle_xml  # noqa: F401


def detect(path: Path) -> str:
    """The name of the first format that can read ``path``."""
    _builtins()
    for fmt in FORMATS.values():
        if fmt.sniff(path):
            return fmt.name
    raise QuestionFileError(
        "unknown_format",
        Text(
            gettext_noop("it is not a question file Cartable can read (%(formats)s)"),
            formats=", ".join(fmt.label for fmt in FORMATS.values()),
        ),
    )


def load(
    path: Path,
    workdir: Path,
    limits: QuestionFileLimits = DEFAULT_LIMITS,
    *,
    name: str | None = None,
    fmt: str | None = None,
) -> QuestionFileResult:
    """Read the question file ``path`` using the empty folder ``workdir``."""
    _builtins()
    size = path.stat().st_size
    if size > limits.max_bytes:
        raise QuestionFileError(
            "too_large",
            Text(
                gettext_noop(
                    "it is larger than the box accepts for a question file (%(limit)d bytes)"
                ),
                limit=limits.max_bytes,
            ),
        )
    chosen = fmt or detect(path)
    if chosen not in FORMATS:
        raise QuestionFileError(
            "unknown_format",
            Text(gettext_noop("no question format is named '%(name)s'"), name=chosen[:40]),
        )
    return FORMATS[chosen].load(path, workdir, limits, name or path.name)
