"""Learners search what they may see: ranked results, accents and plurals, files and PDF text,
a fixed number of queries, and nothing from another course, an unpublished course, or a hidden
or retired activity."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from django.test import Client

from cartable.catalog import blobs
from cartable.catalog.models import Activity, Course, Enrolment, Section
from cartable.demo.pdf import text_pdf
from cartable.search.index import reindex_course
from tests import kinddata
from tests.conftest import build_course, signed_in
from tests.test_search_query import HOSTILE

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent


def add(course: Course, title: str, *, kind: str = Activity.Kind.PAGE, **fields) -> Activity:
    section = fields.pop("section", None) or course.sections.order_by("position").first()
    return Activity.objects.create(
        review_status=Activity.Review.APPROVED,
        course=course,
        section=section,
        position=50,
        kind=kind,
        title=title,
        **fields,
    )


def search(client: Client, q: str, **params) -> tuple[int, str]:
    response = client.get("/search/", {"q": q, **params}, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.content.decode()


def titles(page: str) -> list[str]:
    return re.findall(r'<h2 class="result__title"><a href="[^"]*">([^<]*)</a>', page)


def test_it_finds_accented_words_and_plurals_typed_without_them(learner, course) -> None:
    add(course, "Écrire ensemble", content="<p>Les élèves écrivent des lettres.</p>")
    reindex_course(course.pk)
    client = signed_in(learner)
    for typed in ["eleve", "ÉLÈVES", "lettre", "Lettres", "élève lettre"]:
        status, page = search(client, typed)
        assert status == 200
        assert titles(page) == ["Écrire ensemble"], typed


def test_it_ranks_a_title_match_above_a_passing_mention(learner, course) -> None:
    add(course, "Notes", content="<p>" + "Du texte sans rapport. " * 40 + "photosynthèse</p>")
    add(course, "La photosynthèse", content="<p>Comment les plantes vivent.</p>")
    reindex_course(course.pk)
    assert titles(search(signed_in(learner), "photosynthese")[1]) == ["La photosynthèse", "Notes"]


def test_it_shows_the_kind_the_course_and_a_marked_snippet(learner, course) -> None:
    page_item = add(course, "Écrire", content="<p>Une lettre de motivation, écrite avec soin.</p>")
    reindex_course(course.pk)
    _, page = search(signed_in(learner), "motivation")
    assert f'href="/courses/{course.pk}/activities/{page_item.pk}/"' in page
    assert '<span class="tag">Page</span> Cours HIST101' in page
    assert "Une lettre de <mark>motivation</mark>, écrite avec soin." in page


def test_it_escapes_the_text_of_snippets(learner, course) -> None:
    add(course, "Code", content="<p>&lt;script&gt;alert(1)&lt;/script&gt; motivation</p>")
    reindex_course(course.pk)
    _, page = search(signed_in(learner), "motivation")
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; <mark>motivation</mark>" in page


def test_it_finds_files_by_name_and_by_the_text_of_their_pdf(learner, course) -> None:
    pdf = text_pdf("Fiche de revision", ["Le theoreme de Pythagore", "Les triangles rectangles"])
    item = add(
        course,
        "Géométrie",
        kind=Activity.Kind.RESOURCE,
        blob=blobs.add(io.BytesIO(pdf)),
        filename="fiche_révision-2024.pdf",
        mimetype="application/pdf",
    )
    reindex_course(course.pk)
    client = signed_in(learner)
    for typed in ["révision 2024", "pythagore", "triangle rectangle"]:
        _, page = search(client, typed)
        assert titles(page) == ["fiche_révision-2024.pdf"], typed
        assert f"/courses/{course.pk}/activities/{item.pk}/" in page
    assert "<mark>Pythagore</mark>" in search(client, "pythagore")[1]


def test_it_indexes_a_broken_pdf_by_its_name(learner, course) -> None:
    # The course's "Fiche" is a resource whose bytes are not a readable PDF.
    reindex_course(course.pk)
    assert titles(search(signed_in(learner), "fiche")[1]) == ["Fiche", "fiche.pdf"]


def test_it_finds_book_chapters_glossary_entries_lesson_pages_and_discussions(
    learner, course
) -> None:
    book = add(
        course,
        "Livre",
        kind=Activity.Kind.BOOK,
        data=kinddata.book(
            kinddata.chapter(
                7,
                "Les volcans",
                "<p>Magma</p>",
                subchapters=(kinddata.chapter(8, "Laves", "<p>Basalte</p>"),),
            ),
            kinddata.chapter(9, "Brouillon", "<p>Basalte caché</p>", hidden=True),
        ),
    )
    add(
        course,
        "Lexique",
        kind=Activity.Kind.GLOSSARY,
        data=kinddata.glossary(
            kinddata.entry("Isthme", "<p>Bande de terre</p>", aliases=("col",)),
            kinddata.entry("Brouillon", "<p>Basalte refusé</p>", approved=False),
        ),
    )
    add(
        course,
        "Leçon",
        kind=Activity.Kind.LESSON,
        data=kinddata.lesson(kinddata.lesson_page(1, "Les séismes", "<p>Failles actives</p>")),
    )
    add(
        course,
        "Forum",
        kind=Activity.Kind.FORUM,
        data=kinddata.forum(("Question", (kinddata.post("Aide", "<p>Les tsunamis ?</p>"),))),
    )
    reindex_course(course.pk)
    client = signed_in(learner)
    assert titles(search(client, "basalte")[1]) == ["Laves"]
    _, page = search(client, "magma")
    assert f"/courses/{course.pk}/activities/{book.pk}/?chapter=7" in page
    assert "Book chapter" in page and "Livre · Cours HIST101" in page
    assert titles(search(client, "isthme")[1]) == ["Isthme"]
    assert titles(search(client, "terre")[1]) == ["Isthme"]
    assert titles(search(client, "faille")[1]) == ["Les séismes"]
    assert titles(search(client, "tsunami")[1]) == ["Question"]
    assert titles(search(client, "brouillon")[1]) == []


def test_it_falls_back_to_any_word_when_no_result_has_every_word(learner, course) -> None:
    add(course, "Lettre", content="<p>Une lettre.</p>")
    reindex_course(course.pk)
    _, page = search(signed_in(learner), "lettre xylophone")
    assert titles(page) == ["Lettre"]
    assert "No result holds all these words" in page


# --- Who sees what ----------------------------------------------------------------------------


def test_it_never_shows_another_course(learner, course, other_course) -> None:
    reindex_course(course.pk)
    reindex_course(other_course.pk)
    _, page = search(signed_in(learner), "page")
    assert titles(page)
    assert "SECRET202" not in page
    assert all("HIST101" in title for title in titles(page) if title.startswith("Page"))


def test_it_never_shows_an_unpublished_course_to_its_learners(learner, teacher, course) -> None:
    course.status = Course.Status.PENDING_REVIEW
    course.save()
    reindex_course(course.pk)
    for user in (learner, teacher):
        _, page = search(signed_in(user), "page")
        assert titles(page) == []
        assert "No results for" in page


def test_it_hides_hidden_and_retired_activities_and_hidden_sections(
    learner, teacher, staff, course
) -> None:
    add(course, "Caché", content="<p>zanzibar</p>", visible=False)
    retired = add(course, "Retiré", content="<p>zanzibar</p>")
    retired.retired_at = retired.created_at
    retired.save()
    secret = Section.objects.create(
        course=course, position=9, title="Zanzibar", summary="<p>zanzibar</p>", visible=False
    )
    add(course, "Dans une partie cachée", content="<p>zanzibar</p>", section=secret)
    add(course, "Visible", content="<p>zanzibar</p>")
    reindex_course(course.pk)
    assert titles(search(signed_in(learner), "zanzibar")[1]) == ["Visible"]
    # Staff, and the course's teacher (who opens hidden activities from the course page).
    for user in (staff, teacher):
        assert sorted(titles(search(signed_in(user), "zanzibar")[1])) == sorted(
            ["Caché", "Dans une partie cachée", "Visible", "Zanzibar"]
        )


def test_it_keeps_the_content_of_restricted_activities_for_later(learner, staff, course) -> None:
    rule = {"op": "&", "c": [{"type": "date", "d": ">=", "t": 4102444800}], "showc": [True]}
    add(
        course,
        "Examen blanc",
        kind=Activity.Kind.BOOK,
        intro="<p>Sujet surprise</p>",
        availability=rule,
        data=kinddata.book(kinddata.chapter(1, "Corrigé", "<p>Réponses</p>")),
    )
    empty_rule = {"op": "&", "c": [], "showc": []}  # what Moodle writes for "no restriction"
    add(course, "Révisions", content="<p>Un corrigé libre</p>", availability=empty_rule)
    reindex_course(course.pk)
    client = signed_in(learner)
    assert titles(search(client, "corrigé")[1]) == ["Révisions"]
    _, page = search(client, "examen")
    assert titles(page) == ["Examen blanc"]
    assert "Sujet surprise" not in page
    assert sorted(titles(search(signed_in(staff), "corrigé")[1])) == ["Corrigé", "Révisions"]


def test_it_sends_anonymous_visitors_to_sign_in(db) -> None:
    response = Client().get("/search/", {"q": "page"})
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_finds_nothing_for_a_learner_without_courses(outsider_learner, course) -> None:
    reindex_course(course.pk)
    assert titles(search(signed_in(outsider_learner), "page")[1]) == []


# --- The page ---------------------------------------------------------------------------------


@pytest.mark.parametrize("q", HOSTILE)
def test_it_answers_hostile_queries_calmly(learner, course, q: str) -> None:
    reindex_course(course.pk)
    status, page = search(signed_in(learner), q)
    assert status == 200
    assert "<script" not in page.split("</head>")[1]


def test_it_invites_a_search_when_nothing_was_typed(learner) -> None:
    status, page = search(signed_in(learner), "")
    assert status == 200
    assert 'role="search"' in page
    assert '<label for="search-q">Search your courses</label>' in page
    assert "Type one or more words" in page
    assert 'class="results"' not in page


def test_it_helps_when_nothing_is_found(learner, course) -> None:
    reindex_course(course.pk)
    _, page = search(signed_in(learner), "xylophone")
    assert "No results for “xylophone”." in page
    assert "Check the spelling" in page
    assert 'value="xylophone"' in page


def test_it_pages_through_many_results(learner, course) -> None:
    for number in range(45):
        add(course, f"Leçon {number}", content="<p>volcan</p>")
    reindex_course(course.pk)
    client = signed_in(learner)
    _, first = search(client, "volcan")
    assert "45 results for “volcan”" in first
    assert len(titles(first)) == 20
    assert 'href="?q=volcan&amp;page=2"' in first
    _, third = search(client, "volcan", page="3")
    assert len(titles(third)) == 5
    assert '<ol class="results" start="41">' in third
    _, past = search(client, "volcan", page="99")
    assert titles(past) == titles(third)
    _, bad = search(client, "volcan", page="abc")
    assert titles(bad) == titles(first)
    assert (
        len(set(titles(first) + titles(third) + titles(search(client, "volcan", page=2)[1]))) == 45
    )


@pytest.mark.parametrize("size", [10, 200])
def test_it_searches_in_a_fixed_number_of_queries(
    learner, institution, size: int, django_assert_num_queries
) -> None:
    course = build_course(institution, "BIG", sections=size // 10, pages_per_section=10)
    Enrolment.objects.create(user=learner, course=course)
    reindex_course(course.pk)
    client = signed_in(learner)
    client.get("/")
    with django_assert_num_queries(3):  # session, user, the page's rows ranked and counted
        status, page = search(client, "texte page")
    assert status == 200
    assert len(titles(page)) == min(size, 20)
    assert f"{size} results" in page


def test_it_keeps_a_full_results_page_small(learner, course) -> None:
    for number in range(30):
        add(course, f"Leçon {number} " + "titre " * 20, content="<p>" + "volcan " * 400 + "</p>")
    reindex_course(course.pk)
    _, page = search(signed_in(learner), "volcan")
    css = (ROOT / "frontend/app.css").stat().st_size
    assert len(page.encode()) + css < 50_000


def test_it_puts_a_labelled_search_form_in_the_header_of_signed_in_pages(learner, course) -> None:
    page = signed_in(learner).get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<form class="top-search" role="search" method="get" action="/search/">' in page
    assert '<label for="top-search-q" class="visually-hidden">Search your courses</label>' in page
    anonymous = Client().get("/accounts/login/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "top-search" not in anonymous
    # On the search page itself, its own form is the only one.
    assert search(signed_in(learner), "page")[1].count('role="search"') == 1
