"""cartable.lib.urls: where a URL of imported content leads, read as a browser reads it."""

from __future__ import annotations

import pytest

from cartable.lib import urls

SHA = "c" * 64
ZEROS = "0" * 64
FULLWIDTH_HTTPS = "\uff48\uff54\uff54\uff50\uff53://evil.example"  # no scheme

# (value as the HTML parser hands it over, kind, canonical href or shown address)
PARSED = [
    # Tabs, newlines, leading and trailing controls and spaces: the browser ignores them.
    ("ht\ttps://evil.example/x", "outside", "https://evil.example/x"),
    (" https://evil.example/x", "outside", "https://evil.example/x"),
    ("\thttps://evil.example/x", "outside", "https://evil.example/x"),
    ("h\nttps://evil.example/x", "outside", "https://evil.example/x"),
    ("https\r://evil.example/x", "outside", "https://evil.example/x"),
    ("https:/\n/evil.example/x", "outside", "https://evil.example/x"),
    ("\x01\x1f https://evil.example/x \x00", "outside", "https://evil.example/x"),
    ("https://evil.example/x\t", "outside", "https://evil.example/x"),
    # The scheme is case-insensitive; the host is serialised.
    ("HTTPS://EVIL.example/x", "outside", "https://evil.example/x"),
    ("hTtP://evil.example", "outside", "http://evil.example/"),
    ("https://evil.example/a/../b", "outside", "https://evil.example/b"),
    ("https://0x7f.1/", "outside", "https://127.0.0.1/"),
    ("http://2130706433/", "outside", "http://127.0.0.1/"),
    ("https://\uff45vil.example/", "outside", "https://evil.example/"),  # fullwidth e
    ("https://evil。example/", "outside", "https://evil.example/"),
    ("https://box@evil.example/", "outside", "https://box@evil.example/"),
    ("https:evil.example/x", "outside", "https://evil.example/x"),
    ("http:\\\\evil.example", "outside", "http://evil.example/"),
    # Scheme-relative: another host through the page's own scheme.
    ("//evil.example/x", "outside", "//evil.example/x"),
    ("\\\\evil.example\\x", "outside", "//evil.example/x"),
    ("/\\evil.example", "outside", "//evil.example/"),
    ("\\/evil.example", "outside", "//evil.example/"),
    ("///evil.example", "outside", "//evil.example/"),
    ("/\t/evil.example", "outside", "//evil.example/"),
    # Other ways out, shown as text.
    ("ftp://files.example/a", "outside", "ftp://files.example/a"),
    ("mailto:prof@univ.fr", "outside", "mailto:prof@univ.fr"),
    ("tel:+33612345678", "outside", "tel:+33612345678"),
    ('mailto:a"b@x <y>', "outside", "mailto:a%22b@x%20%3Cy%3E"),
    ("file:///etc/passwd", "outside", "file:///etc/passwd"),
    ("wss://evil.example/s", "outside", "wss://evil.example/s"),
    # Scripts, paths of the box, unknown schemes: dropped.
    ("javascript:alert(1)", "dropped", "javascript:alert(1)"),
    ("JaVaScRiPt:alert(1)", "dropped", "JaVaScRiPt:alert(1)"),
    ("java\tscript:alert(1)", "dropped", "javascript:alert(1)"),
    ("\x0ejavascript:alert(1)", "dropped", "javascript:alert(1)"),
    ("vbscript:msgbox(1)", "dropped", "vbscript:msgbox(1)"),
    (
        "data:text/html,<script>alert(1)</script>",
        "dropped",
        "data:text/html,<script>alert(1)</script>",
    ),
    ("/audit/export.csv?action=auth.sign_in", "dropped", "/audit/export.csv?action=auth.sign_in"),
    ("../../audit/export.csv", "dropped", "../../audit/export.csv"),
    ("/%2e%2e/audit", "dropped", "/%2e%2e/audit"),
    ("?page=2", "dropped", "?page=2"),
    ("image.png", "dropped", "image.png"),
    ("/", "dropped", "/"),
    ("", "dropped", ""),
    (FULLWIDTH_HTTPS, "dropped", FULLWIDTH_HTTPS),
    ("\ufeffhttps://evil.example", "dropped", "\ufeffhttps://evil.example"),
    ("https://[broken/", "dropped", "https://[broken/"),
    ("c:\\windows\\system.ini", "dropped", "c:\\windows\\system.ini"),
    ("blob:https://box/1", "dropped", "blob:https://box/1"),
    ("about:blank", "dropped", "about:blank"),
    ("cartable-unresolved:PAGEVIEWBYID", "dropped", "cartable-unresolved:PAGEVIEWBYID"),
    # Fragments follow the prefixed ids of imported HTML.
    ("#top", "fragment", "#user-content-top"),
    ("#user-content-top", "fragment", "#user-content-top"),
    ("  #a b", "fragment", "#user-content-a%20b"),
    ('#"><x', "fragment", "#user-content-%22%3E%3Cx"),
    # Course addresses, canonical.
    (f"cartable-file:{SHA}/a.png", "file", f"cartable-file:{SHA}/a.png"),
    (
        f"CARTABLE-FILE:{SHA.upper()}/a%20b.png#page=2",
        "file",
        f"cartable-file:{SHA}/a%20b.png#page=2",
    ),
    (f"cartable-file:{SHA}/été.pdf", "file", f"cartable-file:{SHA}/%C3%A9t%C3%A9.pdf"),
    (f"cartable-fi\tle:{SHA}/a.png", "file", f"cartable-file:{SHA}/a.png"),
    ("cartable-activity:page-12#part", "activity", "cartable-activity:page-12#part"),
    ("cartable-course:2#section-3", "course", "cartable-course:2#section-3"),
    # Course addresses that try to leave the course's files: dropped.
    (f"cartable-file:{ZEROS}/..%2F..%2F..%2F..%2Faudit%2Fexport.csv", "dropped", None),
    (f"cartable-file:{SHA}/..", "dropped", None),
    (f"cartable-file:{SHA}/%2e%2e", "dropped", None),
    (f"cartable-file:{SHA}/.", "dropped", None),
    (f"cartable-file:{SHA}/a/b.png", "dropped", None),
    (f"cartable-file:{SHA}/a%5Cb.png", "dropped", None),
    (f"cartable-file:{SHA}/..%252F..%252Faudit", "dropped", None),
    (f"cartable-file:{SHA}/a%0Ab.png", "dropped", None),
    (f"cartable-file:{SHA}/%FF.png", "dropped", None),
    (f"cartable-file:{SHA}/", "dropped", None),
    ("cartable-file:abc/a.png", "dropped", None),
    ("cartable-activity:../../audit", "dropped", None),
    ("cartable-course:2/../../audit", "dropped", None),
]


