"""Hostile addresses through the whole path, import -> review -> a learner's page in Chromium.

Each variant (from public XSS filter-evasion and URL-validation-bypass cheat sheets) is the
content of its own page of one imported course. On every page, as Chromium reads it: every
link is the box's own address or plain text, and the page makes Chromium fetch nothing but
the box's pages and assets and the course's own files (every request is recorded).
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from cartable.catalog.models import Course, CourseFile, Enrolment
from cartable.ingest.imports import import_file
from tests.browser.test_media import signed_in_as
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db(transaction=True)

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\xcf\xc0\xf0\x1f\x00\x05\x00\x01\xff\x89\x99"
    b"=\x1d\x00\x00\x00\x00IEND\xaeB`\x82"
)
PNG_SHA = hashlib.sha256(PNG).hexdigest()
ZEROS = "0" * 64
SVG = "PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4="
OWN = '<img src="@@PLUGINFILE@@/photo.png" alt="photo">'

VARIANTS = [
    # Links: the scheme hidden from a pattern, but not from a browser.
    '<a href="ht&#9;tps://evil.example/1">x</a>',
    '<a href="h&#10;ttps://evil.example/2">x</a>',
    '<a href="ht&#13;tps://evil.example/3">x</a>',
    '<a href=" https://evil.example/4">x</a>',
    '<a href="&#9;https://evil.example/5">x</a>',
    '<a href="&#1;&#31;https://evil.example/6">x</a>',
    '<a href="https://evil.example/7&#9;">x</a>',
    '<a href="HTTPS://EVIL.EXAMPLE/8">x</a>',
    '<a href="&#104;&#116;&#116;&#112;&#115;://evil.example/9">x</a>',
    '<a href="&#x68;&#x74;tps&#x3a;//evil.example/10">x</a>',
    '<a href="https&colon;//evil.example/11">x</a>',
    '<a href="https:&Tab;//evil.example/12">x</a>',
    '<a href="https:&NewLine;//evil.example/13">x</a>',
    '<a href="&#0000104;ttps://evil.example/14">x</a>',
    # Another host without a scheme, with slashes or backslashes.
    '<a href="//evil.example/15">x</a>',
    '<a href="\\\\evil.example\\16">x</a>',
    '<a href="/\\evil.example/17">x</a>',
    '<a href="\\/evil.example/18">x</a>',
    '<a href="///evil.example/19">x</a>',
    '<a href="/&#9;/evil.example/20">x</a>',
    '<a href="https:evil.example/21">x</a>',
    '<a href="http:evil.example/22">x</a>',
    '<a href="https:\\\\evil.example/23">x</a>',
    # Hosts in disguise.
    '<a href="https://127.0.0.1@evil.example/24">x</a>',
    '<a href="https://evil.example#@127.0.0.1/25">x</a>',
    '<a href="http://2130706433/26">x</a>',
    '<a href="http://0x7f.1/27">x</a>',
    '<a href="https://\uff45vil.example/28">x</a>',  # a fullwidth e
    '<a href="https://evil。example/29">x</a>',
    # Other ways out.
    '<a href="ftp://evil.example/30">x</a>',
    '<a href="mailto:evil@evil.example">x</a>',
    '<a href="tel:+33612345678">x</a>',
    '<a href="file:///etc/passwd">x</a>',
    # Markup tricks.
    "<a href=https://evil.example/34>unquoted</a>",
    "<a href='https://evil.example/35'>single quotes</a>",
    '<a title="x>y" href="https://evil.example/36">a > in a value</a>',
    '<a/href="https://evil.example/37">slash</a>',
    '<A HREF="https://evil.example/38">upper case</A>',
    '<a href="#x" href="https://evil.example/39">two hrefs</a>',
    '<a href="https://evil.example/40"><table><tr><td><a href="https://evil.example/40b">in</a>'
    "</td></tr></table></a>",
    '<a href="https://evil.example/41">https://evil.example/41</a>',
    "<div>" * 300 + '<a href="https://evil.example/42">deep</a>' + "</div>" * 300,
    '<svg><a xlink:href="https://evil.example/43"><text>svg</text></a></svg>',
    '<svg><style>a{}</style><a href="https://evil.example/44">svg style</a></svg>',
    '<math href="https://evil.example/45"><mi>x</mi></math>',
    '<map name="m"><area href="https://evil.example/46"></map>',
    '<base href="https://evil.example/"><a href="47">base</a>',
    # Scripts.
    '<a href="javascript:alert(1)">x</a>',
    '<a href="JaVa&#9;ScRiPt:alert(1)">x</a>',
    '<a href="&#14;javascript:alert(1)">x</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    '<a href="vbscript:msgbox(1)">x</a>',
    # Paths of the box, and course addresses that try to leave the course.
    '<a href="/audit/export.csv?action=auth.sign_in">x</a>',
    '<a href="../../../audit/export.csv">x</a>',
    '<a href="?page=2">x</a>',
    f'<a href="cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv">x</a>',
    '<a href="cartable-activity:../../audit">x</a>',
    '<a href="cartable-course:1/../../audit">x</a>',
    f'<a href="CARTABLE-FILE:{PNG_SHA}/..%252F..%252Faudit">x</a>',
    f'<a href="cartable-file:{PNG_SHA}/photo.png">written in the backup</a>',
    '<a ping="/audit/export.csv" href="#x">ping</a>',
    # Sources: what the browser fetches as it shows the page.
    '<img srcset="/audit/export.csv?action=auth.sign_in 1x">',
    f'<img src="cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv">',
    '<img src="/audit/export.csv">',
    '<img src=" /audit/export.csv">',
    '<img src="//evil.example/66.png">',
    '<img src="ht&#9;tps://evil.example/67.png">',
    '<img srcset="https://evil.example/a.png 1x, /audit/export.csv 2x">',
    '<img src="@@PLUGINFILE@@/photo.png" srcset="@@PLUGINFILE@@/photo.png 1x, /audit/x 2x">',
    '<picture><source srcset="/audit/export.csv">' + OWN + "</picture>",
    '<video poster="/audit/export.csv" src="/audit/v.mp4"></video>',
    '<video><source src="/audit/export.csv"></video>',
    '<audio src="/audit/export.csv"></audio>',
    '<video><track src="/audit/export.csv"></video>',
    f'<img src="data:image/svg+xml;base64,{SVG}">',
    f'<img src="cartable-file:{PNG_SHA}/photo.png" alt="written in the backup">',
    '<img src="@@PLUGINFILE@@/../../audit/export.csv">',
    '<img loading="lazy" src="/audit/export.csv">',
    '<img src="x" onerror="fetch(\'/audit/export.csv\')">',
    '<img longdesc="/audit/a" lowsrc="/audit/b" dynsrc="/audit/c">',
    '<input type="image" src="/audit/export.csv">',
    '<image src="/audit/export.csv">',
    '<svg><image href="/audit/export.csv"/></svg>',
    '<svg><use href="/audit/export.csv#x"/></svg>',
    # Styles.
    '<p style="background:url(/audit/export.csv)">x</p>',
    '<p style="background-image:u\\72l(/audit/export.csv)">x</p>',
    '<p style="color:red;width:url(/audit/export.csv)">x</p>',
    "<style>p{background:url(/audit/export.csv)}</style><p>x</p>",
    "<style>@import '/audit/export.csv';</style>",
    '<link rel="stylesheet" href="/audit/export.csv">',
    # Frames, objects, forms, refreshes.
    '<iframe src="/audit/export.csv"></iframe>',
    '<object data="/audit/export.csv"></object>',
    '<embed src="/audit/export.csv">',
    '<form action="/audit/export.csv"><button>go</button></form>',
    '<button formaction="/audit/export.csv">go</button>',
    '<table background="/audit/export.csv"><tr><td background="/audit/x">t</td></tr></table>',
    '<body background="/audit/export.csv">x',
    '<meta http-equiv="refresh" content="0;url=/audit/export.csv">',
    '<blockquote cite="/audit/export.csv">q</blockquote>',
]
CONTROL = OWN + '<a href="#top">top</a> <a href="@@PLUGINFILE@@/photo.png">the picture</a>'

_SEEN = """() => {
  const names = ['href', 'src', 'srcset', 'poster', 'data', 'action', 'formaction',
    'background', 'cite', 'longdesc', 'ping', 'lowsrc', 'dynsrc'];
  const resolve = (value) => { try { return new URL(value, document.baseURI).href; }
    catch (error) { return 'unparsable:' + value; } };
  const article = document.querySelector('main article');
  const found = [];
  for (const element of article.querySelectorAll('*')) {
    for (const name of names) {
      const value = element.getAttribute(name);
      if (value === null) continue;
      const values = name === 'srcset'
        ? value.split(',').map((part) => part.trim().split(/\\s+/)[0]) : [value];
      for (const one of values) found.push([element.tagName.toLowerCase(), name, resolve(one)]);
    }
    const xlink = element.getAttributeNS('http://www.w3.org/1999/xlink', 'href');
    if (xlink !== null) found.push([element.tagName.toLowerCase(), 'xlink:href', resolve(xlink)]);
  }
  return {
    base: document.baseURI,
    links: [...document.querySelectorAll('a[href], area[href]')].map((a) => a.href),
    found,
    styles: [...article.querySelectorAll('[style]')].map((e) => e.getAttribute('style'))
      .filter((style) => /url\\(/i.test(style)),
  };
}"""


def build(tmp_path: Path) -> Path:
    backup = Backup(shortname="HOSTILE", fullname="Adresses hostiles")
    section = backup.section(0)
    for number, content in enumerate([CONTROL, *VARIANTS]):
        page = backup.activity(
            "page",
            fields(intro="", introformat=1, content=content, contentformat=1),
            title=f"Cas {number}",
            section=section,
        )
        backup.file(
            contextid=page.contextid,
            component="mod_page",
            filearea="content",
            filename="photo.png",
            content=PNG,
            mimetype="image/png",
        )
    return backup.build(tmp_path / "hostile.mbz")


def test_it_leaves_no_way_out_and_fetches_only_the_course_files(
    make_page, live_server, learner, outside, tmp_path: Path
) -> None:
    assert len(VARIANTS) >= 60
    course: Course = import_file(build(tmp_path), actor=None, publish=True).course
    Enrolment.objects.create(user=learner, course=course)
    origin = live_server.url
    files = f"{origin}/courses/{course.pk}/files/"
    held = set(CourseFile.objects.filter(course=course).values_list("blob_id", flat=True))
    assert held == {PNG_SHA}

    def own_file(url: str) -> bool:
        return url.startswith(files) and url[len(files) :].partition("/")[0] in held

    page = make_page(viewport={"width": 1280, "height": 6000})
    signed_in_as(page, live_server, learner)
    problems: dict[int, list[str]] = {}
    activities = course.activities.order_by("position")
    assert activities.count() == len(VARIANTS) + 1
    for number, activity in enumerate(activities):
        address = f"{origin}/courses/{course.pk}/activities/{activity.pk}/"
        before = len(outside.all)
        response = page.goto(address, wait_until="load")
        assert response is not None and response.status == 200
        seen = page.evaluate(_SEEN)
        wrong = [f"base {seen['base']}"] if seen["base"] != address else []
        wrong += [f"link {link}" for link in seen["links"] if not link.startswith(origin + "/")]
        for tag, name, url in seen["found"]:
            leads_to_a_page = name in ("href", "cite") and tag in ("a", "area", "blockquote")
            if not (own_file(url) or (leads_to_a_page and url.startswith(origin + "/"))):
                wrong.append(f"{tag} {name}={url}")
        wrong += [f"style {style}" for style in seen["styles"]]
        for url in outside.all[before:]:
            path = urlsplit(url).path
            if not (url == address or own_file(url) or path.startswith("/static/")):
                wrong.append(f"request {url}")
        if number == 0:  # the control page: the course's own picture is fetched
            assert any(own_file(url) for url in outside.all[before:]), outside.all[before:]
        elif wrong:
            problems[number] = wrong
    assert problems == {}, "\n".join(
        f"{VARIANTS[number - 1][:90]!r}: {wrong}" for number, wrong in problems.items()
    )
