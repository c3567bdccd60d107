"""GIFT question files: questions typed as text, one per paragraph.

    // a comment
    $CATEGORY: $course$/Chapitre 1

    ::Capitale::Quelle est la capitale de la France ? {=Paris ~Lyon#Non ~Marseille}

The rules are Moodle's (question/format/gift/format.php): blank lines part the questions;
``//`` starts a comment line; ``::name::`` names a question; the answers sit between the first
``{`` and the first ``}`` (text after them makes a "missing word" question, ``_____`` marking
the gap); ``~`` a wrong or weighted choice, ``=`` a right one, ``%50%`` a weight, ``#`` the
feedback, ``####`` the general feedback, ``->`` a matching pair, ``#`` first a numerical
question (``value``, ``value:tolerance`` or ``min..max``), ``T``/``F`` true or false, nothing
an essay, no braces a description; ``[html]``, ``[moodle]``, ``[plain]`` and ``[markdown]``
set a text's format; ``\\~ \\= \\# \\{ \\} \\: \\\\ \\n`` are the characters themselves.

A question Moodle would refuse (braces that do not close, a choice question with one choice, a
number that is none) refuses the file, as in Moodle, with its line; the first problem is told
and how many others there are.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from cartable.importers import questions as q
from cartable.importers.common import FileRef, Text, gettext_noop
from cartable.importers.moodle.richtext import Texts
from cartable.importers.notes import Notes
from cartable.importers.questionfiles.bank import BankBuilder, clean_name, default_name
from cartable.importers.questionfiles.base import (
    QuestionFileError,
    QuestionFileLimits,
    QuestionFileResult,
)
from cartable.importers.questionfiles.registry import QuestionFormat, register
from cartable.importers.questionfiles.texts import (
    FORMAT_HTML,
    FORMAT_MARKDOWN,
    FORMAT_MOODLE,
    FORMAT_PLAIN,
    FileLinks,
    question_owner,
)

FORMAT_NAME = "gift"
SNIFF_BYTES = 1024 * 1024
_PHP_SPACE = " \t\n\r\0\x0b"  # what PHP's trim() removes (not other Unicode spaces)
_FORMATS = {
    "moodle": FORMAT_MOODLE,
    "html": FORMAT_HTML,
    "plain": FORMAT_PLAIN,
    "markdown": FORMAT_MARKDOWN,
}
# Escaped characters stand for themselves once the syntax is read: while it is, each is a
# Unicode noncharacter (removed from the file first, so none can be forged).
_ESCAPABLE = ":#={}~n"
_HOLDERS = {char: chr(0xFDD0 + index) for index, char in enumerate(_ESCAPABLE)}
_RESTORE = str.maketrans(
    {holder: "\n" if char == "n" else char for char, holder in _HOLDERS.items()}
)
_NONCHARACTERS = re.compile("[\ufdd0-\ufdef]")
_ESCAPE = re.compile(r"\\([\\" + re.escape(_ESCAPABLE) + "])")
_WEIGHT = re.compile(r"%-*[0-9]{1,2}\.?[0-9]*%")
_NUMBER = re.compile(r"[ \t\n\r\v\f]*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
_ID = re.compile(r"\[id:((?:\\\]|[^\]])*)\]")
_TRUE_FALSE = {"T": True, "TRUE": True, "F": False, "FALSE": False}
_THIRD = 0.3333333


def sniff(path: Path) -> bool:
    """Whether the file is text (no NUL byte, not XML) holding GIFT's marks: answers in
    braces, a ``::name::`` or a ``$CATEGORY:``."""
    with path.open("rb") as handle:
        head = handle.read(SNIFF_BYTES)
    if b"\0" in head or head.removeprefix(b"\xef\xbb\xbf").lstrip().startswith(b"<"):
        return False
    return any(mark in head for mark in (b"{", b"::", b"$CATEGORY:"))


class _NoFiles:
    """A GIFT file embeds no file: a ``@@PLUGINFILE@@`` link in it leads nowhere."""

    def find(
        self, contextid: int, component: str, filearea: str, itemid: int | None, quoted: str
    ) -> FileRef | None:
        return None


def load(path: Path, workdir: Path, limits: QuestionFileLimits, name: str) -> QuestionFileResult:
    notes = Notes()
    encoding = _encoding(path, notes)
    links = FileLinks(course_id=0, files=_NoFiles(), notes=notes)
    builder = BankBuilder(
        fmt=FORMAT_NAME, notes=notes, filename=name, max_questions=limits.max_questions
    )
    problems: list[Text] = []
    for line, lines in _blocks(path, encoding):
        try:
            _question(lines, line, builder, links)
        except _Problem as problem:
            problems.append(
                Text(gettext_noop("line %(line)d: %(problem)s"), line=line, problem=problem.text)
            )
    if problems:
        first = problems[0]
        raise QuestionFileError(
            "gift_syntax",
            first
            if len(problems) == 1
            else Text(
                gettext_noop("%(problem)s (and %(count)d more problems)"),
                problem=first,
                count=len(problems) - 1,
            ),
        )
    return builder.result()


def _encoding(path: Path, notes: Notes) -> str:
    """UTF-8 (a BOM dropped), unless the file is not: then Windows-1252, which old Windows
    editors wrote, with a warning."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(SNIFF_BYTES):
                decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        notes.warn(Text(gettext_noop("the file is not UTF-8 text: it was read as Windows-1252")))
        return "cp1252"
    return "utf-8-sig"


