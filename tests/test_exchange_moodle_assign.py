"""An assignment's worksheet and feedback zip for Moodle (cartable.exchange.moodle.assign),
checked against the rules of Moodle's offline grading worksheet import and feedback zip import."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest

from cartable.exchange.moodle.assign import (
    FeedbackFile,
    Marked,
    WorksheetError,
    WorksheetHeaders,
    fill_worksheet,
    member_path,
    online_text,
    participant_number,
    read_member_path,
    write_feedback_zip,
)

# As Moodle's grading table downloads it (columns abridged), in English.
WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    "Participant 101,Léa Moreau,lea@univ.fr,Submitted for grading,,20.00,Yes,"
    '"Monday, 1 December 2026, 10:00 AM",-,\n'
    "Participant 102,Omar Haddad,omar@univ.fr,No submission,,20.00,Yes,-,-,\n"
    "Participant 103,Ana Lima,ana@univ.fr,Submitted for grading,12.00,20.00,Yes,"
    '"Monday, 1 December 2026, 9:00 AM","Tuesday, 2 December 2026, 8:00 AM",Déjà noté\n'
)


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_it_fills_grades_and_feedback_and_keeps_everything_else() -> None:
    filled = fill_worksheet(
        WORKSHEET,
        {
            "Participant 101": Marked(Decimal("15.5"), "Bien construit, « vraiment »."),
            "Participant 103": Marked(None, "Voir le fichier joint."),
            "Participant 999": Marked(Decimal(3)),
        },
    )
    rows = read(filled.text)
    assert rows[0]["Grade"] == "15.5"
    assert rows[0]["Feedback comments"] == "Bien construit, « vraiment »."
    assert rows[1] == read(WORKSHEET)[1]  # not marked: untouched
    assert rows[2]["Grade"] == "12.00"  # no score given: Moodle's own value kept
    assert rows[2]["Feedback comments"] == "Voir le fichier joint."
    # The date Moodle compares with its own is the teacher's download's.
    assert [r["Last modified (grade)"] for r in rows] == [
        r["Last modified (grade)"] for r in read(WORKSHEET)
    ]
    assert list(rows[0]) == list(read(WORKSHEET)[0])
    assert filled.filled == ("Participant 101", "Participant 103")
    assert filled.unknown == ("Participant 999",)


def test_it_reads_headers_in_the_teachers_language_and_keeps_a_bom() -> None:
    french = WorksheetHeaders(
        identifier="Identifiant",
        grade="Note",
        modified="Dernière modification (note)",
        feedback="Commentaires",
    )
    text = "\ufeffIdentifiant,Note,Dernière modification (note),Commentaires\nParticipant 7,,-,\n"
    filled = fill_worksheet(text, {"Participant 7": Marked(Decimal(9), "ok")}, headers=french)
    assert filled.text.startswith("\ufeff")
    assert read(filled.text) == [
        {
            "Identifiant": "Participant 7",
            "Note": "9",
            "Dernière modification (note)": "-",
            "Commentaires": "ok",
        }
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("Identifier,Grade\nParticipant 1,\n", "Last modified (grade)"),
        ("Full name,Grade,Last modified (grade)\n", "Identifier"),
        ("Identifier,Grade,Last modified (grade)\nParticipant 1,\n", "line 2 has 2 columns"),
    ],
)
def test_it_refuses_what_moodle_would_not_read_back(text: str, message: str) -> None:
    with pytest.raises(WorksheetError, match=re.escape(message)):
        fill_worksheet(text, {})


@pytest.mark.parametrize(
    ("identifier", "number"),
    [("Participant 101", 101), (" Participant 7 ", 7), ("Participant x", None), ("101", None)],
)
def test_participant_numbers_are_read_as_moodle_does(identifier: str, number) -> None:
    assert participant_number(identifier) == number


@pytest.mark.parametrize(
    ("full_name", "number", "filename", "path"),
    [
        ("Léa Moreau", 101, "retour.pdf", "Léa Moreau_101_assignsubmission_file_/retour.pdf"),
        ("Jean_Paul Roy", 5, "a.txt", "Jean Paul Roy_5_assignsubmission_file_/a.txt"),
        ("A/B", 6, "../../etc/passwd", "A B_6_assignsubmission_file_/_.._etc_passwd"),
        ("", 8, ".cache", "Participant_8_assignsubmission_file_/cache"),
        ("Ana", 9, "~brouillon.odt", "Ana_9_assignsubmission_file_/brouillon.odt"),
    ],
)
def test_member_paths_follow_moodles_layout(full_name, number, filename, path) -> None:
    assert member_path(full_name, number, filename) == path
    participant, plugin, rest = read_member_path(path)
    assert (participant, plugin, rest) == (number, "assignsubmission_file", path.split("/", 1)[1])


@pytest.mark.parametrize(
    "path",
    ["Léa_x_assignsubmission_file_/a.pdf", "Léa_1_assign/a.pdf", "Léa_1_a_b_/.hidden"],
)
def test_moodle_ignores_paths_out_of_its_layout(path: str) -> None:
    assert read_member_path(path) is None


def test_the_feedback_zip_holds_each_file_once_under_its_learner() -> None:
    out = io.BytesIO()
    names = write_feedback_zip(
        out,
        [
            FeedbackFile("Léa Moreau", 101, "retour.pdf", lambda: io.BytesIO(b"%PDF un")),
            FeedbackFile("Léa Moreau", 101, "retour.pdf", lambda: io.BytesIO(b"%PDF deux")),
            FeedbackFile("Omar Haddad", 102, "notes.txt", lambda: io.BytesIO(b"bien")),
            online_text("Omar Haddad", 102, "<p>Ma réponse</p>"),
        ],
    )
    assert names == [
        "Léa Moreau_101_assignsubmission_file_/retour.pdf",
        "Léa Moreau_101_assignsubmission_file_/retour (2).pdf",
        "Omar Haddad_102_assignsubmission_file_/notes.txt",
        "Omar Haddad_102_assignsubmission_onlinetext_/onlinetext.html",
    ]
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as archive:
        assert archive.namelist() == names
        assert archive.read(names[1]) == b"%PDF deux"
        assert archive.read(names[3]).decode() == "<p>Ma réponse</p>"
        assert [read_member_path(n)[:2] for n in archive.namelist()] == [
            (101, "assignsubmission_file"),
            (101, "assignsubmission_file"),
            (102, "assignsubmission_file"),
            (102, "assignsubmission_onlinetext"),
        ]
