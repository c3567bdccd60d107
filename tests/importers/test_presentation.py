"""Imported formatting becomes the box's classes; no style attribute is ever stored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cartable.lib.html import sanitise
from cartable.lib.presentation import (
    CLASSES,
    MIN_CONTRAST,
    PALETTE,
    colour_class,
    contrast,
    hex_rgb,
    style_classes,
)

WHITE = (255, 255, 255)
CSS = Path(__file__).resolve().parents[2] / "frontend" / "content.css"

STYLES = [
    ("text-align:center", ["c-center"]),
    ("TEXT-ALIGN: right !important", ["c-right"]),
    ("text-align:justify;font-weight:bold", ["c-justify", "c-bold"]),
    ("font-weight:700", ["c-bold"]),
    ("font-weight:400", []),
    ("font-style:italic", ["c-italic"]),
    ("text-decoration:underline line-through", ["c-underline", "c-strike"]),
    ("font-family:'Courier New', Courier, monospace", ["c-mono"]),
    ("font-family:Arial, sans-serif", []),
    ("white-space:pre", ["c-pre"]),
    ("font-size:10px", ["c-small"]),
    ("font-size:x-large", ["c-large"]),
    ("font-size:1em", []),
    ("display:none", ["c-hidden"]),
    ("color:#ff0000", ["c-red"]),
    ("color:rgb(0, 0, 255)", ["c-blue"]),
    ("color:yellow", ["c-yellow"]),
    ("color:#008000", ["c-green"]),
    ("color:#333333", []),
    ("color:white", []),
    ("color:rgba(255,0,0,0.1)", []),
    ("color:expression(alert(1))", []),
    ("position:fixed;margin:0 auto;width:3000px;float:left", []),
    ("background-color:#000;color:#fff", []),
]


@pytest.mark.parametrize(("style", "classes"), STYLES, ids=[s for s, _ in STYLES])
def test_it_turns_presentational_declarations_into_classes(style, classes):
    assert style_classes(style) == classes


SANITISED = [
    (
        '<p style="color:#c00;text-align:center" class="btn btn-primary">x</p>',
        '<p class="c-red c-center">x</p>',
    ),
    ('<p class="visually-hidden">x</p>', "<p>x</p>"),
    ('<p style="margin:0">x</p>', "<p>x</p>"),
    ('<span style="font-family:monospace">code</span>', '<span class="c-mono">code</span>'),
    ('<p align="center">x</p>', '<p class="c-center">x</p>'),
    (
        '<table align="center"><tr><td align="right" valign="top">1</td></tr></table>',
        '<table><tbody><tr><td class="c-right c-top">1</td></tr></tbody></table>',
    ),
    (
        '<font color="#ffff00" face="Courier New" size="5">f</font>',
        '<font class="c-yellow c-mono">f</font>',
    ),
    ('<font color="#eeeeee">pale grey</font>', "<font>pale grey</font>"),
]


@pytest.mark.parametrize(("dirty", "clean"), SANITISED, ids=[d for d, _ in SANITISED])
def test_it_stores_classes_and_never_a_style_attribute(dirty, clean):
    assert sanitise(dirty) == clean


def test_it_keeps_no_style_whatever_the_markup():
    dirty = (
        '<div style="color:red"><p STYLE="font-weight:bold" title="a>b">x</p>'
        '<img src="data:image/png;base64,iVBORw0KGgo=" style="width:10px">'
        "<svg style='x'></svg><math style=\"color:red\"><mi style='color:blue'>x</mi></math></div>"
    )
    cleaned = sanitise(dirty)
    assert "style" not in cleaned.lower()
    assert 'class="c-red"' in cleaned
    assert 'title="a&gt;b" class="c-bold"' in cleaned


def test_every_palette_colour_reads_on_the_white_page():
    for name, (colour, _) in PALETTE.items():
        assert contrast(hex_rgb(colour), WHITE) >= MIN_CONTRAST, name


def test_every_colour_maps_to_a_readable_class_or_none():
    for red in range(0, 256, 51):
        for green in range(0, 256, 51):
            for blue in range(0, 256, 51):
                found = colour_class(f"rgb({red},{green},{blue})")
                assert found is None or found in PALETTE


def test_the_stylesheet_defines_every_class_the_importer_writes():
    css = CSS.read_text()
    defined = set(re.findall(r"\.(c-[a-z]+)\b", css))
    assert defined >= CLASSES
    for name, (colour, _) in PALETTE.items():
        assert f".{name} {{ color: {colour}; }}" in css
