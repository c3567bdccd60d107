"""Files and links inside course HTML are rewritten to Cartable's schemes; missing ones reported."""

from __future__ import annotations

import hashlib

import pytest

from cartable.importers import model

from . import questionxml as x
from .builder import Backup, fields

PNG = b"\x89PNG\r\n\x1a\n fake image"
SHA = hashlib.sha256(PNG).hexdigest()


def _linked_course() -> tuple[Backup, dict[str, int]]:
    b = Backup(summary='<p><img src="@@PLUGINFILE@@/logo.png"></p>')
    b.file(
        contextid=b.course_contextid,
        component="course",
        filearea="summary",
        filename="logo.png",
        content=PNG,
        mimetype="image/png",
    )
    s0 = b.section(0, "Intro", '<p><a href="$@PAGEVIEWBYID*{page}@$">start</a></p>')
    target = b.activity(
        "page",
        fields(intro="", introformat=1, content="<p>Target</p>", contentformat=1),
        title="Target",
        section=s0,
    )
    book = b.activity(
        "book", fields(intro="", introformat=1) + "<chapters></chapters>", title="Book", section=s0
    )
    content = (
        '<p><img src="@@PLUGINFILE@@/sub/my%20image.png" alt="x">'
        f'<a href="$@PAGEVIEWBYID*{target.module_id}@$">by module</a>'
        f'<a href="$@PAGEVIEWBYP*{target.instance_id}@$">by instance</a>'
        f'<a href="$@BOOKVIEWBYIDCH*{book.module_id}*55@$">chapter</a>'
        '<a href="$@PAGEINDEX*2@$">all pages</a>'
        '<a href="$@COURSEVIEWBYID*2@$">course</a>'
        '<a href="$@FORUMVIEWBYID*99999@$">gone</a>'
        '<a href="https://en.wikipedia.org/wiki/Atom">wiki</a>'
        '<img src="@@PLUGINFILE@@/absent.png">'
        "</p>"
    )
    source = b.activity(
        "page",
        fields(
            intro='<p><a href="http://example.org/intro">i</a></p>',
            introformat=1,
            content=content,
            contentformat=1,
        ),
        title="Source",
        section=s0,
    )
    b.file(
        contextid=source.contextid,
        component="mod_page",
        filearea="content",
        filename="my image.png",
        filepath="/sub/",
        content=PNG,
        mimetype="image/png",
    )
    cat = b.category("Default")
    question = b.question(
        cat, "truefalse", "tf", '<p><img src="@@PLUGINFILE@@/q.png"></p>', x.truefalse()
    )
    b.file(
        contextid=b.course_contextid,
        component="question",
        filearea="questiontext",
        itemid=question.question_id,
        filename="q.png",
        content=PNG,
        mimetype="image/png",
    )
    b.sections[0] = (
        s0,
        0,
        "Intro",
        f'<p><a href="$@PAGEVIEWBYID*{target.module_id}@$">start</a></p>',
    )
    return b, {"target": target.module_id, "book": book.module_id}


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
def test_it_rewrites_files_and_links_between_activities(import_backup, flavour):
    backup, ids = _linked_course()
    result = import_backup(backup, flavour)
    course = result.course
    source = next(a for a in course.activities if a.title == "Source")
    assert isinstance(source.content, model.PageContent)
    html = source.content.content
    assert f'<img src="cartable-file:{SHA}/my%20image.png" alt="x">' in html
    assert f'href="cartable-activity:page-{ids["target"]}"' in html
    assert (
        html.count(f'href="cartable-activity:page-{ids["target"]}"') == 2
    )  # by module and instance
    assert f'href="cartable-activity:book-{ids["book"]}#chapter-55"' in html
    assert 'href="cartable-course:2"' in html
    assert ">gone</a>" in html and "99999" not in html  # unresolved: kept as text
    assert "<img>" in html  # the missing file's image lost its source
    assert source.external_links == (
        "http://example.org/intro",
        "https://en.wikipedia.org/wiki/Atom",
    )
    assert [f.filename for f in source.files] == ["my image.png"]
    assert course.summary == f'<p><img src="cartable-file:{SHA}/logo.png"></p>'
    assert (
        course.sections[0].summary
        == f'<p><a href="cartable-activity:page-{ids["target"]}" rel="noopener noreferrer">start</a></p>'
    )
    [question] = course.question_bank.questions
    assert question.text == f'<p><img src="cartable-file:{SHA}/q.png"></p>'
    assert [f.component for f in question.files] == ["question"]
    warnings = " | ".join(result.report.warnings)
    assert "absent.png" in warnings and "$@FORUMVIEWBYID*99999@$" in warnings
    assert result.report.external_links == 2
    assert result.report.files.records == 3 and result.report.files.blobs == 1


def test_it_imports_the_rest_when_a_blob_is_missing(import_backup):
    b = Backup()
    s0 = b.section(0)
    resource = b.activity(
        "resource", fields(intro="", introformat=1), title="Two files", section=s0
    )
    b.file(
        contextid=resource.contextid,
        component="mod_resource",
        filearea="content",
        filename="here.txt",
        content=b"present",
        sortorder=1,
    )
    b.file(
        contextid=resource.contextid,
        component="mod_resource",
        filearea="content",
        filename="gone.txt",
        content=b"absent",
        blob=False,
    )
    result = import_backup(b)
    [activity] = result.course.activities
    assert [f.filename for f in activity.files] == ["here.txt"]
    assert any("gone.txt" in w and "missing" in w for w in result.report.warnings)
    assert [s.kind for s in result.report.skipped] == ["file"]


def test_it_leaves_out_a_blob_that_does_not_match_its_hash(import_backup):
    b = Backup()
    s0 = b.section(0)
    resource = b.activity("resource", fields(intro="", introformat=1), title="File", section=s0)
    b.file(
        contextid=resource.contextid,
        component="mod_resource",
        filearea="content",
        filename="a.txt",
        content=b"original",
    )
    sha1 = hashlib.sha1(b"original", usedforsecurity=False).hexdigest()
    b.members[f"files/{sha1[:2]}/{sha1}"] = b"tampered"
    result = import_backup(b)
    assert result.course.activities[0].files == ()
    assert any("does not match" in w for w in result.report.warnings)


def test_it_gives_each_file_its_sha256_and_blob_path(import_backup, tmp_path):
    b = Backup()
    s0 = b.section(0)
    resource = b.activity("resource", fields(intro="", introformat=1), title="File", section=s0)
    b.file(
        contextid=resource.contextid,
        component="mod_resource",
        filearea="content",
        filename="a.png",
        content=PNG,
        mimetype="image/png",
        itemid=0,
    )
    [ref] = import_backup(b).course.files
    assert (ref.sha256, ref.size, ref.filename, ref.filepath, ref.mimetype) == (
        SHA,
        len(PNG),
        "a.png",
        "/",
        "image/png",
    )
    assert (ref.component, ref.filearea, ref.itemid) == ("mod_resource", "content", 0)
    assert ref.blob.is_file() and ref.blob.is_relative_to(tmp_path)
