"""The embedded answers (cloze) syntax of Moodle's multianswer questions, read by hand.

A cloze question's text holds its parts in place: ``{2:SHORTANSWER:=Paris#Yes~%50%Lyon}`` is
a short-answer part worth 2 marks, whose answers are separated by ``~``, each with an optional
grade (``=`` for full marks, ``%50%`` for a percentage) and feedback after ``#``. ``\\~``,
``\\#`` and ``\\}`` are literal characters. The text keeps ``{#1}``, ``{#2}``… where its parts
were, as Moodle stores it.

Moodle reads the syntax with a regular expression whose nested lazy repetitions backtrack
exponentially on some texts; this reader walks the text once per part, and gives up (with a
warning, as PHP gives up past its backtracking limit) when the text would make it scan more
than a few times its length.
"""

from __future__ import annotations

import html as html_lib
import re
from dataclasses import dataclass

from cartable.importers.common import Text, gettext_noop


@dataclass(frozen=True, slots=True)
class Kind:
    qtype: str  # "shortanswer", "numerical" or "multichoice"
    case_sensitive: bool = False
    single: bool = True
    shuffle: bool = False
    layout: str = ""  # multichoice: "dropdown", "vertical" or "horizontal"


_SA, _SAC = Kind("shortanswer"), Kind("shortanswer", case_sensitive=True)
_NUM = Kind("numerical")
KINDS: dict[str, Kind] = {
    **dict.fromkeys(("NUMERICAL", "NM"), _NUM),
    **dict.fromkeys(("SHORTANSWER", "SA", "MW"), _SA),
    **dict.fromkeys(("SHORTANSWER_C", "SAC", "MWC"), _SAC),
    **dict.fromkeys(("MULTICHOICE", "MC"), Kind("multichoice", layout="dropdown")),
    **dict.fromkeys(("MULTICHOICE_V", "MCV"), Kind("multichoice", layout="vertical")),
    **dict.fromkeys(("MULTICHOICE_H", "MCH"), Kind("multichoice", layout="horizontal")),
    **dict.fromkeys(("MULTICHOICE_S", "MCS"), Kind("multichoice", shuffle=True, layout="dropdown")),
    **dict.fromkeys(
        ("MULTICHOICE_VS", "MCVS"), Kind("multichoice", shuffle=True, layout="vertical")
    ),
    **dict.fromkeys(
        ("MULTICHOICE_HS", "MCHS"), Kind("multichoice", shuffle=True, layout="horizontal")
    ),
    **dict.fromkeys(("MULTIRESPONSE", "MR"), Kind("multichoice", single=False, layout="vertical")),
    **dict.fromkeys(
        ("MULTIRESPONSE_H", "MRH"), Kind("multichoice", single=False, layout="horizontal")
    ),
    **dict.fromkeys(
        ("MULTIRESPONSE_S", "MRS"),
        Kind("multichoice", single=False, shuffle=True, layout="vertical"),
    ),
    **dict.fromkeys(
        ("MULTIRESPONSE_HS", "MRHS"),
        Kind("multichoice", single=False, shuffle=True, layout="horizontal"),
    ),
}


@dataclass(frozen=True, slots=True)
class Alternative:
    answer: str  # plain text; HTML for a multichoice part; a number for a numerical one
    fraction: float
    feedback: str  # HTML
    tolerance: float = 0.0


@dataclass(frozen=True, slots=True)
class Part:
    source: str  # as the text wrote it, braces included
    mark: float
    kind: Kind
    alternatives: tuple[Alternative, ...]


@dataclass(frozen=True, slots=True)
class Cloze:
    text: str  # the text with ``{#1}``, ``{#2}``… in place of its parts
    parts: tuple[Part, ...]
    gave_up: bool = False  # the text was too tangled to read to its end


_START = re.compile(r"\{([0-9]*):([A-Z_]+):")
_PERCENT = re.compile(r"%(-?[0-9]+(?:[.,][0-9]*)?)%")
_NUMBER = r"-?(?:[0-9]+[.,]?[0-9]*|[.,][0-9]+)(?:[eE][-+]?[0-9]+)?"
_NUMERICAL = re.compile(rf"({_NUMBER})(?::({_NUMBER}))?")
# An answer ends at "~", "#" or "}", unless a backslash comes before, or "&" (the "#" of an
# HTML entity such as "&#39;") or "&amp;"; a feedback at "~" or "}", unless after a backslash.
_ANSWER_END = re.compile(r"(?<!\\)(?<!&)(?<!&amp;)[~#}]")
_FEEDBACK_END = re.compile(r"(?<!\\)[~}]")
_BUDGET_FACTOR = 4  # characters scanned, in text lengths, before giving up
_BUDGET_MINIMUM = 100_000


