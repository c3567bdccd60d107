"""Imported formatting as the box's own classes: no ``style`` attribute reaches a page (pure).

The box's Content-Security-Policy has no ``unsafe-inline``, so a browser ignores every inline
style (and reports each one). At import, the presentational declarations worth keeping become
classes that the box's stylesheet defines (``frontend/content.css``), and the ``style``
attribute goes; so do Moodle's old presentational attributes (``align``, ``valign``, and
``<font color face>``), by the same rules:

- alignment (``text-align``, ``align``): ``c-left``, ``c-center``, ``c-right``, ``c-justify``;
  ``vertical-align``/``valign`` in tables: ``c-top``, ``c-middle``, ``c-bottom``;
- emphasis: ``c-bold`` (``font-weight`` bold or 600 and more), ``c-italic``, ``c-underline``,
  ``c-strike`` (``text-decoration``); ``c-small``, ``c-large`` (``font-size``);
- code: ``c-mono`` (a monospace ``font-family`` or ``face``), ``c-pre`` (``white-space`` that
  keeps spaces);
- ``display: none``: ``c-hidden`` (what the author hid stays hidden);
- colours: a colour with a hue becomes the nearest of eight palette colours (``c-red``,
  ``c-orange``, ``c-yellow``, ``c-green``, ``c-teal``, ``c-blue``, ``c-purple``, ``c-pink``),
  each of which has a contrast of at least 4.5:1 (WCAG AA) against the box's white page:
  the author's signal ("in red: important") stays and every colour is readable, even a pale
  yellow one. Greys, black and white carry no signal and are dropped (the text keeps the
  page's colour); so are background colours, which were chosen with a text colour the page
  may not keep.

Everything else (sizes, margins, floats, fonts other than monospace…) is dropped. Classes the
backup wrote itself are dropped too: the only classes in stored course HTML are these.
"""

from __future__ import annotations

import colorsys
import re

# The palette: class -> (colour in the stylesheet, the hues it stands for, in degrees).
PALETTE: dict[str, tuple[str, tuple[float, float]]] = {
    "c-red": ("#b91c1c", (345.0, 15.0)),
    "c-orange": ("#b45309", (15.0, 40.0)),
    "c-yellow": ("#806000", (40.0, 70.0)),
    "c-green": ("#15803d", (70.0, 165.0)),
    "c-teal": ("#0f766e", (165.0, 195.0)),
    "c-blue": ("#1d4ed8", (195.0, 255.0)),
    "c-purple": ("#7e22ce", (255.0, 290.0)),
    "c-pink": ("#be185d", (290.0, 345.0)),
}
MIN_CONTRAST = 4.5  # WCAG 2 AA for text, against the page's white
CLASSES = frozenset(
    [
        *PALETTE,
        *["c-left", "c-center", "c-right", "c-justify", "c-top", "c-middle", "c-bottom"],
        *[
            "c-bold",
            "c-italic",
            "c-underline",
            "c-strike",
            "c-small",
            "c-large",
            "c-mono",
            "c-pre",
            "c-hidden",
        ],
    ]
)

