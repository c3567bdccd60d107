"""End to end through the `cartable` command with two data folders, the course going in by a
course bundle: the hub imports a Moodle backup and offers it to the box; the course bundle goes
on a stick; the box applies it and the course waits for staff's review (the learner sees
nothing); staff approve; the learner hands in an assignment; the work goes to the hub, the
hub's teacher grades it, the feedback comes back and the learner sees it. The box's
acknowledgement tells the hub which files it holds: the next course bundle carries none.

Twice: with a real Moodle 4.4 backup (no idnumbers), and with a built one whose assignment's
grade item has an idnumber, which then goes on to the files the university's Moodle imports
(grades in XML and CSV, the offline grading worksheet, the feedback and submissions zips),
each read back by Moodle's rules."""

from __future__ import annotations

import json
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest

from cartable.exchange.moodle.assign import read_member_path
from tests.datafolders import migrated
from tests.exchangesides import cartable, grade_on_hub, hand_in, introduce, lea_sees
from tests.importers.builder import Backup, fields
from tests.importers.test_grade_items import grades_xml
from tests.test_exchange_moodle_grades import moodle_reads_csv, moodle_reads_xml

pytestmark = pytest.mark.slow

BACKUP = (
    Path(__file__).resolve().parent / "fixtures" / "mbz" / "moodle44_tgz_multiple_mod_types.mbz"
)

PEOPLE = """
from cartable.accounts.models import Establishment, Role, User
from cartable.catalog.models import Course, Enrolment
course = Course.objects.get(source="moodle", source_id=SOURCE_ID, institution__slug=INSTITUTION)
place = Establishment.objects.create(slug="site", name="Site")
learner = User.objects.create_user(username=LEARNER, role=Role.LEARNER, establishment=place,
                                   first_name="Léa", last_name="Moreau")
Enrolment.objects.create(user=learner, course=course)
User.objects.create_user(username="tess", role=Role.TEACHER, establishment=place)
"""

APPROVE = """
from cartable.catalog.models import Course
from cartable.review.actions import approve_course
approve_course(actor=None, course=Course.objects.get(source_id=SOURCE_ID))
"""


def hist(path: Path) -> Path:
    """The university's HIST course: a letter to write (module 311), its grade item named
    ``LETTRE-1``, its instructions a file."""
    b = Backup(course_id=42, fullname="Histoire", shortname="HIST", _next=310)
    section = b.section(0, "Partie 1", section_id=300)
    configs = "".join(
        '<plugin_config id="1">'
        + fields(plugin=p, subtype="assignsubmission", name=n, value=v)
        + "</plugin_config>"
        for p, n, v in [("onlinetext", "enabled", 1), ("file", "enabled", 1),
                        ("file", "maxfilesubmissions", 3)]
    )  # fmt: skip
    letter = b.activity(
        "assign",
        fields(intro='<p><a href="@@PLUGINFILE@@/consigne.pdf">Consigne</a></p>', introformat=1,
               grade=20, submissiondrafts=0)
        + f"<plugin_configs>{configs}</plugin_configs>",
        title="Lettre",
        section=section,
        idnumber="LETTRE",
    )  # fmt: skip
    assert letter.module_id == 311
    b.file(
        contextid=letter.contextid, component="mod_assign", filearea="intro",
        filename="consigne.pdf", content=b"%PDF-1.4 consigne", mimetype="application/pdf",
    )  # fmt: skip
    b.xml(
        "activities/assign_311/grades.xml",
        grades_xml(7001, letter.instance_id, "10.00000", learner_grade=False,
                   idnumber="LETTRE-1", module="assign"),
    )  # fmt: skip
    return b.build(path)


