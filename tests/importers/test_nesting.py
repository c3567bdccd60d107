"""Deeply nested HTML is flattened before the sanitiser reads it: its work stays bounded."""

from __future__ import annotations

import random
import re

import nh3
import pytest

from cartable.lib import nesting
from cartable.lib.html import clean, text_of

from .builder import Backup, fields

_VOID = {"br", "img", "col", "hr", "input", "wbr", "area", "embed", "source", "track", "meta"}
_TAG = re.compile(r"<(/?)([a-zA-Z][^\s/>]*)[^>]*>")


def tree_depth(serialised: str) -> int:
    """How deep nh3's output nests (it closes every element it opens)."""
    depth = deepest = 0
    for match in _TAG.finditer(serialised):
        if match[1]:
            depth -= 1
        elif match[2].lower() not in _VOID:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def test_it_leaves_ordinary_html_as_it_is() -> None:
    page = "<h1>Titre</h1>" + "<p>Un <b>mot</b> et <a href='#x'>un lien</a>.</p>" * 500
    assert nesting.flatten(page) == (page, 0)
    sloppy = "<ul>" + "<li>point" * 400 + "</ul>" + "<div><p>paragraphe</div>" * 300
    sloppy += (
        "<table>" + "<tr><td>a<td>b" * 300 + "</table>" + "<dl>" + "<dt>t<dd>d" * 300 + "</dl>"
    )
    sloppy += "<math><mrow><mspace/><mi>x</mi></mrow></math>" * 300 + "<p>fin" * 300
    assert nesting.flatten(sloppy) == (sloppy, 0)


def test_it_flattens_ninety_thousand_nested_divs_and_keeps_their_text() -> None:
    deep = "<div>" * 90_000 + "le texte" + "</div>" * 90_000
    flat, dropped = nesting.flatten(deep)
    assert dropped == 2 * (90_000 - nesting.LIMIT)
    assert nesting.depth(flat) == nesting.LIMIT
    result = clean(deep)
    assert result.flattened == dropped
    assert tree_depth(result.html) <= nesting.LIMIT
    assert text_of(result.html) == "le texte"


UNIT_TRICKS = [
    "<div/>",  # self-closing means nothing to an HTML element
    "<math><mi><div/>",  # HTML again in a MathML text integration point
    "<svg><style><div>",  # no raw text in SVG
    "<table><td><div>",  # table parts the tree builder adds on its own
    "<p><b id=1><i id=2>",  # formatting elements reopened
    "<optgroup>",  # an optgroup closes no optgroup outside a select
    "<math><annotation-xml encoding='text/html'><span>",
    "<select><div>",  # a select holds elements (the customizable select)
    '<a title="x>y"><span>',  # ">" in a quoted attribute value ends no tag
    "<DIV><Span>",
    "<i></svg><svg><tr/></textarea><annotation-xml encoding='text/html'><noscript/>",
    "</textarea><optgroup><br/><math></br></table>",
]


@pytest.mark.parametrize("unit", UNIT_TRICKS)
def test_it_bounds_what_the_tree_builder_nests(unit: str) -> None:
    deep = unit * 5_000
    result = clean(deep)
    assert tree_depth(result.html) <= 2 * nesting.LIMIT + 5


_ALL_TAGS = """div p b i a li ul ol dd dt table tr td th tbody span em font select option
optgroup svg math mi mtext annotation-xml foreignobject desc mrow mspace br img template form
button caption colgroup col rt ruby h1 pre listing nobr""".split()  # noqa: SIM905
_RAW = "textarea title style script xmp iframe noscript noembed noframes plaintext".split()  # noqa: SIM905
_TOKENS = [f"<{name}>" for name in _ALL_TAGS + _RAW] + [f"</{name}>" for name in _ALL_TAGS + _RAW]
_TOKENS += [f"<{name}/>" for name in _ALL_TAGS + _RAW]
_TOKENS += ["x", "<!--", "-->", "<![CDATA[", "]]>", '<font color="r">', "</>", "<!x>", "<?x>"]
_TOKENS += ['<annotation-xml encoding="text/html">', "<p/>", "</br>", "</p>", "&lt;"]
# Every tag kept (raw-text ones aside: their content is serialised raw), to see the real tree.
_EVERYTHING = nh3.Cleaner(
    tags=set(_ALL_TAGS) | {"html", "head", "body"},
    clean_content_tags=set(),
    attributes={},
    link_rel=None,
)


@pytest.mark.parametrize("seed", range(6))
def test_it_never_counts_fewer_levels_than_the_tree_builder_by_more_than_half(seed: int) -> None:
    """Random tag soup, each unit repeated: the tree builder's depth stays within twice the
    depth counted here, so flattening at the limit bounds its work."""
    chance = random.Random(seed)
    for _ in range(150):
        unit = "".join(chance.choice(_TOKENS) for _ in range(chance.randint(1, 7)))
        soup = unit * 150
        real = tree_depth(_EVERYTHING.clean(soup))
        assert real <= 2 * nesting.depth(soup) + 5, unit


@pytest.mark.parametrize("seed", range(3))
def test_it_leaves_the_tree_builder_a_bounded_depth_whatever_the_soup(seed: int) -> None:
    chance = random.Random(100 + seed)
    for _ in range(100):
        unit = "".join(chance.choice(_TOKENS) for _ in range(chance.randint(1, 7)))
        flat, _dropped = nesting.flatten(unit * 400)
        assert tree_depth(_EVERYTHING.clean(flat)) <= 2 * nesting.LIMIT + 5, unit


def test_it_imports_a_page_of_ninety_thousand_nested_divs(import_backup) -> None:
    """The 180 kB archive that held the import worker for six minutes: its page is
    flattened (the work done is bounded by the depth of what the sanitiser reads)."""
    backup = Backup()
    section = backup.section(0)
    chance = random.Random(9)  # ids make the page hard to compress, as the attacker's was
    opening = "".join(f'<div id="{chance.getrandbits(20):x}">' for _ in range(90_000))
    deep = opening + "Bonjour" + "</div>" * 90_000
    backup.activity(
        "page",
        fields(intro="", introformat=1, content=deep, contentformat=1),
        title="Profonde",
        section=section,
    )
    result = import_backup(backup)
    [page] = result.course.activities
    assert tree_depth(page.content.content) <= nesting.LIMIT
    assert "Bonjour" in page.content.content
    warnings = " | ".join(result.report.warnings)
    assert "nests more than 100 levels deep" in warnings
