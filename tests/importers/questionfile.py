"""Moodle XML question files written in code for the tests, as Moodle's export writes them."""

from __future__ import annotations

import base64
from pathlib import Path
from xml.sax.saxutils import escape

PNG = b"\x89PNG\r\n\x1a\n" + b"\0" * 24 + b"a tiny picture"


def text(value: str) -> str:
    return f"<text>{escape(value)}</text>"


def field(tag: str, value: str, fmt: str = "html", files: str = "") -> str:
    return f'<{tag} format="{fmt}">{text(value)}{files}</{tag}>'


def embedded(name: str, content: bytes, path: str = "/", encoding: str = "base64") -> str:
    data = base64.b64encode(content).decode() if encoding == "base64" else content.decode()
    return f'<file name="{escape(name)}" path="{escape(path)}" encoding="{encoding}">{data}</file>'


def category(path: str, info: str = "", idnumber: str = "") -> str:
    return (
        '<question type="category">'
        f"<category>{text(path)}</category>"
        + (field("info", info) if info else "")
        + (f"<idnumber>{escape(idnumber)}</idnumber>" if idnumber else "")
        + "</question>"
    )


def question(
    qtype: str,
    name: str,
    body: str,
    extra: str = "",
    *,
    files: str = "",
    fmt: str = "html",
    general: str = "",
    mark: str = "1.0000000",
    penalty: str = "0.3333333",
    hidden: str = "0",
    idnumber: str = "",
) -> str:
    return (
        f'<question type="{qtype}">'
        f"<name>{text(name)}</name>"
        + field("questiontext", body, fmt, files)
        + field("generalfeedback", general)
        + f"<defaultgrade>{mark}</defaultgrade><penalty>{penalty}</penalty>"
        + f"<hidden>{hidden}</hidden><idnumber>{escape(idnumber)}</idnumber>"
        + extra
        + "</question>"
    )


def answer(
    value: str, fraction: str, feedback: str = "", fmt: str = "html", extra: str = ""
) -> str:
    return (
        f'<answer fraction="{fraction}" format="{fmt}">{text(value)}'
        + field("feedback", feedback)
        + extra
        + "</answer>"
    )


COMBINED = (
    field("correctfeedback", "Well done")
    + field("partiallycorrectfeedback", "Partly")
    + field("incorrectfeedback", "No")
    + "<shownumcorrect/>"
)


def quiz(*questions: str) -> str:
    return '<?xml version="1.0" encoding="UTF-8"?>\n<quiz>\n' + "\n".join(questions) + "\n</quiz>\n"


def write(path: Path, *questions: str) -> Path:
    path.write_text(quiz(*questions), encoding="utf-8")
    return path
