"""On the hub, the university's files from the applied work: grades for Moodle's XML and CSV
grade imports, an assignment's offline grading worksheet filled in, and its submissions as
Moodle's "download all submissions" zip; each read back by Moodle's rules."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from cartable.accounts.models import Role
from cartable.assignments import actions as assignments
from cartable.audit.models import AuditEvent
from cartable.catalog.models import Activity, Enrolment
from cartable.exchange import actions
from cartable.exchange.matching import Match
from cartable.exchange.models import Peer, ReceivedEntry
from cartable.exchange.moodle.assign import read_member_path
from cartable.grades.actions import record
from cartable.grades.models import Grade
from cartable.importers.model import Scale
from tests.assignwork import PDF, homework, pdf
from tests.conftest import make_user
from tests.exchangesides import register
from tests.test_exchange_moodle_grades import moodle_reads_csv, moodle_reads_xml

pytestmark = pytest.mark.django_db

WORKSHEET = (
    "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
    "Last modified (submission),Last modified (grade),Feedback comments\n"
    "Participant 101,Léa Moreau,LEA.MOREAU@univ-lille.fr,Submitted for grading,,20.00,Yes,"
    '"Monday, 1 December 2026, 10:00 AM",-,\n'
    "Participant 102,Ana Lima,ana@univ-lille.fr,No submission,,20.00,Yes,-,-,\n"
)
FRENCH = (
    "\ufeffIdentifiant,Nom complet,Adresse de courriel,Statut,Note,Note maximale,"
    "La note peut être modifiée,Dernière modification (note),Feedback par commentaires\n"
    'Participant 101,Léa Moreau,lea.moreau@univ-lille.fr,Remis,,"20,00",Oui,-,\n'
)


@pytest.fixture(autouse=True)
def english(monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "en")


@pytest.fixture
def applied(sides, institution, course, learner, other_learner, teacher, establishment, tmp_path):
    """The box's work applied on the hub (one database for both sides): Léa's letter and her
    quiz grade (Omar's too, but Omar is matched to no university account), then the hub's
    teacher grades Léa's letter, as her university account."""
    hub, box = register(sides, institution)
    work = homework(course, title="Lettre")
    quiz = homework(course, title="Quiz")
    Activity.objects.filter(pk=work.pk).update(source_key="assign-311", grade_idnumber="LETTRE-1")
    Activity.objects.filter(pk=quiz.pk).update(
        kind="quiz", source_key="quiz-312", idnumber="QUIZ-1"
    )
    work.refresh_from_db()
    quiz.refresh_from_db()
    Enrolment.objects.create(user=other_learner, course=course)
    assignments.save_draft(
        actor=learner, activity=work, text="<p>Ma lettre</p>", uploads=[pdf("lettre.pdf")]
    )
    assignments.submit(actor=learner, activity=work)
    for who, points in ((learner, 12), (other_learner, 7)):
        record(actor=None, activity=quiz, learner=who, grade=points, max_grade=20,
               source=Grade.Source.QUIZ)  # fmt: skip
    stick = tmp_path / "stick"
    stick.mkdir()
    actions.export(actor=None, peer=hub, kind="work", destination=stick / "work-1")
    with sides.on("hub"):
        actions.apply(actor=None, path=stick / "work-1")
    actions.match_learners(
        actor=None,
        peer=box,
        matches=[
            Match("lea", "lea.moreau", "21904512", "lea.moreau@univ-lille.fr"),
            Match("ana", "ana.lima", "", "ana@univ-lille.fr"),
        ],
    )
    university_lea = make_user("lea.moreau", Role.LEARNER, establishment)
    assignments.grade(actor=teacher, activity=work, learner=university_lea, points=15,
                      feedback="Très bien argumenté.")  # fmt: skip
    return work


def run(*args: str) -> str:
    out = io.StringIO()
    call_command("exchange", *args, stdout=out)
    return out.getvalue()


def test_grades_are_written_for_moodles_xml_import(applied, tmp_path: Path) -> None:
    path = tmp_path / "notes.xml"
    out = run("grades", "--course", "HIST101", "--format", "xml", str(path))
    assert f"Wrote 2 grades to {path}." in out
    assert "1 learners are not matched" in out  # Omar
    assert sorted(moodle_reads_xml(path.read_text(encoding="utf-8"))) == [
        ("LETTRE-1", "21904512", "15", "Très bien argumenté."),
        ("QUIZ-1", "21904512", "12", None),  # the grade item's idnumber, else the module's
    ]
    event = AuditEvent.objects.get(action="exchange.grades_written")
    assert event.details == {"format": "xml", "grades": 2, "skipped": 0}


def test_grades_are_written_for_moodles_csv_import(applied, tmp_path: Path) -> None:
    path = tmp_path / "notes.csv"
    run("grades", "--course", "HIST101", "--format", "csv", "--identify", "useremail", str(path))
    rows = moodle_reads_csv(path.read_text(encoding="utf-8"))
    assert rows == [
        ["Email address", "Lettre (LETTRE-1)", "Feedback: Lettre (LETTRE-1)", "Quiz (QUIZ-1)",
         "Feedback: Quiz (QUIZ-1)"],
        ["lea.moreau@univ-lille.fr", "15", "Très bien argumenté.", "12", ""],
    ]  # fmt: skip


def test_the_latest_grade_wins_whoever_gave_it(applied, teacher, tmp_path: Path) -> None:
    quiz = Activity.objects.get(source_key="quiz-312")
    university_lea = Grade.objects.get(activity=applied, user__username="lea.moreau").user
    # The hub's teacher overrides the quiz's 12 from the box: the latest, so the one written.
    record(actor=teacher, activity=quiz, learner=university_lea, grade=14, max_grade=20,
           source=Grade.Source.OVERRIDE)  # fmt: skip
    path = tmp_path / "a.xml"
    run("grades", "--course", "HIST101", str(path))
    assert ("QUIZ-1", "21904512", "14", None) in moodle_reads_xml(path.read_text("utf-8"))
    # Had it been given before the box's grade, the box's would be the latest.
    hub_grade = Grade.objects.get(activity=quiz, user=university_lea)
    Grade.objects.filter(pk=hub_grade.pk).update(graded_at=hub_grade.graded_at.replace(year=2020))
    path = tmp_path / "b.xml"
    run("grades", "--course", "HIST101", str(path))
    assert ("QUIZ-1", "21904512", "12", None) in moodle_reads_xml(path.read_text("utf-8"))


def test_a_grade_without_an_item_idnumber_is_left_out_and_said(applied, tmp_path) -> None:
    Activity.objects.filter(source_key="quiz-312").update(idnumber="", grade_idnumber="")
    path = tmp_path / "notes.xml"
    out = run("grades", "--course", "HIST101", str(path))
    assert "Left out: Quiz, lea.moreau (the activity has no ID number in Moodle)." in out
    assert [r[0] for r in moodle_reads_xml(path.read_text(encoding="utf-8"))] == ["LETTRE-1"]


def test_the_worksheet_is_filled_by_participant_and_the_rest_kept(applied, tmp_path) -> None:
    source, path = tmp_path / "downloaded.csv", tmp_path / "filled.csv"
    source.write_text(WORKSHEET, encoding="utf-8")
    out = run("worksheet", "--course", "HIST101", "--activity", "assign-311",
              "--from", str(source), str(path))  # fmt: skip
    assert f"Filled in 1 rows of the worksheet in {path}." in out
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))
    before = list(csv.DictReader(io.StringIO(WORKSHEET)))
    assert rows[0]["Identifier"] == "Participant 101"
    assert (rows[0]["Grade"], rows[0]["Feedback comments"]) == ("15", "Très bien argumenté.")
    assert rows[0]["Last modified (grade)"] == "-"  # Moodle compares it with its own
    assert rows[1] == before[1]  # Ana: no grade here
    assert list(rows[0]) == list(before[0])