def _blocks(path: Path, encoding: str) -> Iterator[tuple[int, list[str]]]:
    """Each question's lines (trimmed) as the file is read, with the number of its first
    line: one question in memory at a time."""
    current: list[str] = []
    first = 0
    # Universal newlines: Windows' and old Macs' line ends are read as "\n".
    with path.open(encoding=encoding, errors="replace", newline=None) as handle:
        for number, line in enumerate(handle, start=1):
            line = _NONCHARACTERS.sub("", line).strip(_PHP_SPACE)
            if not line:
                if current:
                    yield first, current
                    current = []
                continue
            if not current:
                first = number
            current.append(line)
    if current:
        yield first, current


class _Problem(Exception):
    def __init__(self, text: Text) -> None:
        super().__init__(str(text))
        self.text = text


def _problem(template: str, **values: str | int) -> _Problem:
    return _Problem(Text(template, **values))


def _held(text: str) -> str:
    """Escaped characters replaced by their place holders; ``\\\\`` is a backslash."""
    return _ESCAPE.sub(lambda m: "\\" if m.group(1) == "\\" else _HOLDERS[m.group(1)], text)


def _restored(text: str) -> str:
    return text.translate(_RESTORE)


@dataclass(frozen=True, slots=True)
class _Formatted:
    text: str
    fmt: int


def _with_format(text: str, default: int) -> _Formatted:
    """A text and its format: a leading ``[html]`` (…) sets it, else ``default``."""
    fmt = default
    if text.startswith("["):
        end = text.find("]")
        if end != -1 and text[1:end] in _FORMATS:
            fmt, text = _FORMATS[text[1:end]], text[end + 1 :]
    return _Formatted(_restored(text).strip(_PHP_SPACE), fmt)


def _comment(answer: str, fmt: int) -> tuple[_Formatted, _Formatted]:
    """An answer and the feedback after its first ``#``."""
    text, sep, feedback = answer.partition("#")
    return (
        _with_format(text.strip(_PHP_SPACE), fmt),
        _with_format(feedback.strip(_PHP_SPACE), fmt) if sep else _Formatted("", fmt),
    )


def _weight(answer: str) -> tuple[float | None, str]:
    """A leading ``%50%`` weight as a fraction, and the rest of the answer."""
    if not _WEIGHT.match(answer):
        return None, answer
    end = answer.index("%", 1)
    try:
        fraction = float(answer[1:end]) / 100
    except ValueError:
        fraction = 0.0
    return fraction, answer[end + 1 :]


def _parts(answers: str, separator: str) -> list[str]:
    """The answers between separators, the empty one before the first dropped."""
    parts = answers.split(separator)
    parts[0] = parts[0].strip(_PHP_SPACE)
    if not parts[0]:
        parts.pop(0)
    return [part.strip(_PHP_SPACE) for part in parts]


@dataclass(slots=True)
class _Read:
    texts: Texts
    fmt: int  # the question text's format: its answers' and feedbacks' default

    def html(self, value: _Formatted) -> str:
        return self.texts.html(value.text, value.fmt)


