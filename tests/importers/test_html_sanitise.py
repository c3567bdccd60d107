"""cartable.lib.html.sanitise keeps course formatting and removes anything that could run."""

from __future__ import annotations

import re

import pytest

from cartable.lib.html import sanitise

SHA = "a" * 64


def made(html: str) -> set[str]:
    """The course addresses of ``html``, as if the importer had written them."""
    return set(re.findall(r"cartable-(?:file|activity|course):[^\"#]*", html))


KEPT = [
    ("paragraph", "<p>Hello <b>world</b> <em>!</em></p>"),
    ("headings", "<h1>A</h1><h2>B</h2><h6>C</h6>"),
    ("lists", '<ol start="3"><li>a</li></ol><ul><li>b</li></ul><dl><dt>t</dt><dd>d</dd></dl>'),
    (
        "table",
        '<table><thead><tr><th scope="col">h</th></tr></thead><tbody><tr><td colspan="2">c</td></tr></tbody></table>',
    ),
    (
        "internal image",
        '<img src="cartable-file:' + "a" * 64 + '/chart%201.png" alt="Chart" width="20">',
    ),
    ("data image", '<img src="data:image/png;base64,iVBORw0KGgo=">'),
    (
        "audio",
        f'<audio controls=""><source src="cartable-file:{SHA}/a.mp3" type="audio/mpeg"></audio>',
    ),
    (
        "video with track",
        f'<video controls="" poster="cartable-file:{SHA}/p.png"><source src="cartable-file:{SHA}/v.mp4"><track src="cartable-file:{SHA}/s.vtt" kind="subtitles" srclang="fr"></video>',
    ),
    (
        "figure",
        f'<figure><img src="cartable-file:{SHA}/x.png"><figcaption>Cap</figcaption></figure>',
    ),
    ("mathml", '<math display="block"><mrow><msup><mi>x</mi><mn>2</mn></msup></mrow></math>'),
    ("tex delimiters", "<p>\\( x^2 \\) and $$ \\frac{a}{b} $$</p>"),
    ("sub and sup", "<p>H<sub>2</sub>O, x<sup>2</sup></p>"),
    ("code", "<pre><code>print(1 &lt; 2)</code></pre>"),
    ("activity link", '<a href="cartable-activity:page-12" rel="noopener noreferrer">p</a>'),
    ("course link", '<a href="cartable-course:2" rel="noopener noreferrer">c</a>'),
    ("external link kept", '<a href="https://example.org/x" rel="noopener noreferrer">x</a>'),
    (
        "fragment link to a prefixed id",
        '<p id="user-content-top">x</p><a href="#user-content-top" rel="noopener noreferrer">top</a>',
    ),
    ("language and direction", '<p lang="ar" dir="rtl">مرحبا</p>'),
]


@pytest.mark.parametrize(("label", "html"), KEPT, ids=[k[0] for k in KEPT])
def test_it_keeps_course_formatting(label, html):
    assert sanitise(html, made=made(html)) == html


REMOVED = [
    ("script", "<p>a<script>alert(1)</script></p>", "<p>a</p>"),
    (
        "event handler",
        f'<img src="cartable-file:{SHA}/x.png" onerror="alert(1)">',
        f'<img src="cartable-file:{SHA}/x.png">',
    ),
    ("javascript url", '<a href="javascript:alert(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    (
        "data url on a link",
        '<a href="data:text/html,<script>x</script>">x</a>',
        '<a rel="noopener noreferrer">x</a>',
    ),
    ("svg data image", '<img src="data:image/svg+xml;base64,PHN2Zz4=">', "<img>"),
    (
        "frame of the Internet: a note with its address",
        '<p><iframe src="https://evil.example"></iframe>x</p>',
        '<p><span class="offline-media" data-offline="frame">https://evil.example/</span>x</p>',
    ),
    ("frame of a path", '<p><iframe src="/admin/"></iframe>x</p>', "<p>x</p>"),
    ("object and embed", '<object data="x.swf"><embed src="x.swf"></object>y', "y"),
    (
        "form",
        '<form action="https://evil.example"><input name="p"><button>Go</button></form>',
        "Go",
    ),
    ("style element", "<style>body{display:none}</style>x", "x"),
    (
        "dangerous style",
        '<p style="position:fixed;color:blue;background-image:url(https://x)">x</p>',
        '<p class="c-blue">x</p>',
    ),
    (
        "relative link",
        '<a href="../mod/page/view.php?id=3">x</a>',
        '<a rel="noopener noreferrer">x</a>',
    ),
    ("moodle pluginfile url", '<img src="/pluginfile.php/12/mod_page/content/x.png">', "<img>"),
    (
        "unknown scheme",
        '<a href="cartable-unresolved:PAGEVIEWBYID">x</a>',
        '<a rel="noopener noreferrer">x</a>',
    ),
    ("vbscript", '<a href="vbscript:msgbox(1)">x</a>', '<a rel="noopener noreferrer">x</a>'),
    ("comments", "<!-- secret --><p>x</p>", "<p>x</p>"),
    ("meta refresh", '<meta http-equiv="refresh" content="0;url=https://x">x', "x"),
    ("base", '<base href="https://evil.example/">x', "x"),
    (
        "ids are prefixed",
        '<p id="top">x</p><a href="#top">t</a>',
        '<p id="user-content-top">x</p><a href="#user-content-top" rel="noopener noreferrer">t</a>',
    ),
    (
        "clobbering names",
        f'<img name="getElementById" src="cartable-file:{SHA}/x.png"><a name="cookie">c</a>',
        f'<img src="cartable-file:{SHA}/x.png"><a rel="noopener noreferrer">c</a>',
    ),
]


@pytest.mark.parametrize(("label", "dirty", "clean"), REMOVED, ids=[r[0] for r in REMOVED])
def test_it_removes_what_could_run_or_leak(label, dirty, clean):
    assert sanitise(dirty, made=made(dirty)) == clean
