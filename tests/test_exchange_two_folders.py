"""End to end through the `cartable` command, with two data folders (a box and a hub, each its
own SQLite database and keys): identities exchanged and checked, work out on a stick, applied on
the hub (twice: once), acknowledged back, and no longer sent; then a learner's assignment out,
graded by the hub's teacher, the feedback back on the box where the learner sees it, and the
grade written for the university's Moodle."""

from __future__ import annotations

import json
import os
import re
import sqlite3
import stat
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from cartable.exchange.moodle.assign import read_member_path
from tests.datafolders import migrated
from tests.test_exchange_moodle_grades import moodle_reads_csv, moodle_reads_xml

pytestmark = pytest.mark.slow

MAKE_WORK = """
from django.db import transaction
from cartable.accounts.models import Institution
from cartable.catalog.models import Course
from cartable.outbox.actions import add
course = Course.objects.create(
    institution=Institution.objects.get(slug="univ-lille"), shortname="HIST", title="Histoire",
    source="moodle", source_id="42",
)
with transaction.atomic():
    add("grade", course=course, payload={"score": "14.5"})
"""


REPOSITORY = Path(__file__).resolve().parent.parent


def cartable(home: Path, *args: str) -> str:
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    result = subprocess.run(
        [sys.executable, "-m", "cartable", *args],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        cwd=REPOSITORY,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def identity_of(home: Path) -> tuple[str, str]:
    out = cartable(home, "exchange", "identity")
    fingerprint = re.search(r"Fingerprint: (\S+)", out).group(1)
    key = re.search(r"Public key: (\S+)", out).group(1)
    return fingerprint, key


def test_work_goes_to_the_hub_and_the_acknowledgement_comes_back(tmp_path: Path) -> None:
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
    migrated(box), migrated(hub)
    cartable(box, "institution", "add", "univ-lille", "Université de Lille")
    box_fp, box_key = identity_of(box)
    hub_fp, hub_key = identity_of(hub)
    cartable(
        box, "exchange", "peer", "add", "hub-lille", "--key", hub_key,
        "--fingerprint", hub_fp, "--institution", "univ-lille",
    )  # fmt: skip
    cartable(
        hub, "exchange", "peer", "add", "box-caen", "--key", box_key,
        "--fingerprint", box_fp, "--role", "box",
    )  # fmt: skip
    cartable(box, "shell", "-c", MAKE_WORK)

    out = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "work-1"))
    assert "Wrote bundle 1 for hub-lille: 1 entries" in out
    assert "Applied bundle 1 from box-caen: 1 entries" in cartable(
        hub, "exchange", "import", str(stick / "work-1")
    )
    assert "applied before: nothing changed" in cartable(
        hub, "exchange", "import", str(stick / "work-1")
    )
    cartable(hub, "exchange", "export", "--to", "box-caen", str(stick / "ack-1"))
    assert "Applied bundle 1 from hub-lille: 1 entries" in cartable(
        box, "exchange", "import", str(stick / "ack-1")
    )
    again = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "work-2"))
    assert "Wrote bundle 2 for hub-lille: 0 entries" in again

    with sqlite3.connect(hub / "cartable.sqlite3") as database:
        rows = database.execute("SELECT kind, payload FROM exchange_receivedentry").fetchall()
    assert len(rows) == 1 and rows[0][0] == "grade" and '"14.5"' in rows[0][1]
    with sqlite3.connect(box / "cartable.sqlite3") as database:
        assert database.execute("SELECT count(*) FROM exchange_sententry").fetchone() == (1,)
        assert database.execute("SELECT count(*) FROM outbox_entry").fetchone() == (1,)
    for home in (box, hub):
        path = home / "exchange_identity"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        secret = path.read_text().split(":", 1)[1].strip()
        for database_file in home.glob("cartable.sqlite3*"):  # the WAL too
            assert secret.encode() not in database_file.read_bytes()