def _idnumber(lines: list[str]) -> str:
    """The ID number a comment line gives the question: ``// [id:Q-12]`` (``\\]`` is ``]``)."""
    for row in lines:
        if row.startswith("//") and (found := _ID.search(row)):
            return found.group(1).replace("\\]", "]").strip()[:100]
    return ""


def _question(lines: list[str], line: int, builder: BankBuilder, links: FileLinks) -> None:
    idnumber = _idnumber(lines)
    lines = [" " if row.startswith("//") else row for row in lines]
    text = "\n".join(lines).strip(_PHP_SPACE)
    if not text:
        return
    text = _held(text)
    if text.startswith("$CATEGORY:"):
        builder.use_category(_restored(text[len("$CATEGORY:") :]).strip(_PHP_SPACE))
        return
    name = ""
    if text.startswith("::"):
        end = text.find("::", 2)
        if end != -1:
            name = clean_name(_restored(text[2:end]))
            text = text[end + 2 :].strip(_PHP_SPACE)
        else:
            text = text[2:]
    start, finish = text.find("{"), text.find("}")
    description = start == finish == -1
    if description:
        answers, question_text = "", text
    elif start == -1 or finish < start:
        raise _problem(gettext_noop("the answers must sit between “{” and “}”"))
    else:
        answers = text[start + 1 : finish].strip(_PHP_SPACE)
        gap = "" if text.endswith("}") else "_____"
        question_text = text[:start] + gap + text[finish + 1 :]
    general = ""
    if (separator := answers.rfind("####")) != -1:
        general, answers = answers[separator + 4 :], answers[:separator].strip(_PHP_SPACE)
    body = _with_format(question_text, FORMAT_MOODLE)
    name = name or default_name(body.text)
    texts = Texts(links, 0, "question", question_owner(name))
    read = _Read(texts, body.fmt)
    qtype, data, penalty = _typed(answers, description, read)
    key = builder.key(name, idnumber)
    builder.add(
        q.Question(
            source_id=builder.question_id(key),
            category_id=key.category,
            qtype=qtype,
            name=name,
            text=read.html(body),
            general_feedback=read.html(_with_format(general, body.fmt)),
            default_mark=0.0 if qtype == "description" else 1.0,
            penalty=penalty,
            data=data,
            idnumber=idnumber,
            files=texts.used_files(),
            external_links=texts.external_links(),
            findings=texts.findings(),
        )
    )


def _typed(answers: str, description: bool, read: _Read) -> tuple[str, q.QuestionData, float]:
    """The question's type (as Moodle tells it from its answers), data and penalty."""
    if description:
        return "description", q.DescriptionData(), _THIRD
    if not answers:
        return "essay", _essay(), _THIRD
    if answers.startswith("#"):
        return "numerical", _numerical(answers[1:], read), _THIRD
    if "~" in answers:
        return "multichoice", _multichoice(answers, read), _THIRD
    if "=" in answers and "->" in answers:
        return "match", _match(answers, read), _THIRD
    check = answers
    if answers.find("#") > 0:
        check = answers[: answers.find("#")].strip(_PHP_SPACE)
    if check in _TRUE_FALSE:
        return "truefalse", _truefalse(answers, read), 1.0
    return "shortanswer", _shortanswer(answers, read), _THIRD


def _essay() -> q.EssayData:
    return q.EssayData(
        response_format="editor",
        response_required=True,
        response_lines=15,
        attachments=0,
        attachments_required=0,
        grader_info="",
        response_template="",
    )


def _multichoice(answers: str, read: _Read) -> q.MultichoiceData:
    single = "=" in answers  # a right answer (=) means one answer; weights alone, several
    parts = _parts(answers.replace("=", "~="), "~")
    if len(parts) < 2:
        raise _problem(gettext_noop("a multiple-choice question needs at least two choices"))
    found: list[q.Answer] = []
    for part in parts:
        if part.startswith("="):
            fraction: float | None = 1.0
            part = part[1:]
        else:
            fraction, part = _weight(part)
        answer, feedback = _comment(part, read.fmt)
        if answer.text:
            found.append(
                q.Answer(len(found) + 1, read.html(answer), fraction or 0.0, read.html(feedback))
            )
    if len(found) < 2:
        raise _problem(gettext_noop("a multiple-choice question needs at least two choices"))
    return q.MultichoiceData(
        single=single,
        shuffle=True,
        numbering="abc",
        answers=tuple(found),
        feedback=q.CombinedFeedback(),
    )