def course_in(
    tmp_path: Path, backup: Path, source_id: str, key: str
) -> tuple[Path, Path, Path, str]:
    """Two data folders; the hub imports ``backup`` and offers it to the box; the course goes in
    by a course bundle, waits for review, and staff approve it. Léa is enrolled on the box,
    and her university account on the hub."""
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
    migrated(box), migrated(hub)
    introduce(box, hub)

    report = json.loads(cartable(hub, "import", str(backup), "--publish", "--json"))
    shortname, institution = report["course"]["shortname"], report["course"]["institution"]
    assert "offered to box-caen" in cartable(
        hub, "exchange", "offer", "--course", shortname, "--to", "box-caen"
    )
    out = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "course", str(stick / "c-1")
    )
    carried = int(re.search(r"1 entries, (\d+) files", out).group(1))
    assert carried == report["files"]["blobs"] > 0

    out = cartable(box, "exchange", "import", str(stick / "c-1"))
    assert f"{shortname}: waits for staff’s review." in out
    people = f"SOURCE_ID = {source_id!r}\n{PEOPLE}"
    cartable(box, "shell", "-c", f'LEARNER = "lea"\nINSTITUTION = "univ-lille"\n{people}')
    assert lea_sees(box, key)["course"] == 404  # nothing before staff approve
    cartable(box, "shell", "-c", f"SOURCE_ID = {source_id!r}\n{APPROVE}")
    assert lea_sees(box, key)["course"] == 200
    cartable(hub, "shell", "-c", f'LEARNER = "lea.moreau"\nINSTITUTION = "{institution}"\n{people}')
    return box, hub, stick, shortname


def test_course_in_work_out_feedback_back(tmp_path: Path) -> None:
    box, hub, stick, shortname = course_in(tmp_path, BACKUP, "17", "assign-406")

    # The box tells the hub which files it holds: the next course bundle carries none.
    cartable(box, "exchange", "export", "--to", "hub-lille", "--kind", "ack", str(stick / "a-1"))
    cartable(hub, "exchange", "import", str(stick / "a-1"))
    out = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "course", str(stick / "c-2")
    )
    assert "1 entries, 0 files" in out
    assert f"{shortname}: up to date" in cartable(box, "exchange", "import", str(stick / "c-2"))

    # The learner works on the box; the work goes to the hub, graded there, feedback back.
    accounts = tmp_path / "comptes.csv"
    accounts.write_text("box_username,username,idnumber,email\nlea,lea.moreau,21904512,\n")
    cartable(hub, "exchange", "learners", "--box", "box-caen", str(accounts))
    cartable(box, "shell", "-c", hand_in("assign-406", ""))
    out = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "w-1"))
    assert "1 files" in out
    assert "Applied bundle" in cartable(hub, "exchange", "import", str(stick / "w-1"))
    cartable(hub, "shell", "-c", grade_on_hub("assign-406", 75, corrected=False))
    cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "feedback", str(stick / "f-1")
    )
    out = cartable(box, "exchange", "import", str(stick / "f-1"))
    assert "left out" not in out
    seen = lea_sees(box, "assign-406")
    assert (seen["status"], seen["grade"], seen["released"]) == (200, 75, True)
    assert "Très bien argumenté." in seen["page"]


