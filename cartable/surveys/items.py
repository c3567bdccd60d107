"""A survey's items (Moodle's feedback items) as questions the box can ask, and the reading of
a learner's posted answers against them: required items, numbers within their range, lengths,
options that exist, and items that depend on an earlier answer. Pure: no database.

Answers are kept as Moodle keeps them: a choice as its option's number from 1 (several joined
by "|"), a number as written, a text as typed."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cartable.importers.model import FeedbackItem

QuestionKind = Literal[
    "radio", "dropdown", "checkbox", "number", "text", "longtext", "info", "label", "pagebreak"
]
ANSWERED: frozenset[str] = frozenset(
    {"radio", "dropdown", "checkbox", "number", "text", "longtext"}
)
TYPE_SEP, LINE_SEP, ADJUST_SEP, RATED_SEP = ">>>>>", "|", "<<<<<", "####"
TEXT_LIMIT = 255  # a short text's length when its item says none
LONG_TEXT_LIMIT = 20_000  # what the box keeps of a long text


@dataclass(frozen=True, slots=True)
class Question:
    item: FeedbackItem
    kind: QuestionKind
    options: tuple[str, ...] = ()  # choices' texts, in order (answer "1" is the first)
    minimum: float | None = None
    maximum: float | None = None
    max_length: int = 0
    info: str = ""  # an info item's subject: "time", "course" or "category"

    @property
    def key(self) -> str:
        """The name of its field in the form."""
        return f"item-{self.item.source_id}"

    @property
    def answered(self) -> bool:
        return self.kind in ANSWERED

    @property
    def title(self) -> str:
        return self.item.name


def _bound(text: str) -> float | None:
    text = text.strip()
    if text in ("", "-"):
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _int(text: str, default: int) -> int:
    text = text.strip()
    return int(text) if text.isascii() and text.isdigit() and 0 < int(text) < 100_000 else default


def question(item: FeedbackItem) -> Question | None:
    """The question an item asks, or None for an item the box does not ask (a captcha, a
    type it does not know)."""
    kind = item.item_type
    shown = item.presentation
    if kind in ("multichoice", "multichoicerated"):
        subtype, _, rest = shown.partition(TYPE_SEP)
        if not rest:
            subtype, rest = "r", shown
        rest = rest.split(ADJUST_SEP)[0]
        lines = [line.strip() for line in rest.split(LINE_SEP)]
        if kind == "multichoicerated":
            lines = [line.partition(RATED_SEP)[2] or line for line in lines]
        options = tuple(line for line in lines)
        chosen: QuestionKind = {"c": "checkbox", "d": "dropdown"}.get(  # type: ignore[assignment]
            subtype.strip(), "radio"
        )
        if kind == "multichoicerated" and chosen == "checkbox":
            chosen = "radio"
        return Question(item, chosen, options=options)
    if kind == "numeric":
        low, _, high = shown.partition("|")
        return Question(item, "number", minimum=_bound(low), maximum=_bound(high))
    if kind == "textfield":
        _size, _, length = shown.partition("|")
        return Question(item, "text", max_length=_int(length, TEXT_LIMIT))
    if kind == "textarea":
        return Question(item, "longtext", max_length=LONG_TEXT_LIMIT)
    if kind == "info":
        subject = {"1": "time", "2": "course", "3": "category"}.get(shown.strip(), "time")
        return Question(item, "info", info=subject)
    if kind == "label":
        return Question(item, "label")
    if kind == "pagebreak":
        return Question(item, "pagebreak")
    return None


def questions(items: Sequence[FeedbackItem]) -> list[Question]:
    found = (question(item) for item in items)
    return [one for one in found if one is not None]


def pages(asked: Sequence[Question]) -> list[list[Question]]:
    """The survey's pages: its questions cut at each page break (Moodle's ``pagebreak``
    items), empty pages left out; always one page at least."""
    found: list[list[Question]] = [[]]
    for one in asked:
        if one.kind == "pagebreak":
            if found[-1]:
                found.append([])
        else:
            found[-1].append(one)
    if len(found) > 1 and not found[-1]:
        found.pop()
    return found


def shown(value: str, one: Question) -> str:
    """An answer as people read it: choices by their texts."""
    if one.kind in ("radio", "dropdown", "checkbox"):
        texts = []
        for part in value.split(LINE_SEP):
            index = _int(part, 0)
            if 1 <= index <= len(one.options):
                texts.append(one.options[index - 1])
        return "; ".join(texts)
    return value


def applies(one: Question, values: Mapping[int, str], by_id: Mapping[int, Question]) -> bool:
    """Whether an item depending on an earlier one is asked: the earlier item was answered with
    the value it names (for a choice: one of the chosen options' texts)."""
    if not one.item.depend_item:
        return True
    earlier = by_id.get(one.item.depend_item)
    given = values.get(one.item.depend_item)
    if earlier is None or given is None:
        return False
    wanted = one.item.depend_value.strip()
    if earlier.kind in ("radio", "dropdown", "checkbox"):
        return wanted in [text.strip() for text in shown(given, earlier).split("; ")]
    if earlier.kind == "number":
        return _bound(given) is not None and _bound(given) == _bound(wanted)
    return given.strip() == wanted


Errors = dict[int, str]  # item id -> code: required, number, range, length, option


def read(
    asked: Sequence[Question], posted: Mapping[str, Sequence[str]]
) -> tuple[dict[int, str], Errors]:
    """The answers a learner posted (item id -> value, as Moodle keeps them), and what is
    wrong with them: nothing is kept of an item that does not apply."""
    values: dict[int, str] = {}
    errors: Errors = {}
    by_id = {one.item.source_id: one for one in asked}
    for one in asked:
        if not one.answered or not applies(one, values, by_id):
            continue
        given = [text for text in posted.get(one.key, ()) if text.strip()]
        if not given:
            if one.item.required:
                errors[one.item.source_id] = "required"
            continue
        value, error = _value(one, given)
        if error:
            errors[one.item.source_id] = error
        elif value:
            values[one.item.source_id] = value
    return values, errors


def _value(one: Question, given: Sequence[str]) -> tuple[str, str]:
    if one.kind in ("radio", "dropdown", "checkbox"):
        picked = sorted({_int(text, 0) for text in given})
        if any(not 1 <= index <= len(one.options) for index in picked):
            return "", "option"
        if len(picked) > 1 and one.kind != "checkbox":
            return "", "option"
        return LINE_SEP.join(str(index) for index in picked), ""
    text = given[0].strip() if one.kind != "longtext" else given[0]
    if one.kind == "number":
        number = _bound(text.replace(",", "."))
        if number is None or text.strip() == "-":
            return "", "number"
        if (one.minimum is not None and number < one.minimum) or (
            one.maximum is not None and number > one.maximum
        ):
            return "", "range"
        return f"{number:.15g}", ""
    if len(text) > one.max_length:
        return "", "length"
    return text, ""
