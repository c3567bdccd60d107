"""What a Moodle backup holds reaches learners as its author meant it: old assignments,
Markdown, formatting as the box's classes (no inline style for the CSP to block), media on the
Internet as a visible note (issue 10, "faithful import and display")."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from cartable.catalog.models import Activity, Course, Enrolment
from cartable.ingest.imports import import_file
from cartable.search.index import reindex_course
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

MARKDOWN = "Code **A-3450**\n\n- [Serveur Discord](https://discord.example/x)\n- _deux_\n"


def faithful_backup() -> Backup:
    b = Backup(
        shortname="FIDELE",
        fullname="Cours fidèle",
        moodle_release="2.3.1 (Build: 20120706)",
        backup_release="2.3",
    )
    s0 = b.section(0)
    b.activity(
        "assignment",
        fields(
            intro="<p>Déposez votre <b>rapport</b>.</p>",
            introformat=1,
            assignmenttype="upload",
            var1=2,
            timedue=1700086400,
            grade=20,
        ),
        title="Rapport de stage",
        section=s0,
    )
    b.activity(
        "page",
        fields(intro="", introformat=1, content=MARKDOWN, contentformat=4),
        title="Consignes",
        section=s0,
    )
    b.activity("label", fields(intro=MARKDOWN, introformat=4), title="Étiquette", section=s0)
    b.activity(
        "page",
        fields(
            intro="",
            introformat=1,
            content='<p style="text-align:center;color:#ff0000">Important</p>'
            '<pre style="font-family:Courier New">print(1)</pre>'
            "<p>Please watch the following video</p>"
            '<iframe src="https://www.youtube.com/embed/abc" width="560"></iframe>',
            contentformat=1,
        ),
        title="Vidéo",
        section=s0,
    )
    return b


@pytest.fixture
def imported(tmp_path: Path, learner) -> Course:
    course = import_file(
        faithful_backup().build(tmp_path / "fidele.mbz"), actor=None, publish=True
    ).course
    Enrolment.objects.get_or_create(user=learner, course=course)
    return course


def page(learner, url: str, language: str = "fr") -> str:
    response = signed_in(learner).get(url, HTTP_ACCEPT_LANGUAGE=language)
    assert response.status_code == 200
    return response.content.decode()


def test_it_imports_an_old_assignment_with_its_instructions(imported, learner) -> None:
    assignment = imported.activities.get(title="Rapport de stage")
    assert assignment.kind == Activity.Kind.ASSIGN
    assert assignment.data["submission_types"] == ["file"]
    assert assignment.data["max_files"] == 2
    shown = page(learner, f"/courses/{imported.pk}/activities/{assignment.pk}/")
    assert "Déposez votre <b>rapport</b>." in shown


def test_it_renders_markdown_on_pages_labels_and_search(imported, learner) -> None:
    consignes = imported.activities.get(title="Consignes")
    shown = page(learner, f"/courses/{imported.pk}/activities/{consignes.pk}/")
    assert "<strong>A-3450</strong>" in shown
    assert "<em>deux</em>" in shown
    assert "Serveur Discord" in shown
    outline = page(learner, f"/courses/{imported.pk}/")
    assert "<strong>A-3450</strong>" in outline  # the label, on the course page
    for text in (shown, outline):
        assert "**" not in text
        assert "[Serveur Discord]" not in text
    reindex_course(imported.pk)  # as publishing does once its transaction commits
    results = page(learner, "/search/?q=Discord")
    snippets = re.findall(r'<p class="result__snippet">(.*?)</p>', results, re.DOTALL)
    assert snippets
    assert not [s for s in snippets if "**" in s or "](" in s]


def test_it_shows_formatting_with_the_box_classes_and_no_inline_style(imported, learner) -> None:
    video = imported.activities.get(title="Vidéo")
    assert "style=" not in video.content
    shown = page(learner, f"/courses/{imported.pk}/activities/{video.pk}/")
    assert '<p class="c-center c-red">Important</p>' in shown
    assert '<pre class="c-mono">print(1)</pre>' in shown
    assert "style=" not in shown


@pytest.mark.parametrize(
    ("language", "sentence"),
    [
        ("en", "This video is on the Internet and cannot be shown on the box:"),
        ("fr", "Cette vidéo est sur Internet et ne peut pas être montrée sur la box\u202f:"),
    ],
)
def test_it_replaces_a_video_from_the_internet_by_a_note(
    imported, learner, language, sentence
) -> None:
    video = imported.activities.get(title="Vidéo")
    shown = page(learner, f"/courses/{imported.pk}/activities/{video.pk}/", language)
    assert (
        f'<span class="offline-media">{sentence} https://www.youtube.com/embed/abc</span>' in shown
    )
    assert "<iframe" not in shown
    assert "https://www.youtube.com/embed/abc" in video.external_links