def test_course_in_by_bundle_graded_on_the_hub_and_written_for_moodle(tmp_path: Path) -> None:
    box, hub, stick, _hist = course_in(tmp_path, hist(tmp_path / "hist.mbz"), "42", "assign-311")
    accounts = tmp_path / "comptes.csv"
    accounts.write_text(
        "box_username,username,idnumber,email\nlea,lea.moreau,21904512,lea.moreau@univ-lille.fr\n"
    )
    cartable(hub, "exchange", "learners", "--box", "box-caen", str(accounts))

    # The learner hands in her letter on the box; it goes to the hub.
    cartable(box, "shell", "-c", hand_in("assign-311", "<p>Ma lettre</p>"))
    out = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "work-1"))
    assert "Wrote bundle 1 for hub-lille" in out and "1 files" in out
    assert "Applied bundle 1 from box-caen" in cartable(
        hub, "exchange", "import", str(stick / "work-1")
    )
    with sqlite3.connect(hub / "cartable.sqlite3") as database:
        kinds = [row[0] for row in database.execute("SELECT kind FROM exchange_receivedentry")]
        # Up for grading on the hub: the letter, as her university account's submission.
        handed_in = database.execute(
            "SELECT u.username, s.status, s.text, f.filename FROM assignments_submission s"
            " JOIN accounts_user u ON u.id = s.learner_id"
            " JOIN assignments_submissionfile f ON f.submission_id = s.id"
        ).fetchall()
    assert "submission" in kinds
    assert handed_in == [("lea.moreau", "submitted", "<p>Ma lettre</p>", "lettre.pdf")]

    # The hub's teacher grades it, with a comment and a corrected copy; feedback goes back.
    cartable(hub, "shell", "-c", grade_on_hub("assign-311", 15, corrected=True))
    out = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "feedback",
        str(stick / "feedback-1"),
    )  # fmt: skip
    assert "Wrote bundle 1 for box-caen: 2 entries, 1 files" in out
    before = lea_sees(box)
    assert before["grade"] is None and "Très bien argumenté." not in before["page"]

    out = cartable(box, "exchange", "import", str(stick / "feedback-1"))
    assert "Applied bundle 1 from hub-lille: 2 entries, 1 files." in out
    assert "left out" not in out
    seen = lea_sees(box)
    assert (seen["status"], seen["grade"], seen["released"]) == (200, 15, True)
    assert seen["files"] == ["corrige.pdf"]
    assert "Très bien argumenté." in seen["page"] and "corrige.pdf" in seen["page"]
    # Twice: nothing changes.
    assert "applied before: nothing changed" in cartable(
        box, "exchange", "import", str(stick / "feedback-1")
    )
    after = lea_sees(box)
    assert {k: v for k, v in after.items() if k != "page"} == {
        k: v for k, v in seen.items() if k != "page"
    }

    # The box acknowledges the feedback and the course's files; the hub sends neither again.
    out = cartable(box, "exchange", "export", "--to", "hub-lille", "--kind", "ack",
                   str(stick / "ack-2"))  # fmt: skip
    assert "Wrote bundle 2 for hub-lille: 2 entries" in out
    assert "Applied bundle 2 from box-caen: 2 entries" in cartable(
        hub, "exchange", "import", str(stick / "ack-2")
    )
    again = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "feedback",
        str(stick / "feedback-2"),
    )  # fmt: skip
    assert "Wrote bundle 2 for box-caen: 0 entries" in again
    out = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "course", str(stick / "c-2")
    )
    assert "1 entries, 0 files" in out
    assert "HIST: up to date" in cartable(box, "exchange", "import", str(stick / "c-2"))

    # Then the university's files, written on the hub and read back by Moodle's rules.
    files = tmp_path / "moodle"
    files.mkdir()
    out = cartable(hub, "exchange", "grades", "--course", "HIST", str(files / "notes.xml"))
    assert "Wrote 1 grades" in out
    assert moodle_reads_xml((files / "notes.xml").read_text(encoding="utf-8")) == [
        ("LETTRE-1", "21904512", "15", "Très bien argumenté.")
    ]
    cartable(hub, "exchange", "grades", "--course", "HIST", "--format", "csv",
             str(files / "notes.csv"))  # fmt: skip
    assert moodle_reads_csv((files / "notes.csv").read_text(encoding="utf-8")) == [
        ["ID number", "Lettre (LETTRE-1)", "Feedback: Lettre (LETTRE-1)"],
        ["21904512", "15", "Très bien argumenté."],
    ]
    downloaded = files / "worksheet.csv"
    downloaded.write_text(
        "Identifier,Full name,Email address,Status,Grade,Maximum grade,Grade can be changed,"
        "Last modified (submission),Last modified (grade),Feedback comments\n"
        "Participant 4242,Léa Moreau,lea.moreau@univ-lille.fr,Submitted for grading,,20.00,Yes,"
        "-,-,\n",
        encoding="utf-8",
    )
    cartable(hub, "exchange", "worksheet", "--course", "HIST", "--activity", "assign-311",
             "--from", str(downloaded), "--feedback-zip", str(files / "retours.zip"),
             str(files / "filled.csv"))  # fmt: skip
    with zipfile.ZipFile(files / "retours.zip") as archive:
        assert [read_member_path(name) for name in archive.namelist()] == [
            (4242, "assignsubmission_file", "corrige.pdf")
        ]
    filled = (files / "filled.csv").read_text(encoding="utf-8").splitlines()
    assert filled[1].startswith("Participant 4242,Léa Moreau,") and ",15,20.00," in filled[1]
    assert filled[1].endswith(",-,-,Très bien argumenté.")
    cartable(hub, "exchange", "submissions", "--course", "HIST", "--activity", "assign-311",
             "--from", str(downloaded), str(files / "remises.zip"))  # fmt: skip
    with zipfile.ZipFile(files / "remises.zip") as archive:
        assert [read_member_path(name) for name in archive.namelist()] == [
            (4242, "assignsubmission_onlinetext", "onlinetext.html"),
            (4242, "assignsubmission_file", "lettre.pdf"),
        ]
        assert archive.read(archive.namelist()[1]).startswith(b"%PDF-1.4")