# The same Moodle course on both sides (as both imported it): an assignment, whose grade item's
# idnumber Moodle's XML grade import names it by.
COURSE = """
from cartable.accounts.models import Establishment, Institution, Role, User
from cartable.catalog.models import Activity, Course, Enrolment, Section
from tests.kinddata import assign
course = Course.objects.create(
    institution=Institution.objects.get(slug="univ-lille"), shortname="HIST", title="Histoire",
    source="moodle", source_id="42", status=Course.Status.PUBLISHED,
)
section = Section.objects.create(course=course, position=0, title="Partie 1")
Activity.objects.create(
    course=course, section=section, position=0, kind="assign", title="Lettre",
    review_status="approved", data=assign(), source_key="assign-311", idnumber="LETTRE",
    grade_idnumber="LETTRE-1", completion_mode="answer",
)
place = Establishment.objects.create(slug="site", name="Site")
learner = User.objects.create_user(username=LEARNER, role=Role.LEARNER, establishment=place,
                                   first_name="Léa", last_name="Moreau")
Enrolment.objects.create(user=learner, course=course)
User.objects.create_user(username="tess", role=Role.TEACHER, establishment=place)
"""

PDF = "b'%PDF-1.4\\n1 0 obj << >> endobj\\ntrailer << >>\\n%%EOF\\n'"

HAND_IN = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
lea = User.objects.get(username="lea")
work = Activity.objects.get(source_key="assign-311")
actions.save_draft(actor=lea, activity=work, text="<p>Ma lettre</p>",
                   uploads=[SimpleUploadedFile("lettre.pdf", {PDF}, "application/pdf")])
actions.submit(actor=lea, activity=work)
"""

GRADE_ON_HUB = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
actions.grade(
    actor=User.objects.get(username="tess"),
    activity=Activity.objects.get(source_key="assign-311"),
    learner=User.objects.get(username="lea.moreau"),
    points=15, feedback="Très bien argumenté.",
    uploads=[SimpleUploadedFile("corrige.pdf", {PDF}, "application/pdf")],
)
"""

WHAT_LEA_SEES = """
import json
from django.test import Client
from cartable.accounts.models import User
from cartable.catalog.models import Activity
from cartable.grades.models import Grade
lea = User.objects.get(username="lea")
work = Activity.objects.get(source_key="assign-311")
from django.conf import settings
from django.test.utils import override_settings
client = Client()
client.force_login(lea)
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    page = client.get(f"/assignments/{work.course_id}/{work.pk}/", HTTP_HOST="localhost")
grade = Grade.objects.filter(user=lea, activity=work).first()
print(json.dumps({
    "status": page.status_code,
    "page": page.content.decode(),
    "grade": grade.grade if grade else None,
    "released": bool(grade and grade.released_at),
    "files": [f.filename for f in grade.files.all()] if grade else [],
}))
"""


def lea_sees(box: Path) -> dict:
    return json.loads(cartable(box, "shell", "-c", WHAT_LEA_SEES).strip().splitlines()[-1])


def test_a_learners_work_goes_to_the_hub_and_the_teachers_feedback_comes_back(
    tmp_path: Path,
) -> None:
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
    migrated(box), migrated(hub)
    for home in (box, hub):
        cartable(home, "institution", "add", "univ-lille", "Université de Lille")
    box_fp, box_key = identity_of(box)
    hub_fp, hub_key = identity_of(hub)
    cartable(
        box, "exchange", "peer", "add", "hub-lille", "--key", hub_key,
        "--fingerprint", hub_fp, "--institution", "univ-lille",
    )  # fmt: skip
    cartable(
        hub, "exchange", "peer", "add", "box-caen", "--key", box_key,
        "--fingerprint", box_fp, "--role", "box",
    )  # fmt: skip
    cartable(box, "shell", "-c", 'LEARNER = "lea"\n' + COURSE)
    cartable(hub, "shell", "-c", 'LEARNER = "lea.moreau"\n' + COURSE)
    accounts = tmp_path / "comptes.csv"
    accounts.write_text(
        "box_username,username,idnumber,email\nlea,lea.moreau,21904512,lea.moreau@univ-lille.fr\n"
    )
    cartable(hub, "exchange", "learners", "--box", "box-caen", str(accounts))

    # The learner hands in her letter on the box; it goes to the hub.
    cartable(box, "shell", "-c", HAND_IN)
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
    cartable(hub, "shell", "-c", GRADE_ON_HUB)
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

    # The box acknowledges; the hub no longer sends that feedback.
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