_NAMED = {
    "black": "#000000",
    "white": "#ffffff",
    "silver": "#c0c0c0",
    "gray": "#808080",
    "grey": "#808080",
    "maroon": "#800000",
    "red": "#ff0000",
    "purple": "#800080",
    "fuchsia": "#ff00ff",
    "magenta": "#ff00ff",
    "green": "#008000",
    "lime": "#00ff00",
    "olive": "#808000",
    "yellow": "#ffff00",
    "navy": "#000080",
    "blue": "#0000ff",
    "teal": "#008080",
    "aqua": "#00ffff",
    "cyan": "#00ffff",
    "orange": "#ffa500",
    "darkorange": "#ff8c00",
    "gold": "#ffd700",
    "brown": "#a52a2a",
    "pink": "#ffc0cb",
    "hotpink": "#ff69b4",
    "crimson": "#dc143c",
    "darkred": "#8b0000",
    "darkgreen": "#006400",
    "darkblue": "#00008b",
    "indigo": "#4b0082",
    "violet": "#ee82ee",
    "royalblue": "#4169e1",
    "steelblue": "#4682b4",
    "orangered": "#ff4500",
    "tomato": "#ff6347",
    "forestgreen": "#228b22",
    "seagreen": "#2e8b57",
    "darkviolet": "#9400d3",
}
_MONOSPACE_FAMILIES = frozenset(
    [
        "monospace",
        "courier",
        "courier new",
        "consolas",
        "menlo",
        "monaco",
        "lucida console",
        "lucida sans typewriter",
        "dejavu sans mono",
        "liberation mono",
        "source code pro",
        "andale mono",
        "ubuntu mono",
        "fira mono",
        "fira code",
        "roboto mono",
    ]
)
_ALIGN = {"left": "c-left", "center": "c-center", "right": "c-right", "justify": "c-justify"}
_VALIGN = {"top": "c-top", "middle": "c-middle", "bottom": "c-bottom"}
_SMALL = frozenset(["xx-small", "x-small", "small", "smaller"])
_LARGE = frozenset(["large", "x-large", "xx-large", "xxx-large", "larger"])
_LENGTH = re.compile(r"^([0-9]*\.?[0-9]+)(px|pt|em|rem|%)$")
_HEX = re.compile(r"^#([0-9a-f]{3,4}|[0-9a-f]{6}|[0-9a-f]{8})$")
_RGB = re.compile(r"^rgba?\(\s*([^)]*)\)$")