@pytest.mark.parametrize(
    ("value", "kind", "expected"), PARSED, ids=[repr(p[0])[:60] for p in PARSED]
)
def test_it_reads_a_url_as_a_browser_does(value: str, kind: str, expected: str | None) -> None:
    url = urls.parse(value)
    assert url.kind == kind
    if kind == "outside":
        assert url.href == url.address == expected
    elif kind == "dropped":
        assert url.href == ""
        if expected is not None:
            assert url.address == expected
    else:
        assert url.href == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("data:image/png;base64,iVBORw0KGgo=", "data:image/png;base64,iVBORw0KGgo="),
        ("DATA:image/PNG;BASE64,iVBO Rw0K\nGgo=", "data:image/png;base64,iVBORw0KGgo="),
        ("data:image/jpeg;charset=x;base64,/9j/", "data:image/jpeg;base64,/9j/"),
        ("data:image/gif;base64,R0lG%4F", "data:image/gif;base64,R0lGO"),
        ("data:image/svg+xml;base64,PHN2Zz4=", None),
        ("data:image/png,rawbytes", None),
        ("data:text/html;base64,PHNjcmlwdD4=", None),
        ("data:image/png;base64,<script>", None),
    ],
)
def test_it_keeps_raster_data_images_only_as_image_sources(
    value: str, expected: str | None
) -> None:
    url = urls.parse(value, image=True)
    assert (url.href if url.kind == "image" else None) == expected
    assert urls.parse(value).kind == "dropped"  # never a link


def test_it_gives_the_parts_of_a_course_address() -> None:
    url = urls.parse(f"cartable-file:{SHA}/mon%20plan.png#p2")
    assert (url.sha256, url.name, url.fragment) == (SHA, "mon plan.png", "#p2")
    assert url.target == f"cartable-file:{SHA}/mon%20plan.png"
    assert urls.parse("cartable-activity:book-5#chapter-55").key == "book-5"


