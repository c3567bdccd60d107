"""An assignment's dates, attempts and accepted types as Moodle's mod/assign decides them
(``assign::submissions_open``: open from "allow submissions from" until the cut-off date, or
the learner's extension when it ends later; no cut-off: open for good once opened)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from cartable.assignments import rules
from cartable.lib.filetypes import DOCX

T = datetime(2026, 3, 1, 12, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("opens", "due", "cut_off", "extension", "now", "state"),
    [
        (None, None, None, None, T, "open"),
        (T + DAY, None, None, None, T, "not_open"),
        (T, None, None, None, T, "open"),  # from the opening moment on
        (None, T - DAY, None, None, T, "open"),  # late, but no cut-off
        (None, T - DAY, T, None, T, "open"),  # the cut-off moment itself
        (None, T - DAY, T - DAY, None, T, "closed"),
        (None, T - 2 * DAY, T - DAY, T + DAY, T, "open"),  # extended past the cut-off
        (None, T - 2 * DAY, T - DAY, T - DAY / 2, T, "closed"),  # extension over too
        (None, T - 2 * DAY, T + DAY, T - DAY, T, "open"),  # an earlier extension never shortens
        (T + DAY, None, T + 2 * DAY, T + 3 * DAY, T, "not_open"),  # never before opening
    ],
)
def test_it_opens_and_closes_as_moodle_does(opens, due, cut_off, extension, now, state) -> None:
    window = rules.window(opens=opens, due=due, cut_off=cut_off, extension=extension)
    assert window.state(now) == state


def test_late_is_after_the_learners_own_due_date() -> None:
    plain = rules.window(opens=None, due=T, cut_off=None)
    assert not plain.late(T) and plain.late(T + timedelta(seconds=1))
    extended = rules.window(opens=None, due=T, cut_off=None, extension=T + DAY)
    assert not extended.late(T + DAY / 2) and extended.late(T + 2 * DAY)
    assert not rules.window(opens=None, due=None, cut_off=None).late(T)


def test_an_extension_ends_after_the_due_and_opening_dates() -> None:
    assert rules.extension_problem(T, opens=None, due=T) == "before_due"
    assert rules.extension_problem(T, opens=T + DAY, due=None) == "before_open"
    assert rules.extension_problem(T + DAY, opens=T, due=T) is None


@pytest.mark.parametrize(
    ("used", "maximum", "allowed"), [(1, -1, True), (5, -1, True), (1, 2, True), (2, 2, False)]
)
def test_attempts_stop_at_the_maximum(used: int, maximum: int, allowed: bool) -> None:
    assert rules.may_add_attempt(used, maximum) is allowed


@pytest.mark.parametrize(
    ("types", "filename", "content", "accepted"),
    [
        ("", "anything.exe", "application/octet-stream", True),
        ("*", "page.html", "text/html", True),
        (".pdf", "copie.pdf", "application/pdf", True),
        (".pdf", "copie.PDF", "application/pdf", True),
        (".pdf", "copie.pdf", "text/html", False),  # a page renamed .pdf
        (".pdf", "copie.docx", DOCX, False),
        ("document", "copie.docx", DOCX, True),
        ("document", "copie.txt", "text/plain; charset=windows-1252", True),
        ("document", "photo.png", "image/png", False),
        ("image/*", "photo.png", "image/png", True),
        ("image/*", "photo.jpg", "image/png", False),  # its name says another type
        ("application/pdf", "copie", "application/pdf", True),
        (".pdf; .odt", "copie.odt", "application/vnd.oasis.opendocument.text", True),
        ("pdf", "copie.pdf", "application/pdf", True),  # Moodle also takes a bare extension
    ],
)
def test_it_accepts_files_by_name_and_content(types, filename, content, accepted) -> None:
    assert rules.accepts(rules.accepted(types), filename, content) is accepted


def test_limits_fall_back_to_moodles_and_the_boxs() -> None:
    assert rules.max_files(0) == rules.DEFAULT_MAX_FILES and rules.max_files(3) == 3
    assert rules.max_size(0, 100) == 100 and rules.max_size(10, 100) == 10
    assert rules.max_size(1000, 100) == 100
