"""End to end through the `cartable` command with two data folders, the course going in by a
course bundle: the hub imports a real Moodle backup and offers it to the box; the course bundle
goes on a stick; the box applies it and the course waits for staff's review (the learner sees
nothing); staff approve; the learner hands in an assignment; the work goes to the hub, the
hub's teacher grades it, the feedback comes back and the learner sees it. Then the box's
acknowledgement tells the hub which files it holds: the next course bundle carries none."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.test_exchange_two_folders import PDF, cartable, identity_of

pytestmark = pytest.mark.slow

BACKUP = (
    Path(__file__).resolve().parent / "fixtures" / "mbz" / "moodle44_tgz_multiple_mod_types.mbz"
)

PEOPLE = """
from cartable.accounts.models import Establishment, Role, User
from cartable.catalog.models import Course, Enrolment
course = Course.objects.get(source="moodle", source_id="17", institution__slug=INSTITUTION)
place = Establishment.objects.create(slug="site", name="Site")
learner = User.objects.create_user(username=LEARNER, role=Role.LEARNER, establishment=place,
                                   first_name="Léa", last_name="Moreau")
Enrolment.objects.create(user=learner, course=course)
User.objects.create_user(username="tess", role=Role.TEACHER, establishment=place)
"""

APPROVE = """
from cartable.catalog.models import Course
from cartable.review.actions import approve_course
approve_course(actor=None, course=Course.objects.get(source_id="17"))
"""

WHAT_LEA_SEES = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from cartable.accounts.models import User
from cartable.catalog.models import Activity, Course
from cartable.grades.models import Grade
lea = User.objects.get(username="lea")
course = Course.objects.get(source_id="17")
work = Activity.objects.get(course=course, source_key="assign-406")
client = Client()
client.force_login(lea)
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    course_page = client.get(f"/courses/{course.pk}/", HTTP_HOST="localhost")
    page = client.get(f"/assignments/{course.pk}/{work.pk}/", HTTP_HOST="localhost")
grade = Grade.objects.filter(user=lea, activity=work).first()
print(json.dumps({
    "course": course_page.status_code,
    "status": page.status_code,
    "page": page.content.decode(),
    "grade": grade.grade if grade else None,
    "released": bool(grade and grade.released_at),
}))
"""

HAND_IN = f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
lea = User.objects.get(username="lea")
work = Activity.objects.get(source_key="assign-406")
actions.save_draft(actor=lea, activity=work, text="",
                   uploads=[SimpleUploadedFile("lettre.pdf", {PDF}, "application/pdf")])
actions.submit(actor=lea, activity=work)
"""

GRADE_ON_HUB = """
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
actions.grade(
    actor=User.objects.get(username="tess"),
    activity=Activity.objects.get(source_key="assign-406"),
    learner=User.objects.get(username="lea.moreau"),
    points=75, feedback="Très bien argumenté.",
)
"""


def lea_sees(box: Path) -> dict:
    return json.loads(cartable(box, "shell", "-c", WHAT_LEA_SEES).strip().splitlines()[-1])


def test_course_in_work_out_feedback_back(tmp_path: Path) -> None:
    box, hub, stick = tmp_path / "box", tmp_path / "hub", tmp_path / "stick"
    stick.mkdir()
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

    # The hub imports the university's course and offers it to the box.
    report = json.loads(cartable(hub, "import", str(BACKUP), "--publish", "--json"))
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
    cartable(box, "shell", "-c", f'LEARNER = "lea"\nINSTITUTION = "univ-lille"\n{PEOPLE}')
    assert lea_sees(box)["course"] == 404  # nothing before staff approve
    cartable(box, "shell", "-c", APPROVE)
    assert lea_sees(box)["course"] == 200

    # The box tells the hub which files it holds: the next course bundle carries none.
    cartable(box, "exchange", "export", "--to", "hub-lille", "--kind", "ack", str(stick / "a-1"))
    cartable(hub, "exchange", "import", str(stick / "a-1"))
    out = cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "course", str(stick / "c-2")
    )
    assert "1 entries, 0 files" in out
    assert f"{shortname}: up to date" in cartable(box, "exchange", "import", str(stick / "c-2"))

    # The learner works on the box; the work goes to the hub, graded there, feedback back.
    cartable(hub, "shell", "-c", f'LEARNER = "lea.moreau"\nINSTITUTION = "{institution}"\n{PEOPLE}')
    accounts = tmp_path / "comptes.csv"
    accounts.write_text("box_username,username,idnumber,email\nlea,lea.moreau,21904512,\n")
    cartable(hub, "exchange", "learners", "--box", "box-caen", str(accounts))
    cartable(box, "shell", "-c", HAND_IN)
    out = cartable(box, "exchange", "export", "--to", "hub-lille", str(stick / "w-1"))
    assert "1 files" in out
    assert "Applied bundle" in cartable(hub, "exchange", "import", str(stick / "w-1"))
    cartable(hub, "shell", "-c", GRADE_ON_HUB)
    cartable(
        hub, "exchange", "export", "--to", "box-caen", "--kind", "feedback", str(stick / "f-1")
    )
    out = cartable(box, "exchange", "import", str(stick / "f-1"))
    assert "left out" not in out
    seen = lea_sees(box)
    assert (seen["status"], seen["grade"], seen["released"]) == (200, 75, True)
    assert "Très bien argumenté." in seen["page"]
