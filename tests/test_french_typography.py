"""French output follows French typography: a narrow no-break space (U+202F) before « : ; ! ? »
and inside guillemets, so that a line never starts with the punctuation. Checked over the whole
catalogue and the French demo course."""

from __future__ import annotations

import dataclasses
import html
import re
from pathlib import Path

import polib
import pytest

from cartable.demo import assessment as demo_work
from cartable.demo import content as demo

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "cartable/locale/fr/LC_MESSAGES/django.po"
NARROW = "\u202f"

# What is wrong, with the fix each needs.
MISTAKES = [
    (re.compile(r"\S[ \u00a0][:;!?](?=\s|$)"), "a narrow no-break space before : ; ! ?"),
    (re.compile(r"[\w)»%][;!?](?=\s|$)"), "a space before ; ! ?"),
    (re.compile(r"[^\W\d][:](?=\s|$)"), "a space before :"),
    (re.compile(r"«(?!\u202f)"), "a narrow no-break space after «"),
    (re.compile(r"(?<!\u202f)»"), "a narrow no-break space before »"),
]


def mistakes(text: str) -> list[str]:
    return [f"{text!r}: needs {fix}" for pattern, fix in MISTAKES if pattern.search(text)]


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("Ligne 4 : erreur", True),
        ("Bravo !", True),
        ("Bravo!", True),
        ("Exemple:", True),
        ("« lea »", True),
        (f"Ligne 4{NARROW}: erreur", False),
        (f"Bravo{NARROW}!", False),
        (f"«{NARROW}lea{NARROW}»", False),
        ("https://example.org/?page=2 ; 10:30", True),
        ("https://example.org/?page=2 et 10:30", False),
    ],
)
def test_the_check_tells_right_from_wrong(text: str, wrong: bool) -> None:
    assert bool(mistakes(text)) is wrong


def test_every_french_message_follows_french_typography() -> None:
    found = []
    for entry in polib.pofile(str(PO)):
        if entry.obsolete or not entry.msgid:
            continue
        for text in [entry.msgstr, *entry.msgstr_plural.values()]:
            found += mistakes(text)
    assert found == []


def test_the_french_demo_course_follows_french_typography() -> None:
    texts: list[str] = []

    def walk(value: object) -> None:
        if isinstance(value, str):
            texts.append(html.unescape(re.sub(r"<[^>]*>", "", value)))
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif dataclasses.is_dataclass(value) and not isinstance(value, type):
            walk(dataclasses.asdict(value))
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(
        [
            getattr(module, name)
            for module in (demo, demo_work)
            for name in dir(module)
            if name.isupper()
        ]
    )
    assert texts
    assert [m for text in texts for m in mistakes(text)] == []