def test_a_french_worksheet_is_read_and_kept_in_french(applied, tmp_path) -> None:
    source, path = tmp_path / "telecharge.csv", tmp_path / "rempli.csv"
    source.write_text(FRENCH, encoding="utf-8")
    run("worksheet", "--course", "HIST101", "--activity", "assign-311",
        "--from", str(source), str(path))  # fmt: skip
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeffIdentifiant,")
    row = next(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert (row["Note"], row["Feedback par commentaires"]) == ("15", "Très bien argumenté.")


def test_the_submissions_zip_is_laid_out_as_moodles_download(applied, tmp_path) -> None:
    source, path = tmp_path / "downloaded.csv", tmp_path / "remises.zip"
    source.write_text(WORKSHEET, encoding="utf-8")
    out = run("submissions", "--course", "HIST101", "--activity", "assign-311",
              "--from", str(source), str(path))  # fmt: skip
    assert f"Wrote 2 files to {path}." in out
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        assert names == [
            "Léa Moreau_101_assignsubmission_onlinetext_/onlinetext.html",
            "Léa Moreau_101_assignsubmission_file_/lettre.pdf",
        ]
        assert [read_member_path(n) for n in names] == [
            (101, "assignsubmission_onlinetext", "onlinetext.html"),
            (101, "assignsubmission_file", "lettre.pdf"),
        ]
        assert archive.read(names[1]) == PDF
        assert "Ma lettre" in archive.read(names[0]).decode()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("grades", "--course", "NOPE"), "No course with the short name “NOPE”."),
        (("worksheet", "--course", "HIST101", "--activity", "assign-999", "--from", "x.csv"),
         "No assignment “assign-999”"),
        (("worksheet", "--course", "HIST101", "--activity", "assign-311", "--from", "nope.csv"),
         "No file"),
    ],
)  # fmt: skip
def test_bad_requests_are_refused_with_a_message(applied, tmp_path, args, message) -> None:
    with pytest.raises(CommandError, match=message):
        run(*args, str(tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_file_that_is_no_worksheet_is_refused(applied, tmp_path) -> None:
    source = tmp_path / "other.csv"
    source.write_text("Nom,Prénom\nMoreau,Léa\n", encoding="utf-8")
    with pytest.raises(CommandError, match="not an offline grading worksheet"):
        run("worksheet", "--course", "HIST101", "--activity", "assign-311",
            "--from", str(source), str(tmp_path / "out.csv"))  # fmt: skip


def test_an_existing_file_is_never_overwritten(applied, tmp_path) -> None:
    path = tmp_path / "notes.xml"
    path.write_text("mine")
    with pytest.raises(CommandError, match="exists already"):
        run("grades", "--course", "HIST101", str(path))
    assert path.read_text() == "mine"


def test_another_boxs_learner_of_the_same_name_is_not_taken_for_lea(applied, tmp_path) -> None:
    other = Peer.objects.create(
        name="box-lens", role="box", signing_key="0" * 64, encryption_key="1" * 64,
        fingerprint="AAAA-BBBB-CCCC-DDDD-EEEE",
    )  # fmt: skip
    payload = {
        "course": {"source": "", "id": "", "shortname": "HIST101"},
        "activity": {"key": "quiz-312"},
        "user": {"username": "lea"},
        "grade": 3, "max": 20, "feedback": "", "graded_at": "2030-01-01T00:00:00+00:00",
    }  # fmt: skip
    ReceivedEntry.objects.create(
        peer=other, entry_id=1, kind="grade", payload=payload,
        created_at=timezone.now(), received_in=1,
    )  # fmt: skip
    path = tmp_path / "notes.xml"
    out = run("grades", "--course", "HIST101", str(path))
    assert ("QUIZ-1", "21904512", "12", None) in moodle_reads_xml(path.read_text("utf-8"))
    assert "2 learners are not matched" in out  # Omar of box-caen, Léa of box-lens


def test_the_feedback_files_go_in_moodles_feedback_zip(applied, teacher, tmp_path) -> None:
    university_lea = Grade.objects.get(activity=applied, user__username="lea.moreau").user
    assignments.grade(actor=teacher, activity=applied, learner=university_lea, points=15,
                      feedback="Très bien argumenté.", uploads=[pdf("corrigé.pdf")])  # fmt: skip
    source, path, archive = tmp_path / "d.csv", tmp_path / "f.csv", tmp_path / "retours.zip"
    source.write_text(WORKSHEET, encoding="utf-8")
    out = run("worksheet", "--course", "HIST101", "--activity", "assign-311", "--from",
              str(source), "--feedback-zip", str(archive), str(path))  # fmt: skip
    assert f"Wrote 1 files to {archive}." in out
    with zipfile.ZipFile(archive) as opened:
        assert [read_member_path(n) for n in opened.namelist()] == [
            (101, "assignsubmission_file", "corrigé.pdf")
        ]
        assert opened.read(opened.namelist()[0]) == PDF


def test_a_grade_on_a_scale_goes_to_moodle_as_the_items_position(
    applied, sides, learner, teacher, tmp_path: Path
) -> None:
    skills = Scale(source_id=3, name="Compétence", items=("Non acquis", "En cours", "Acquis"))
    oral = homework(applied.course, title="Oral", grade=-3.0, scale=skills)
    Activity.objects.filter(pk=oral.pk).update(source_key="assign-320", grade_idnumber="ORAL-1")
    oral.refresh_from_db()
    # Graded on the box by its teacher ("Acquis", the third item), then sent to the hub.
    assignments.grade(actor=teacher, activity=oral, learner=learner, points=None,
                      scale_item="Acquis")  # fmt: skip
    hub = Peer.objects.get(name="hub-lille")
    actions.export(actor=None, peer=hub, kind="work", destination=tmp_path / "work-2")
    with sides.on("hub"):
        actions.apply(actor=None, path=tmp_path / "work-2")
    path = tmp_path / "a.xml"
    run("grades", "--course", "HIST101", str(path))
    assert ("ORAL-1", "21904512", "3", None) in moodle_reads_xml(path.read_text("utf-8"))
    # Then the hub's teacher gives "En cours": the second item, the latest grade.
    university_lea = Grade.objects.get(activity=applied, user__username="lea.moreau").user
    assignments.grade(actor=teacher, activity=oral, learner=university_lea, points=None,
                      scale_item="En cours")  # fmt: skip
    path = tmp_path / "b.xml"
    run("grades", "--course", "HIST101", str(path))
    assert ("ORAL-1", "21904512", "2", None) in moodle_reads_xml(path.read_text("utf-8"))
    path = tmp_path / "b.csv"
    run("grades", "--course", "HIST101", "--format", "csv", str(path))
    rows = moodle_reads_csv(path.read_text(encoding="utf-8"))
    assert rows[1][rows[0].index("Oral (ORAL-1)")] == "2"