def parse(text: str) -> Cloze:
    """The parts of a cloze question's text, in order."""
    parts: list[Part] = []
    out: list[str] = []
    budget = _BUDGET_FACTOR * len(text) + _BUDGET_MINIMUM
    position = done = 0
    gave_up = False
    while (start := text.find("{", position)) != -1:
        head = _START.match(text, start)
        if head is None or head.group(2) not in KINDS:
            position = start + 1
            continue
        end, alternatives = _alternatives(text, head.end())
        budget -= (end if end > 0 else len(text)) - start
        if budget < 0:
            gave_up = True
            break
        if end < 0:
            position = start + 1
            continue
        parts.append(
            _part(text[start : end + 1], head.group(1), KINDS[head.group(2)], alternatives)
        )
        out.append(f"{text[done:start]}{{#{len(parts)}}}")
        position = done = end + 1
    out.append(text[done:])
    return Cloze(text="".join(out), parts=tuple(parts), gave_up=gave_up)


def _end(text: str, start: int, ends: re.Pattern[str]) -> int:
    """Where the answer (or feedback) going on at ``start`` ends; -1 if it never does."""
    found = ends.search(text, start)
    return -1 if found is None else found.start()


def _alternatives(text: str, index: int) -> tuple[int, list[tuple[str, str, str | None]]]:
    """From just after ``{n:TYPE:``: the index of the closing brace (-1 if none) and each
    alternative's (grade mark, answer, feedback or None)."""
    found: list[tuple[str, str, str | None]] = []
    length = len(text)
    while True:
        grade = ""
        if text.startswith("=", index):
            grade, index = "=", index + 1
        elif percent := _PERCENT.match(text, index):
            grade, index = percent.group(0), percent.end()
        if index >= length:
            return -1, found
        # An answer holds at least one character, whatever it is.
        answer_end = _end(text, index + 1, _ANSWER_END)
        if answer_end < 0:
            return -1, found
        answer, index = text[index:answer_end], answer_end
        feedback = None
        if text[index] == "#":
            feedback_end = _end(text, index + 1, _FEEDBACK_END)
            if feedback_end < 0:
                return -1, found
            feedback, index = text[index + 1 : feedback_end], feedback_end
        found.append((grade, answer, feedback))
        if text[index] == "}":
            return index, found
        index += 1  # past "~"


def _unescaped(value: str) -> str:
    """What the editor's quoting and the syntax's escapes stand for."""
    value = html_lib.unescape(value)
    return value.replace("\\}", "}").replace("\\#", "#").replace("\\~", "~")


def _fraction(grade: str) -> float:
    if grade == "=":
        return 1.0
    if grade:
        return float(grade.strip("%").replace(",", ".")) / 100
    return 0.0


def _part(source: str, mark: str, kind: Kind, raw: list[tuple[str, str, str | None]]) -> Part:
    alternatives = []
    for grade, answer, feedback in raw:
        tolerance = 0.0
        number = _NUMERICAL.fullmatch(answer) if kind.qtype == "numerical" else None
        if number is not None:
            answer = number.group(1).replace(",", ".")
            tolerance = abs(float((number.group(2) or "0").replace(",", ".")))
        else:
            answer = _unescaped(answer)
        alternatives.append(
            Alternative(
                answer=answer,
                fraction=_fraction(grade),
                feedback=_unescaped(feedback or ""),
                tolerance=tolerance,
            )
        )
    if not kind.single:
        graded = any(grade.startswith("%") and _fraction(grade) for grade, *_ in raw)
        alternatives = _multiresponse(alternatives, graded)
    return Part(
        source=source,
        mark=float(mark) if mark else 1.0,
        kind=kind,
        alternatives=tuple(alternatives),
    )


def _multiresponse(alternatives: list[Alternative], graded: bool) -> list[Alternative]:
    """Several right answers: their grades are shared out to add up to 1; wrong answers
    without a grade of their own each take back one right answer's share."""
    total = sum(a.fraction for a in alternatives if a.fraction > 0)
    if not total:
        return alternatives
    shared = []
    for alternative in alternatives:
        if alternative.fraction > 0:
            fraction = alternative.fraction / total
        elif not graded:
            fraction = -1.0 / total
        else:
            fraction = alternative.fraction
        shared.append(
            Alternative(alternative.answer, fraction, alternative.feedback, alternative.tolerance)
        )
    return shared


def problems(cloze: Cloze) -> list[Text]:
    """Why Moodle would refuse this cloze question (nothing when it is sound)."""
    if not cloze.parts:
        return [Text(gettext_noop("its text holds no embedded answer"))]
    found = []
    for number, part in enumerate(cloze.parts, start=1):
        answers = [a for a in part.alternatives if a.answer.strip()]
        if part.kind.qtype == "multichoice" and len(answers) < 2:
            found.append(
                Text(gettext_noop("part %(part)d has fewer than two choices"), part=number)
            )
        elif not answers:
            found.append(Text(gettext_noop("part %(part)d has no answer"), part=number))
        if part.kind.qtype == "numerical":
            for answer in answers:
                if answer.answer.strip() != "*" and not _NUMERICAL.fullmatch(answer.answer.strip()):
                    found.append(
                        Text(
                            gettext_noop("part %(part)d: the answer '%(answer)s' is not a number"),
                            part=number,
                            answer=answer.answer[:80],
                        )
                    )
        full = any(a.fraction >= 1.0 or (not part.kind.single and a.fraction > 0) for a in answers)
        if answers and not full:
            found.append(Text(gettext_noop("part %(part)d has no fully right answer"), part=number))
    return found
