"""Rewriting Moodle's file and activity links, and listing external links, in pure functions."""

from __future__ import annotations

import pytest

from cartable.lib import display, html

SHA = "c" * 64


def _file(path: str) -> str | None:
    return html.file_url(SHA, path.rsplit("/", 1)[-1]) if path.endswith(".png") else None


PLUGINFILE = [
    ("simple", '<img src="@@PLUGINFILE@@/a.png">', f'<img src="cartable-file:{SHA}/a.png">'),
    (
        "quoted name",
        '<img src="@@PLUGINFILE@@/my%20chart.png">',
        f'<img src="cartable-file:{SHA}/my%2520chart.png">',
    ),
    (
        "sub folder",
        '<img src="@@PLUGINFILE@@/sub/dir/b.png">',
        f'<img src="cartable-file:{SHA}/b.png">',
    ),
    (
        "query dropped",
        '<a href="@@PLUGINFILE@@/a.png?forcedownload=1">x</a>',
        f'<a href="cartable-file:{SHA}/a.png">x</a>',
    ),
    (
        "fragment kept",
        '<a href="@@PLUGINFILE@@/a.png#p2">x</a>',
        f'<a href="cartable-file:{SHA}/a.png#p2">x</a>',
    ),
    ("single quotes", "<img src='@@PLUGINFILE@@/a.png'>", f"<img src='cartable-file:{SHA}/a.png'>"),
    (
        "unknown file",
        '<a href="@@PLUGINFILE@@/doc.pdf">x</a>',
        '<a href="cartable-unresolved:doc.pdf">x</a>',
    ),
    ("no link", "<p>plain</p>", "<p>plain</p>"),
]


@pytest.mark.parametrize(("label", "raw", "expected"), PLUGINFILE, ids=[p[0] for p in PLUGINFILE])
def test_it_rewrites_pluginfile_links(label, raw, expected):
    assert html.rewrite_pluginfile(raw, _file) == expected


def _token(name: str, ids: tuple[str, ...]) -> str | None:
    if name == "PAGEVIEWBYID":
        return html.activity_url(f"page-{ids[0]}")
    if name == "COURSEVIEWBYID":
        return html.course_url(ids[0])
    return None


TOKENS = [
    (
        "activity",
        '<a href="$@PAGEVIEWBYID*12@$">p</a>',
        '<a href="cartable-activity:page-12">p</a>',
    ),
    ("course", '<a href="$@COURSEVIEWBYID*2@$">c</a>', '<a href="cartable-course:2">c</a>'),
    (
        "two ids",
        '<a href="$@BOOKVIEWBYIDCH*3*9@$">b</a>',
        '<a href="cartable-unresolved:BOOKVIEWBYIDCH">b</a>',
    ),
    ("unknown", '<a href="$@WIKIINDEX*2@$">w</a>', '<a href="cartable-unresolved:WIKIINDEX">w</a>'),
    (
        "two in one",
        "$@PAGEVIEWBYID*1@$ $@PAGEVIEWBYID*2@$",
        "cartable-activity:page-1 cartable-activity:page-2",
    ),
    ("not a token", "costs $@ 5", "costs $@ 5"),
]


@pytest.mark.parametrize(("label", "raw", "expected"), TOKENS, ids=[t[0] for t in TOKENS])
def test_it_rewrites_moodle_link_tokens(label, raw, expected):
    assert html.rewrite_link_tokens(raw, _token) == expected


EXTERNAL = [
    ("none", "<p>x</p>", ()),
    ("link", '<a href="https://a.example/x">x</a>', ("https://a.example/x",)),
    (
        "image and link once",
        '<img src="http://b.example/i.png"><a href="https://a.example">a</a><a href="https://a.example">b</a>',
        ("http://b.example/i.png", "https://a.example/"),  # as the browser serialises it
    ),
    ("mailto", '<a href="mailto:t@example.org">m</a>', ("mailto:t@example.org",)),
    (
        "internal ignored",
        f'<img src="cartable-file:{SHA}/a.png"><a href="cartable-activity:page-1">p</a>',
        (),
    ),
    (
        "srcset",
        '<img srcset="https://c.example/1x.png 1x, https://c.example/2x.png 2x">',
        ("https://c.example/1x.png", "https://c.example/2x.png"),
    ),
    ("text is not a link", "<p>see https://d.example</p>", ()),
]


@pytest.mark.parametrize(("label", "fragment", "links"), EXTERNAL, ids=[e[0] for e in EXTERNAL])
def test_it_lists_external_links(label, fragment, links):
    assert display.external_links(fragment) == links


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a < b", "<p>a &lt; b</p>"),
        ("line 1\nline 2", "<p>line 1<br>line 2</p>"),
        ("para 1\n\npara 2", "<p>para 1</p><p>para 2</p>"),
        ("", ""),
    ],
)
def test_it_turns_plain_text_into_html(text, expected):
    assert html.text_to_html(text) == expected
