"""The layout's header is kept per language, role, page and menu counts
(web/templatetags/layout.py): each reader still sees their own name, fresh CSRF tokens and the
address of the page they are on, escaped; the page of the menu they are on; staff the counts
of the moment."""

from __future__ import annotations

import re

import pytest

from cartable.catalog.models import Course
from tests.conftest import build_course, signed_in

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def test_each_reader_sees_their_own_name_and_fresh_tokens(learner, other_learner) -> None:
    lea, omar = signed_in(learner), signed_in(other_learner)
    for _ in range(2):
        mine = lea.get("/").content.decode()
        theirs = omar.get("/").content.decode()
        assert '<span class="who__name">Léa Moreau</span>' in mine and "Omar" not in mine
        assert '<span class="who__name">Omar Haddad</span>' in theirs and "Léa" not in theirs
    tokens = TOKEN.findall(mine)
    assert len(tokens) == 2 and all(len(token) == 64 for token in tokens)
    again = lea.get("/").content.decode()
    assert TOKEN.findall(again) != tokens  # masked afresh, as Django's tag does


def test_it_puts_the_page_address_in_the_language_form_escaped(learner) -> None:
    client = signed_in(learner)
    for query in ("q=a", 'q="><script>x</script>'):
        page = client.get("/search/", {"q": query}).content.decode()
        assert "<script>x</script>" not in page
        assert re.search(r'name="next" value="/search/\?q=[^"<>]*"', page)


def test_it_marks_the_page_of_the_menu_the_reader_is_on(learner) -> None:
    client = signed_in(learner)
    home = client.get("/").content.decode()
    inbox = client.get("/messages/").content.decode()
    assert '<a href="/" aria-current="page">' in home and '<a href="/" aria-current' not in inbox
    assert 'href="/messages/" aria-current="page"' in inbox
    assert 'href="/messages/" aria-current' not in home


def test_staff_see_the_count_of_courses_waiting_as_it_is_now(staff, institution) -> None:
    client = signed_in(staff)
    build_course(institution, "WAIT1", status=Course.Status.PENDING_REVIEW)
    first = client.get("/accounts/").content.decode()
    build_course(institution, "WAIT2", status=Course.Status.PENDING_REVIEW)
    second = client.get("/accounts/").content.decode()
    counts = [
        re.search(
            r'<span class="tag tag--count">(\d+)<span class="visually-hidden"> cours en attente',
            page,
        )
        for page in (first, second)
    ]
    assert counts[0] and counts[1] and int(counts[1][1]) == int(counts[0][1]) + 1
