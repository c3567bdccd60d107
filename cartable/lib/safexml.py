"""Parsing untrusted XML incrementally, in flat memory, refusing DTDs and entities.

Two steps per file:

1. the prolog (everything before the root element) is read with expat, refusing any
   ``<!DOCTYPE``: entity declarations and external references can only be made in a DTD, so
   no DTD means no entity expansion (billion laughs) and nothing fetched from outside;
   an undeclared ``&name;`` later is a well-formedness error;
2. the document is read with ``iterparse`` (the C parser: fast), elements being handed over as
   soon as they end, then cleared and detached from their parent, so a questions.xml of a
   gigabyte never sits in memory whole.

Three ways in:

- ``iter_records(path, tags)``: every element whose tag is in ``tags``, with its ancestors
  (whose earlier children are already complete: Moodle writes a record's fields before its
  lists). The element is emptied once the caller asks for the next one.
- ``parse_pruned(path, drop)``: a whole (small) document, except the subtrees named in
  ``drop`` which are thrown away as they end (user data such as attempts or submissions).
- ``root_attributes(path)``: the root element's tag and attributes, reading no further.

Every failure is an ``XmlError`` with a stable ``code`` and a message naming the file and line.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from xml.etree.ElementTree import Element, ParseError, iterparse
from xml.parsers import expat

PROLOG_CHUNK = 64 * 1024


class XmlError(ValueError):
    """An XML file is refused. ``code`` is ``xml_entities`` or ``malformed_xml``."""

    def __init__(self, code: str, message: str, *, filename: str, line: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.filename = filename
        self.line = line


@dataclass(frozen=True, slots=True)
class Record:
    """One element that just ended, and the elements it sits in (outermost first)."""

    element: Element
    ancestors: tuple[Element, ...]

    def ancestor(self, tag: str) -> Element | None:
        for element in reversed(self.ancestors):
            if element.tag == tag:
                return element
        return None


class _RootReached(Exception):
    pass


def _check_prolog(path: Path, name: str) -> None:
    """Refuse a document declaring a DTD (and so entities or external references)."""
    parser = expat.ParserCreate()

    def doctype(*_: object) -> None:
        line = parser.CurrentLineNumber
        raise XmlError(
            "xml_entities",
            f"{name}, line {line}: the XML declares a DTD (<!DOCTYPE>), where entities and "
            "external references live; Cartable refuses it",
            filename=name,
            line=line,
        )

    def root(*_: object) -> None:
        raise _RootReached

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.StartElementHandler = root
    try:
        with path.open("rb") as handle:
            while chunk := handle.read(PROLOG_CHUNK):
                parser.Parse(chunk, False)
            parser.Parse(b"", True)
    except _RootReached:
        return
    except expat.ExpatError as error:
        raise XmlError(
            "malformed_xml",
            f"{name}, line {error.lineno}: the XML is malformed ({expat.ErrorString(error.code)})",
            filename=name,
            line=error.lineno,
        ) from None


def _events(path: Path, label: str | None = None) -> Iterator[tuple[str, Element]]:
    """``start``/``end`` events, translating every parser failure into an XmlError."""
    name = label or path.name
    _check_prolog(path, name)
    try:
        with path.open("rb") as handle:
            yield from iterparse(handle, events=("start", "end"))  # noqa: S314 - DTDs refused above
    except ParseError as error:
        line = error.position[0]
        raise XmlError(
            "malformed_xml",
            f"{name}, line {line}: the XML is malformed ({error})",
            filename=name,
            line=line,
        ) from None


def iter_records(path: Path, tags: frozenset[str], *, label: str | None = None) -> Iterator[Record]:
    """Yield each element named in ``tags`` when it ends; empty it afterwards.

    A name is a tag (``question``) or a parent and a tag (``questions/question``), the second
    form telling a record apart from a field of the same name elsewhere.
    """
    stack: list[Element] = []
    for event, element in _events(path, label):
        if event == "start":
            stack.append(element)
            continue
        stack.pop()
        if element.tag in tags or (stack and f"{stack[-1].tag}/{element.tag}" in tags):
            yield Record(element=element, ancestors=tuple(stack))
            element.clear()
            if stack:
                stack[-1].remove(element)


def parse_pruned(
    path: Path, drop: frozenset[str] = frozenset(), *, label: str | None = None
) -> Element:
    """The whole document, without the subtrees whose tag is in ``drop``.

    A dropped subtree is taken apart as it is read (each of its elements detached when it
    ends), so even a huge one (all the attempts of a quiz) never sits in memory whole.
    """
    stack: list[Element] = []
    root: Element | None = None
    dropping = 0  # depth inside a dropped subtree
    for event, element in _events(path, label):
        if event == "start":
            if root is None:
                root = element
            if dropping or element.tag in drop:
                dropping += 1
            stack.append(element)
            continue
        stack.pop()
        if dropping:
            dropping -= 1
            element.clear()
            if stack:
                stack[-1].remove(element)
    if root is None:  # pragma: no cover - expat refuses an empty document first
        raise XmlError(
            "malformed_xml", f"{label or path.name}: empty", filename=path.name, line=None
        )
    return root


def root_attributes(path: Path, *, label: str | None = None) -> tuple[str, dict[str, str]]:
    """The root element's tag and attributes; the rest of the file is not read."""
    for event, element in _events(path, label):
        if event == "start":
            return element.tag, dict(element.attrib)
    raise XmlError(  # pragma: no cover - expat refuses an empty document first
        "malformed_xml", f"{label or path.name}: empty", filename=path.name, line=None
    )