def luminance(rgb: tuple[int, int, int]) -> float:
    """WCAG 2 relative luminance of an sRGB colour."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (channel(v) for v in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(first: tuple[int, int, int], second: tuple[int, int, int]) -> float:
    """WCAG 2 contrast ratio of two colours (1 to 21)."""
    light, dark = sorted((luminance(first), luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def hex_rgb(value: str) -> tuple[int, int, int]:
    return int(value[1:3], 16), int(value[3:5], 16), int(value[5:7], 16)


def parse_colour(value: str) -> tuple[int, int, int] | None:
    """An sRGB colour from CSS (a name, ``#hex``, ``rgb()``/``rgba()``), or None. Colours
    mostly transparent count as none."""
    value = value.strip().lower()
    value = _NAMED.get(value, value)
    if match := _HEX.match(value):
        digits = match[1]
        if len(digits) in (3, 4):
            digits = "".join(d * 2 for d in digits)
        if len(digits) == 8 and int(digits[6:8], 16) < 128:
            return None
        return hex_rgb("#" + digits[:6])
    if match := _RGB.match(value):
        parts = [p for p in re.split(r"[\s,/]+", match[1].strip()) if p]
        if len(parts) not in (3, 4):
            return None
        channels: list[int] = []
        try:
            for part in parts[:3]:
                number = float(part[:-1]) * 2.55 if part.endswith("%") else float(part)
                channels.append(max(0, min(255, round(number))))
            if len(parts) == 4:
                alpha = float(parts[3][:-1]) / 100 if parts[3].endswith("%") else float(parts[3])
                if alpha < 0.5:
                    return None
        except ValueError:
            return None
        return channels[0], channels[1], channels[2]
    return None


def colour_class(value: str) -> str | None:
    """The palette class standing for a CSS colour, or None (no colour, or a grey)."""
    rgb = parse_colour(value)
    if rgb is None:
        return None
    hue, lightness, saturation = colorsys.rgb_to_hls(*(v / 255 for v in rgb))
    chroma = (max(rgb) - min(rgb)) / 255
    if chroma < 0.2 or saturation < 0.25 or lightness < 0.08:
        return None  # grey, black or white: the page's own colour reads better
    degrees = hue * 360
    for name, (_, (start, end)) in PALETTE.items():
        if (start <= degrees < end) if start < end else (degrees >= start or degrees < end):
            return name
    return None


def _size_class(value: str) -> str | None:
    if value in _SMALL:
        return "c-small"
    if value in _LARGE:
        return "c-large"
    match = _LENGTH.match(value)
    if match is None:
        return None
    number, unit = float(match[1]), match[2]
    scale = {"px": number / 16, "pt": number / 12, "em": number, "rem": number}.get(
        unit, number / 100
    )
    if scale <= 0.85:
        return "c-small"
    if scale >= 1.2:
        return "c-large"
    return None


def _is_monospace(families: str) -> bool:
    return any(
        family.strip().strip("'\"").strip().lower() in _MONOSPACE_FAMILIES
        for family in families.split(",")
    )


def declaration_classes(name: str, value: str) -> list[str]:
    """The classes one CSS declaration stands for (none for what is not kept)."""
    value = value.replace("!important", "").strip().lower()
    if name == "text-align":
        found = _ALIGN.get(value)
        return [found] if found else []
    if name == "vertical-align":
        found = _VALIGN.get(value)
        return [found] if found else []
    if name == "font-weight":
        bold = value in ("bold", "bolder") or (value.isdigit() and int(value) >= 600)
        return ["c-bold"] if bold else []
    if name == "font-style":
        return ["c-italic"] if value in ("italic", "oblique") else []
    if name in ("text-decoration", "text-decoration-line"):
        words = value.split()
        return [
            c
            for word, c in (("underline", "c-underline"), ("line-through", "c-strike"))
            if word in words
        ]
    if name == "font-family":
        return ["c-mono"] if _is_monospace(value) else []
    if name == "font-size":
        found = _size_class(value)
        return [found] if found else []
    if name == "white-space":
        return ["c-pre"] if value in ("pre", "pre-wrap", "break-spaces") else []
    if name == "display":
        return ["c-hidden"] if value == "none" else []
    if name == "color":
        found = colour_class(value)
        return [found] if found else []
    return []


def style_classes(style: str) -> list[str]:
    """The classes a ``style`` attribute stands for, in the order first met, each once."""
    found: list[str] = []
    for declaration in style.split(";"):
        name, colon, value = declaration.partition(":")
        if not colon:
            continue
        for name_class in declaration_classes(name.strip().lower(), value):
            if name_class not in found:
                found.append(name_class)
    return found


def attribute_classes(tag: str, attribute: str, value: str) -> list[str]:
    """The classes one of the old presentational attributes stands for."""
    value = value.strip().lower()
    if attribute == "align" and tag != "table":
        found = _ALIGN.get(value)
        return [found] if found else []
    if attribute == "valign":
        found = _VALIGN.get(value)
        return [found] if found else []
    if tag == "font" and attribute == "color":
        found = colour_class(value)
        return [found] if found else []
    if tag == "font" and attribute == "face":
        return ["c-mono"] if _is_monospace(value) else []
    return []


PRESENTATIONAL = frozenset(["style", "class", "align", "valign"])
FONT_ATTRIBUTES = frozenset(["color", "face", "size"])

_ATTRIBUTE = r"""[^\s"'<>/=]+(?:="[^"]*")?"""
_START_TAG = re.compile(rf"""<([a-zA-Z][a-zA-Z0-9:-]*)((?:\s+{_ATTRIBUTE})+)(\s*/?)>""")
_ATTRIBUTES = re.compile(r"""\s+([^\s"'<>/=]+)(?:="([^"]*)")?""")
_MAY_HOLD = re.compile(r"""\s(?:style|class|align|valign|color|face|size)=""", re.IGNORECASE)


def _rewrite(match: re.Match[str]) -> str:
    tag = match[1].lower()
    attributes = [(m[1].lower(), m[2]) for m in _ATTRIBUTES.finditer(match[2])]
    kept: list[tuple[str, str | None]] = []
    classes: list[str] = []
    changed = False
    for name, value in attributes:
        presentational = name in PRESENTATIONAL or (tag == "font" and name in FONT_ATTRIBUTES)
        if not presentational:
            kept.append((name, value))
            continue
        changed = True
        if value is None or name == "class":
            continue
        found = style_classes(value) if name == "style" else attribute_classes(tag, name, value)
        classes.extend(c for c in found if c not in classes)
    if not changed:
        return match[0]
    if classes:
        kept.append(("class", " ".join(classes)))
    return (
        f"<{match[1]}"
        + "".join(f" {n}" if v is None else f' {n}="{v}"' for n, v in kept)
        + f"{match[3]}>"
    )


def to_classes(html: str) -> str:
    """Sanitised HTML (nh3's serialisation: text holds no "<", attribute values no '"') with
    every ``style``, ``class``, ``align`` and ``valign`` attribute, and ``<font>``'s
    ``color``, ``face`` and ``size``, replaced by the box's classes for what they meant."""
    if _MAY_HOLD.search(html) is None:
        return html
    return _START_TAG.sub(_rewrite, html)
