"""Learners' responses, one dataclass per kind of question (stored as JSON with
``lib.jsonable``). Choices are named by what they are (an answer's index in the question, a
choice's number in its group, a drag item's number), never by the position a shuffled page
showed them at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class ChoiceResponse:
    """Multiple choice, one answer: the index of the chosen answer in the question."""

    selected: int | None = None


@dataclass(frozen=True, slots=True)
class ChoicesResponse:
    """Multiple choice, several answers: the indexes of the ticked answers, sorted."""

    selected: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class TrueFalseResponse:
    value: bool | None = None


@dataclass(frozen=True, slots=True)
class TextResponse:
    """Short answer: the text typed, trimmed."""

    text: str = ""


@dataclass(frozen=True, slots=True)
class NumberResponse:
    """Numerical and calculated: the text typed, and the unit chosen when the unit is asked
    for separately (None otherwise)."""

    text: str = ""
    unit: str | None = None


@dataclass(frozen=True, slots=True)
class MatchResponse:
    """Matching: for each stem (in the question's order), the index of the chosen choice."""

    choices: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class GapResponse:
    """Gaps and drop zones: for each place (in order), the chosen item: its number in its
    group (gapselect, ddwtos) or the drag item's number (ddimageortext)."""

    places: tuple[int | None, ...] = ()


@dataclass(frozen=True, slots=True)
class Point:
    x: int
    y: int


@dataclass(frozen=True, slots=True)
class MarkerDrops:
    marker: int  # the marker's number
    points: tuple[Point, ...] = ()


@dataclass(frozen=True, slots=True)
class MarkerResponse:
    """Markers: where each marker was put on the background image (pixel coordinates)."""

    markers: tuple[MarkerDrops, ...] = ()


@dataclass(frozen=True, slots=True)
class AttachedFile:
    """A file attached to an essay: its name, size, and where the blob store keeps it (its
    SHA-256) with the type its content was found to be."""

    name: str
    size: int = 0
    sha256: str = ""
    mimetype: str = ""


@dataclass(frozen=True, slots=True)
class EssayResponse:
    text: str = ""
    files: tuple[AttachedFile, ...] = ()


@dataclass(frozen=True, slots=True)
class NoResponse:
    """A description: nothing to answer."""


PartResponse: TypeAlias = ChoiceResponse | ChoicesResponse | TextResponse | NumberResponse


@dataclass(frozen=True, slots=True)
class ClozeResponse:
    """Embedded answers: one response per part, in the order of the parts."""

    parts: tuple[PartResponse, ...] = ()


Response: TypeAlias = (
    ChoiceResponse
    | ChoicesResponse
    | TrueFalseResponse
    | TextResponse
    | NumberResponse
    | MatchResponse
    | GapResponse
    | MarkerResponse
    | EssayResponse
    | NoResponse
    | ClozeResponse
)
