"""What starting a question decides once per attempt, kept so that a resumed attempt sees the
same question (Moodle keeps it in the first step: ``_order``, ``_var_a``, ``_stemorder``...).
Stored as JSON with ``lib.jsonable``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeAlias


@dataclass(frozen=True, slots=True)
class NoLayout:
    """Nothing to decide (true/false, short answer, essay, description)."""


@dataclass(frozen=True, slots=True)
class ChoiceLayout:
    """Multiple choice: the order the answers are shown in (indexes into the answers)."""

    order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class NumberLayout:
    """Numerical: the separators of the learner's language when the attempt started."""

    decimal_point: str = "."
    thousands_separator: str = ","


@dataclass(frozen=True, slots=True)
class Variable:
    name: str
    value: float


@dataclass(frozen=True, slots=True)
class VariantLayout:
    """Calculated: the dataset item drawn and the values of the variables."""

    variant: int
    values: tuple[Variable, ...]
    decimal_point: str = "."
    thousands_separator: str = ","
    order: tuple[int, ...] = ()  # calculatedmulti: the order of the answers


@dataclass(frozen=True, slots=True)
class MatchLayout:
    """Matching: stems and choices in the order shown (indexes)."""

    stem_order: tuple[int, ...]
    choice_order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class DrawnStem:
    question_id: int
    text: str
    right: int  # index into the drawn choices


@dataclass(frozen=True, slots=True)
class DrawnMatchLayout:
    """Random short-answer matching: the short-answer questions drawn, their right answers
    as choices, and the orders shown."""

    stems: tuple[DrawnStem, ...]
    choices: tuple[str, ...]
    stem_order: tuple[int, ...]
    choice_order: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class GroupOrder:
    group: int
    order: tuple[int, ...]  # item numbers in the order shown


@dataclass(frozen=True, slots=True)
class GroupsLayout:
    """Gaps and drag-and-drop: the order of the items of each group."""

    groups: tuple[GroupOrder, ...]


PartLayout: TypeAlias = NoLayout | ChoiceLayout | NumberLayout


@dataclass(frozen=True, slots=True)
class ClozeLayout:
    parts: tuple[PartLayout, ...]


Layout: TypeAlias = (
    NoLayout
    | ChoiceLayout
    | NumberLayout
    | VariantLayout
    | MatchLayout
    | DrawnMatchLayout
    | GroupsLayout
    | ClozeLayout
)
