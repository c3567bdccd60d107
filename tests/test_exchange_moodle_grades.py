"""Grades for Moodle's gradebook imports (cartable.exchange.moodle.grades): each file is read
back the way Moodle's importer reads it (grade/import/xml, grade/import/csv, lib/csvlib), and
what Moodle would refuse is left out and reported instead."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal

import pytest
from defusedxml import ElementTree

from cartable.exchange.moodle.grades import GradeRow, format_score, grades_csv, grades_xml


def row(item="ESSAY1", user="2024001", score="14.5", feedback="Bien construit.", **extra):
    fields = {
        "item_idnumber": item,
        "item_name": "Lettre de motivation",
        "user_idnumber": user,
        "username": "lea",
        "email": "",
        "score": None if score is None else Decimal(score),
        "feedback": feedback,
    }
    fields.update(extra)
    return GradeRow(**fields)


def moodle_reads_xml(text: str) -> list[tuple[str, str, str | None, str | None]]:
    """As grade/import/xml does: results > result, the first assignment and student, a score
    that is numeric or '-' (no grade) or absent, feedback when present; anything else fails."""
    root = ElementTree.fromstring(text.encode())
    assert root.tag == "results"
    found = []
    for result in root.findall("result"):
        assignment = result.find("assignment").text
        student = result.find("student").text
        assert assignment and student
        score_node = result.find("score")
        score = score_node.text if score_node is not None else None
        if score == "-":
            score = None
        if score is not None:
            assert re.fullmatch(r"-?\d+(\.\d+)?", score), score  # PHP is_numeric, plainly
        feedback = result.find("feedback")
        found.append((assignment, student, score, feedback.text if feedback is not None else None))
    return found


@pytest.mark.parametrize(
    ("score", "text"),
    [
        ("14.5", "14.5"),
        ("14.50", "14.5"),
        ("10", "10"),
        ("10.000", "10"),
        ("0", "0"),
        ("-0", "0"),
        ("1E+1", "10"),
        ("0.125", "0.125"),
        (None, "-"),
    ],
)
def test_scores_are_plain_decimals(score, text) -> None:
    assert format_score(None if score is None else Decimal(score)) == text


def test_the_xml_is_what_moodles_xml_import_reads() -> None:
    written = grades_xml(
        [
            row(),
            row(item="QUIZ2", score="8", feedback=""),
            row(user="2024002", score=None, feedback="Rendu hors délai <à revoir> & merci"),
        ]
    )
    assert written.text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<results>')
    assert moodle_reads_xml(written.text) == [
        ("ESSAY1", "2024001", "14.5", "Bien construit."),
        ("QUIZ2", "2024001", "8", None),
        ("ESSAY1", "2024002", None, "Rendu hors délai <à revoir> & merci"),
    ]
    assert written.skipped == ()


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (row(item=""), "no_item_idnumber"),
        (row(user=" "), "no_user"),
        (row(score="NaN"), "not_a_number"),
    ],
)
def test_what_moodle_would_refuse_is_left_out_and_reported(bad: GradeRow, reason: str) -> None:
    written = grades_xml([row(user="2024009"), bad])
    assert [s.reason for s in written.skipped] == [reason]
    assert [r[1] for r in moodle_reads_xml(written.text)] == ["2024009"]


def test_a_grade_given_twice_is_written_once() -> None:
    written = grades_xml([row(), row(score="3")])
    assert [r[2] for r in moodle_reads_xml(written.text)] == ["14.5"]
    assert [s.reason for s in written.skipped] == ["repeated"]


def test_control_characters_are_dropped_from_feedback() -> None:
    written = grades_xml([row(feedback="a\x00b\x1bc\nd")])
    assert moodle_reads_xml(written.text)[0][3] == "abc\nd"


def test_grades_over_100_are_reported() -> None:
    assert [r.score for r in grades_xml([row(score="120")]).over_default_max] == [Decimal(120)]


def moodle_reads_csv(text: str) -> list[list[str]]:
    """As lib/csvlib does: a header row, the same number of columns on every row, no column
    name twice; values trimmed."""
    rows = [[cell.strip() for cell in line] for line in csv.reader(io.StringIO(text))]
    header = rows[0]
    assert len(header) >= 2
    assert len(set(header)) == len(header)
    assert all(len(line) == len(header) for line in rows)
    return rows


def test_the_csv_is_what_moodles_csv_import_reads() -> None:
    written = grades_csv(
        [
            row(),
            row(item="QUIZ2", item_name="Quiz 2", score="8", feedback=""),
            row(user="2024002", score=None, feedback='Hors délai, "à revoir"'),
        ]
    )
    rows = moodle_reads_csv(written.text)
    assert rows == [
        [
            "ID number",
            "Lettre de motivation (ESSAY1)",
            "Feedback: Lettre de motivation (ESSAY1)",
            "Quiz 2 (QUIZ2)",
            "Feedback: Quiz 2 (QUIZ2)",
        ],
        ["2024001", "14.5", "Bien construit.", "8", ""],
        ["2024002", "-", 'Hors délai, "à revoir"', "-", ""],
    ]


@pytest.mark.parametrize(
    ("identify", "header", "value"),
    [("username", "Username", "lea"), ("useremail", "Email address", "lea@univ.fr")],
)
def test_the_csv_can_identify_learners_otherwise(identify, header, value) -> None:
    written = grades_csv([row(user="", email="lea@univ.fr")], identify=identify, feedback=False)
    assert moodle_reads_csv(written.text) == [
        [header, "Lettre de motivation (ESSAY1)"],
        [value, "14.5"],
    ]


def test_csv_headers_never_repeat() -> None:
    written = grades_csv(
        [row(item="A", item_name="Devoir"), row(item="A", item_name="Devoir", user="2")],
        identify_header="Devoir (A)",
        feedback=False,
    )
    assert moodle_reads_csv(written.text)[0] == ["Devoir (A)", "Devoir (A) [2]"]