STORED = [
    (f"cartable-file:{SHA}/a%20b.png", "file"),
    (f"cartable-file:{SHA}/a%20b.png#page=2", "file"),
    ("cartable-activity:page-12", "activity"),
    ("cartable-course:2#section-3", "course"),
    ("#user-content-top", "fragment"),
    # Not canonical: never made live by the display.
    (f"cartable-file:{SHA.upper()}/a.png", None),
    (f"CARTABLE-FILE:{SHA}/a.png", None),
    (f"cartable-file:{ZEROS}/..%2F..%2Faudit%2Fexport.csv", None),
    (f"cartable-file:{SHA}/a b.png", None),
    (f"cartable-file:{SHA}/%2e%2e", None),
    (f" cartable-file:{SHA}/a.png", None),
    ("#top", None),
    ("#user-content-a b", None),
    ("https://evil.example/", None),
    ("/audit/export.csv", None),
    ("data:image/png;base64,iVBO", None),  # an image only where an image is shown
]


@pytest.mark.parametrize(("value", "kind"), STORED, ids=[s[0][:50] for s in STORED])
def test_it_makes_only_canonical_course_addresses_live(value: str, kind: str | None) -> None:
    found = urls.stored(value)
    assert (found.kind if found else None) == kind


def test_it_reads_a_stored_data_image_where_an_image_is_shown() -> None:
    found = urls.stored("data:image/png;base64,iVBO", image=True)
    assert found is not None and found.kind == "image"


@pytest.mark.parametrize(
    ("name", "valid", "in_a_path"),
    [
        ("plan.png", True, "plan.png"),
        ("mon plan (v2).pdf", True, "mon plan (v2).pdf"),
        ("..", False, "file"),
        (".", False, "file"),
        ("../../audit/export.csv", False, ".._.._audit_export.csv"),
        ("a\\b", False, "a_b"),
        ("a\nb", False, "a_b"),
        ("a%2Fb", False, "a_b"),
        ("%2e%2e", False, "__"),
        ("x" * 256, False, "x" * 256),
    ],
)
def test_it_allows_file_names_of_one_path_segment(name: str, valid: bool, in_a_path: str) -> None:
    assert urls.valid_name(name) is valid
    assert urls.path_name(name) == in_a_path


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a.png 1x, b.png 2x", [("a.png", ("1x",)), ("b.png", ("2x",))]),
        ("  a.png, b.png,  ", [("a.png", ()), ("b.png", ())]),
        ("a.png,b.png", [("a.png,b.png", ())]),  # a URL may hold commas
        ("a,b.png 100w,c.png 2x", [("a,b.png", ("100w",)), ("c.png", ("2x",))]),
        ("a.png (x, y) 1x, b.png", [("a.png", ("(x, y)", "1x")), ("b.png", ())]),
        (
            "/audit/export.csv?action=auth.sign_in 1x",
            [("/audit/export.csv?action=auth.sign_in", ("1x",))],
        ),
        (",,, ,", []),
    ],
)
def test_it_splits_a_srcset_as_the_html_standard_does(value, expected) -> None:
    assert [(c.url, c.descriptors) for c in urls.srcset(value)] == expected


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("color:red", []),
        ("background:url(/audit/export.csv)", ["/audit/export.csv"]),
        ("background:URL( 'https://x.example/b.png' )", ["https://x.example/b.png"]),
        ("background:u\\72l(/a)", ["/a"]),
        ("background:u/**/rl(/a); x:url(/b)", ["/b"]),
        ('background-image:image-set("a.png" 1x)', ["a.png"]),
        ("@import 'https://x.example/s.css';", ["https://x.example/s.css"]),
    ],
)
def test_it_finds_what_css_would_fetch(css: str, expected: list[str]) -> None:
    assert urls.css_urls(css) == expected


@pytest.mark.parametrize(
    ("style", "expected"),
    [
        ("color:red;text-align:center", "color:red;text-align:center"),
        ("color:red;background:url(/audit)", "color:red"),
        ("width:u\\72l(/audit);color:blue", "color:blue"),
        ('font-family:"a;b";background:image-set("x" 1x)', 'font-family:"a;b"'),
        ("background:url(x)", ""),
    ],
)
def test_it_drops_the_declarations_that_would_fetch(style: str, expected: str) -> None:
    assert urls.css_without_fetches(style) == expected
