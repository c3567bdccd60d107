"""What the review report flags in imported content (table-driven)."""

from __future__ import annotations

import pytest

from cartable.lib.risks import Finding, scan_address, scan_file, scan_html


@pytest.mark.parametrize(
    ("html", "expected"),
    [
        ("<p>Bonjour</p>", []),
        (
            '<a href="https://exemple.fr/cours">site</a>',
            [("external_link", "https://exemple.fr/cours")],
        ),
        ('<a href="//cdn.exemple.fr/x">x</a>', [("external_link", "//cdn.exemple.fr/x")]),
        ('<a href="cartable-activity:page-3">suite</a>', []),
        (
            '<img src="https://pixel.example/t.gif">',
            [("external_media", "https://pixel.example/t.gif")],
        ),
        (
            '<video poster="http://a.example/p.jpg"></video>',
            [("external_media", "http://a.example/p.jpg")],
        ),
        (
            '<iframe src="https://www.youtube.com/embed/x"></iframe>',
            [("frame", "https://www.youtube.com/embed/x")],
        ),
        ("<object data='movie.swf'></object>", [("frame", "movie.swf")]),
        ("<script>alert(1)</script>", [("script", "<script>")]),
        (
            '<script src="https://evil.example/a.js"></script>',
            [("script", "https://evil.example/a.js")],
        ),
        (
            '<img src="x.png" onerror="fetch(1)">',
            [("dropped_address", "x.png"), ("script", "onerror=…")],
        ),
        ('<a href="javascript:steal()">clic</a>', [("script", "javascript:steal()")]),
        ('<form action="https://collect.example/">', [("form", "https://collect.example/")]),
        ("<input type=text>", [("form", "<input>")]),
        (
            '<p style="background:url(https://x.example/b.png)">t</p>',
            [("external_media", "https://x.example/b.png")],
        ),
        (
            "<style>@import 'https://x.example/s.css';</style>",
            [("external_media", "https://x.example/s.css")],
        ),
        (
            '<meta http-equiv="refresh" content="0;url=https://x.example">',
            [("script", "0;url=https://x.example")],
        ),
        ("<p>Écrivez à prof.durand@univ-lille.fr</p>", [("email", "prof.durand@univ-lille.fr")]),
        ('<a href="mailto:aide@exemple.fr">aide</a>', [("email", "aide@exemple.fr")]),
        (
            "<p>Appelez le 06 12 34 56 78 ou le +33 3 20 12 34 56.</p>",
            [("phone", "06 12 34 56 78"), ("phone", "+33 3 20 12 34 56")],
        ),
        ("<p>En 2024, 12 345 élèves, page 12.</p>", []),
    ],
)
def test_it_flags_what_could_lead_out_of_the_box(
    html: str, expected: list[tuple[str, str]]
) -> None:
    found = scan_html(html, made={"cartable-activity:page-3"})  # what the importer wrote
    assert [(finding.kind, finding.detail) for finding in found] == expected


@pytest.mark.parametrize(
    ("name", "mimetype", "size", "expected"),
    [
        ("cours.pdf", "application/pdf", 1000, []),
        ("photo.jpg", "image/jpeg", 1000, []),
        ("installer.exe", "application/octet-stream", 1000, ["executable_file"]),
        ("macro.docm", "application/vnd.ms-word.document.macroEnabled.12", 10, ["executable_file"]),
        ("script.js", "application/javascript", 10, ["active_content", "executable_file"]),
        ("script.txt", "text/javascript", 10, ["active_content", "executable_file"]),
        ("page.html", "text/html", 10, ["active_content"]),
        ("schema.png", "image/svg+xml", 10, ["active_content"]),
        ("schema.svg", "application/octet-stream", 10, ["active_content"]),
        ("donnees.xml", "application/xml", 10, ["active_content"]),
        (
            "lettre.docx",
            "application/vnd.ms-word.document.macroEnabled.12",
            10,
            ["executable_file"],
        ),
        ("inconnu.dat", "application/octet-stream", 10, ["unknown_file"]),
        ("data.xyz", "application/x-whatever", 10, ["unknown_file"]),
        ("film.mp4", "video/mp4", 3_000_000_000, ["oversized_file"]),
    ],
)
def test_it_flags_risky_files(name: str, mimetype: str, size: int, expected: list[str]) -> None:
    found = scan_file(name, mimetype, size, max_bytes=500_000_000)
    assert [finding.kind for finding in found] == expected


def test_it_flags_the_address_of_a_web_link_activity() -> None:
    assert scan_address("https://fr.wikipedia.org/wiki/Lettre") == [
        Finding("external_link", "https://fr.wikipedia.org/wiki/Lettre")
    ]
    assert scan_address("mailto:a@b.fr") == [Finding("email", "a@b.fr")]
