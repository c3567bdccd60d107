"""Bounding how deeply untrusted HTML nests, before the sanitiser parses it (pure).

An HTML tree builder checks "is there an element of this kind in scope?" by walking its stack
of open elements, so its time grows with the product of the number of tags and the depth:
90,000 nested ``<div>`` hold html5ever (under nh3) for minutes. ``flatten`` keeps the text and
every tag up to ``limit`` levels deep and drops the tags below, in linear time; the
sanitiser's work is then bounded by the size of the text times the limit.

It reads the HTML as the HTML Standard's tokeniser does at tag boundaries (a tag starts at
``<`` and a letter and ends at the first ``>`` outside a quoted attribute value; comments,
bogus comments, raw-text elements such as ``<script>``, ``<style>`` and ``<textarea>``), and
keeps a stack that never holds fewer elements than the tree builder's, up to a small factor:

- void elements (``<br>``, ``<img>``…) are not pushed; ``<x/>`` is self-closing only in MathML
  and SVG content, as in the tree builder;
- an end tag pops its element only when it is the current one, after the elements whose end
  tag may be left out (``p``, ``li``, ``td``…); a start tag closes such an element only when
  it is the current one (``<li>`` after ``<li>``, a block after ``<p>``);
- elements the tree builder would add on its own (``tbody``, ``tr``, reopened formatting
  elements) come from start tags counted here, at most a few per tag.

Where the two readings differ, this one counts more elements, never fewer: a strange page may
lose more structure than strictly needed, never hold the sanitiser.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass

LIMIT = 100  # levels of nesting kept: real course pages stay under 40

_VOID = frozenset(
    """area base basefont bgsound br col embed frame hr image img input keygen link meta param
    source track wbr""".split()  # noqa: SIM905
)
# Elements whose content is text, whatever it looks like (HTML content only).
_RAW_TEXT = frozenset(
    "script style xmp iframe noembed noframes noscript textarea title plaintext".split()  # noqa: SIM905
)
# Elements whose end tag may be omitted, closed by the tree builder's "implied end tags".
_IMPLIED_END = frozenset("dd dt li optgroup option p rb rp rt rtc".split())  # noqa: SIM905
_TABLE_PARTS = frozenset("caption colgroup tbody tfoot thead tr td th".split())  # noqa: SIM905
_CLOSES_P = frozenset(
    """address article aside blockquote center details dialog dir div dl fieldset figcaption
    figure footer form h1 h2 h3 h4 h5 h6 header hgroup hr listing main menu nav ol p pre
    search section summary ul xmp plaintext""".split()  # noqa: SIM905
)
# Start tags that close an element of the same family when it is the current one.
_CLOSES_SAME = {
    "li": frozenset({"li"}),
    "dd": frozenset({"dd", "dt"}),
    "dt": frozenset({"dd", "dt"}),
    "option": frozenset({"option"}),
    "optgroup": frozenset({"option"}),
    "td": frozenset({"td", "th"}),
    "th": frozenset({"td", "th"}),
    "tr": frozenset({"td", "th", "tr"}),
    "tbody": frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"}),
    "thead": frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"}),
    "tfoot": frozenset({"td", "th", "tr", "tbody", "thead", "tfoot"}),
}
# HTML start tags that end MathML or SVG content (the tree builder's "breakout" list).
_BREAKOUT = frozenset(
    """b big blockquote body br center code dd div dl dt em embed h1 h2 h3 h4 h5 h6 head hr i
    img li listing menu meta nobr ol p pre ruby s small span strong strike sub sup table tt u
    ul var""".split()  # noqa: SIM905
)
# Start tags the tree builder never opens inside a page's body (it merges or ignores them).
_NEVER_OPENED = frozenset({"html", "head", "body", "frameset", "frame"})
_MATHML_TEXT_POINTS = frozenset({"mi", "mo", "mn", "ms", "mtext"})
_SVG_HTML_POINTS = frozenset({"foreignobject", "desc", "title"})

_SPACE = "\t\n\f\r "
# After "<" and a letter: the tag name, then attributes (a quoted value may hold ">").
_START_TAG = re.compile(
    r"""([A-Za-z][^\t\n\f\r />]*)"""
    r"""((?>[\t\n\f\r /]+|[^\t\n\f\r />][^\t\n\f\r />=]*"""
    r"""(?>[\t\n\f\r ]*=[\t\n\f\r ]*(?>"[^"]*"|'[^']*'|[^\t\n\f\r >]*))?)*)>"""
)
_ATTRIBUTE = re.compile(
    r"""([^\t\n\f\r />][^\t\n\f\r />=]*)"""
    r"""(?:[\t\n\f\r ]*=[\t\n\f\r ]*("[^"]*"|'[^']*'|[^\t\n\f\r >]*))?"""
)
_COMMENT_END = re.compile(r"-->|--!>")


@dataclass(slots=True)
class _Open:
    name: str
    namespace: str  # "html", "math" or "svg"
    html_inside: bool  # an integration point: its content is HTML again

    @property
    def foreign(self) -> bool:
        return self.namespace != "html"


class _Stack:
    """The elements open at a point of the text, as a tree builder would count them (or more)."""

    def __init__(self) -> None:
        self.open: list[_Open] = []

    @property
    def depth(self) -> int:
        return len(self.open)

    def in_foreign(self) -> bool:
        return bool(self.open) and self.open[-1].foreign and not self.open[-1].html_inside

    def start(self, name: str, attributes: str, self_closing: bool) -> _Open | None:
        """Close what a start tag closes; the element it opens, if any (not yet pushed)."""
        if self.in_foreign():
            if not (name in _BREAKOUT or (name == "font" and _font_breaks_out(attributes))):
                namespace = self.open[-1].namespace
                return None if self_closing else _element(name, attributes, namespace)
            while self.in_foreign():
                self.open.pop()
        if name in _VOID or name in _NEVER_OPENED:
            return None
        if name in _TABLE_PARTS and not self._holds("table"):
            return None  # outside a table, the tree builder ignores them
        if name == "form" and self._holds("form"):
            return None  # one form at a time
        closed = _CLOSES_SAME.get(name, frozenset())
        if name in _CLOSES_P:
            closed = closed | {"p"}
        while self.open and self.open[-1].name in closed and not self.open[-1].foreign:
            self.open.pop()
        if name in ("math", "svg"):
            return None if self_closing else _element(name, attributes, name)
        return _Open(name, "html", html_inside=False)  # "<div/>" opens a div in HTML

    def _holds(self, name: str) -> bool:
        return any(element.name == name and not element.foreign for element in self.open)

    def end(self, name: str) -> None:
        """Close what an end tag closes: its element when it is the current one, or when only
        elements whose end tags may be left out stand above it."""
        if name in ("br", "p") and self.in_foreign():
            while self.in_foreign():  # they end MathML or SVG content, as start tags do
                self.open.pop()
        poppable = (
            _IMPLIED_END | _TABLE_PARTS if name in _TABLE_PARTS or name == "table" else _IMPLIED_END
        )
        index = len(self.open) - 1
        while index >= 0 and self.open[index].name != name and self.open[index].name in poppable:
            index -= 1
        if index >= 0 and self.open[index].name == name:
            del self.open[index:]


def _element(name: str, attributes: str, namespace: str) -> _Open:
    """A MathML or SVG element, and whether its content is HTML (an integration point)."""
    if namespace == "math":
        html_inside = name in _MATHML_TEXT_POINTS or (
            name == "annotation-xml" and _html_encoding(attributes)
        )
    else:
        html_inside = name in _SVG_HTML_POINTS
    return _Open(name, namespace, html_inside)


def _attribute_values(attributes: str) -> dict[str, str]:
    values: dict[str, str] = {}
    for match in _ATTRIBUTE.finditer(attributes):
        value = match[2] or ""
        if value[:1] in ("'", '"'):
            value = value[1:-1]
        values.setdefault(match[1].lower(), html.unescape(value))
    return values


def _font_breaks_out(attributes: str) -> bool:
    return bool({"color", "face", "size"} & _attribute_values(attributes).keys())


def _html_encoding(attributes: str) -> bool:
    encoding = _attribute_values(attributes).get("encoding", "").strip().lower()
    return encoding in ("text/html", "application/xhtml+xml")


@functools.cache
def _raw_text_closer(name: str) -> re.Pattern[str]:
    return re.compile(rf"</{name}[\t\n\f\r />]", re.IGNORECASE)


def _raw_text_end(text: str, name: str, position: int) -> int:
    """Where the text of a raw-text element ends: at its end tag, or the end of the text."""
    if name == "plaintext":
        return len(text)
    found = _raw_text_closer(name).search(text, position)
    return found.start() if found else len(text)


def _markup_declaration_end(text: str, position: int, foreign: bool) -> int:
    """After ``<!``: the end of a comment, a CDATA section (in MathML or SVG) or a bogus
    comment (a doctype, anything else)."""
    if text.startswith("<!--", position):
        if text.startswith(">", position + 4):
            return position + 5
        if text.startswith("->", position + 4):
            return position + 6
        found = _COMMENT_END.search(text, position + 4)
        return found.end() if found else len(text)
    if foreign and text.startswith("<![CDATA[", position):
        close = text.find("]]>", position + 9)
        return len(text) if close < 0 else close + 3
    close = text.find(">", position)
    return len(text) if close < 0 else close + 1


class _Flattener:
    def __init__(self, text: str, limit: int) -> None:
        self.text = text
        self.limit = limit
        self.stack = _Stack()
        self.kept: list[str] = []
        self.copied = 0  # text[copied:] is still to be kept or dropped
        self.dropped = 0
        self.unclosed = 0  # start tags dropped whose end tags are still to come
        self.deepest = 0

    def drop(self, start: int, stop: int) -> None:
        self.kept.append(self.text[self.copied : start])
        self.copied = stop
        self.dropped += 1

    def run(self) -> None:
        text, end = self.text, len(self.text)
        position = 0
        while True:
            position = text.find("<", position)
            if position < 0 or position + 1 >= end:
                return
            following = text[position + 1]
            if following.isascii() and following.isalpha():
                position = self.start_tag(position)
            elif following == "/":
                position = self.end_tag(position)
            elif following == "!":
                position = _markup_declaration_end(text, position, self.stack.in_foreign())
            elif following == "?":
                close = text.find(">", position)
                position = end if close < 0 else close + 1
            else:
                position += 1
            if position < 0:
                return

    def start_tag(self, position: int) -> int:
        match = _START_TAG.match(self.text, position + 1)
        if match is None:
            return -1  # a tag cut short by the end of the text: the tree builder drops it
        name = match[1].lower()
        attributes = match[2]
        html_context = not self.stack.in_foreign()
        opened = self.stack.start(name, attributes, attributes.endswith("/"))
        if opened is not None:
            if self.stack.depth >= self.limit:
                # Dropped: the tree builder never sees it (nor the raw text it would start).
                self.drop(position, match.end())
                self.unclosed += 1
                return match.end()
            self.stack.open.append(opened)
            self.deepest = max(self.deepest, self.stack.depth)
        if html_context and name in _RAW_TEXT:
            return _raw_text_end(self.text, name, match.end())
        return match.end()

    def end_tag(self, position: int) -> int:
        text = self.text
        if text.startswith(">", position + 2):
            return position + 3  # "</>" is ignored
        following = text[position + 2 : position + 3]
        if not (following.isascii() and following.isalpha()):
            if not following:
                return -1
            close = text.find(">", position)  # a bogus comment
            return len(text) if close < 0 else close + 1
        match = _START_TAG.match(text, position + 2)
        if match is None:
            return -1
        if self.unclosed:
            self.drop(position, match.end())
            self.unclosed -= 1
        else:
            self.stack.end(match[1].lower())
        return match.end()


def depth(text: str) -> int:
    """How deeply ``text`` nests, counted as ``flatten`` counts (an upper bound, up to a small
    factor, of a tree builder's stack of open elements)."""
    flattener = _Flattener(text, limit=len(text) + 1)
    flattener.run()
    return flattener.deepest


def flatten(text: str, limit: int = LIMIT) -> tuple[str, int]:
    """``text`` with no element nested more than ``limit`` deep (the deeper tags dropped,
    their text kept), and how many tags were dropped (0: ``text`` itself is returned)."""
    if text.count("<") <= limit:
        return text, 0
    flattener = _Flattener(text, limit)
    flattener.run()
    if not flattener.dropped:
        return text, 0
    flattener.kept.append(text[flattener.copied :])
    return "".join(flattener.kept), flattener.dropped