def _match(answers: str, read: _Read) -> q.MatchData:
    parts = _parts(answers, "=")
    if len(parts) < 2:
        raise _problem(gettext_noop("a matching question needs at least two pairs"))
    pairs = []
    for number, part in enumerate(parts, start=1):
        left, arrow, right = part.partition("->")
        if not arrow:
            raise _problem(
                gettext_noop("each pair of a matching question is written “question -> answer”")
            )
        pairs.append(
            q.MatchPair(
                source_id=number,
                question=read.html(_with_format(left.strip(_PHP_SPACE), read.fmt)),
                answer=_restored(right).strip(_PHP_SPACE),
            )
        )
    return q.MatchData(shuffle=True, pairs=tuple(pairs), feedback=q.CombinedFeedback())


def _truefalse(answers: str, read: _Read) -> q.TrueFalseData:
    bits = answers.split("#", 2)
    bits += [""] * (3 - len(bits))
    answer = _with_format(bits[0].strip(_PHP_SPACE), read.fmt)
    wrong = read.html(_with_format(bits[1].strip(_PHP_SPACE), read.fmt))
    right = read.html(_with_format(bits[2].strip(_PHP_SPACE), read.fmt))
    correct = _TRUE_FALSE.get(answer.text, False)
    return q.TrueFalseData(
        true_answer=q.Answer(1, "True", 1.0 if correct else 0.0, right if correct else wrong),
        false_answer=q.Answer(2, "False", 0.0 if correct else 1.0, wrong if correct else right),
    )


def _shortanswer(answers: str, read: _Read) -> q.ShortAnswerData:
    found: list[q.Answer] = []
    for part in _parts(answers, "="):
        fraction, part = _weight(part)
        answer, feedback = _comment(part, read.fmt)
        if answer.text:
            found.append(
                q.Answer(
                    len(found) + 1,
                    answer.text,
                    1.0 if fraction is None else fraction,
                    read.html(feedback),
                )
            )
    if not found:
        raise _problem(gettext_noop("a short-answer question needs an answer"))
    return q.ShortAnswerData(case_sensitive=False, answers=tuple(found))


def _number(value: str) -> float:
    if not _NUMBER.fullmatch(value):
        raise _problem(gettext_noop("“%(value)s” is not a number"), value=value[:80])
    return float(value)


def _php(value: float) -> float:
    """A computed number as Moodle stores it: PHP writes floats with 14 significant digits
    (``(3.141 + 3.142) / 2`` is 3.1415, not 3.1414999999999997)."""
    return float(f"{value:.14g}")


def _shown(value: float) -> str:
    return f"{_php(value):.14g}"


def _numerical(answers: str, read: _Read) -> q.NumericalData:
    answers, tilde, wrong = answers.partition("~")
    found: list[q.NumericalAnswer] = []
    for part in _parts(answers, "="):
        weight, part = _weight(part)
        answer, feedback = _comment(part, read.fmt)
        value = answer.text
        if value.find("..") > 0:
            low, high = (_number(bound.strip()) for bound in value.split("..", 1))
            middle = (high + low) / 2
            text, tolerance = _shown(middle), _php(high - middle)
        elif value.find(":") > 0:
            number, margin = (bound.strip() for bound in value.split(":", 1))
            _number(number)
            text, tolerance = number, _number(margin)
        else:
            if value != "*":
                _number(value)
            text, tolerance = value, 0.0
        found.append(
            q.NumericalAnswer(
                answer=q.Answer(
                    len(found) + 1,
                    text,
                    1.0 if weight is None else weight,
                    read.html(feedback),
                ),
                tolerance=abs(tolerance),
            )
        )
    if not found:
        raise _problem(gettext_noop("a numerical question needs an answer"))
    if tilde:
        _, feedback = _comment(wrong, read.fmt)
        found.append(
            q.NumericalAnswer(
                answer=q.Answer(len(found) + 1, "*", 0.0, read.html(feedback)), tolerance=0.0
            )
        )
    return q.NumericalData(answers=tuple(found), units=q.UnitOptions())


FORMAT = register(QuestionFormat(FORMAT_NAME, "GIFT", sniff, load))
