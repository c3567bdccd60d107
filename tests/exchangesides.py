"""Two sides of an exchange in one test database: a box and a hub, each with its own identity
file, each registered as the other's peer. ``sides.box()`` / ``sides.hub()`` switch whose data
folder the exchange reads its keys from."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from cartable.accounts.models import Institution
from cartable.exchange import actions, identity
from cartable.exchange.models import Peer
from tests import forked


class Sides:
    def __init__(self, monkeypatch: pytest.MonkeyPatch, root: Path) -> None:
        self.monkeypatch = monkeypatch
        self.files = {"box": root / "box_identity", "hub": root / "hub_identity"}
        self.current = "box"
        monkeypatch.setattr(identity, "path", lambda: self.files[self.current])

    @contextmanager
    def on(self, side: str) -> Iterator[None]:
        before, self.current = self.current, side
        try:
            yield
        finally:
            self.current = before

    def public(self, side: str):
        with self.on(side):
            return identity.load(create=True).public


def register(sides: Sides, institution: Institution) -> tuple[Peer, Peer]:
    """The hub as the box's peer, and the box as the hub's."""
    hub_key, box_key = sides.public("hub"), sides.public("box")
    with sides.on("box"):
        hub = actions.add_peer(
            actor=None,
            name="hub-lille",
            role=Peer.Role.HUB,
            key_text=hub_key.text(),
            fingerprint=hub_key.fingerprint,
            institution=institution,
        )
    with sides.on("hub"):
        box = actions.add_peer(
            actor=None,
            name="box-caen",
            role=Peer.Role.BOX,
            key_text=box_key.text(),
            fingerprint=box_key.fingerprint,
        )
    return hub, box


# The fixtures of a test with both sides (registered for every test module by tests/conftest.py).


@pytest.fixture
def sides(monkeypatch, tmp_path_factory) -> Sides:
    return Sides(monkeypatch, tmp_path_factory.mktemp("sides"))


@pytest.fixture
def stick(tmp_path: Path) -> Path:
    """A folder standing for the USB stick."""
    folder = tmp_path / "stick"
    folder.mkdir()
    return folder


@pytest.fixture
def peers(sides: Sides, institution: Institution) -> tuple[Peer, Peer]:
    """The hub as the box's peer and the box as the hub's, for ``institution``."""
    return register(sides, institution)


# --- Two data folders: a box and a hub run as `cartable` processes -------------------------

REPOSITORY = Path(__file__).resolve().parent.parent


def cartable(home: Path, *args: str) -> str:
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "en"}
    env.pop("DATABASE_URL", None)
    result = forked.run(["-m", "cartable", *args], env=env, cwd=REPOSITORY)
    assert result.returncode == 0, result.stderr
    return result.stdout


def identity_of(home: Path) -> tuple[str, str]:
    out = cartable(home, "exchange", "identity")
    fingerprint = re.search(r"Fingerprint: (\S+)", out).group(1)
    key = re.search(r"Public key: (\S+)", out).group(1)
    return fingerprint, key


def introduce(box: Path, hub: Path) -> None:
    """The box's data folder knows the hub (for univ-lille) and the hub's knows the box."""
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


def hand_in(key: str, text: str) -> str:
    """Léa hands in ``text`` and lettre.pdf to the assignment ``key``, on the box."""
    return f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
lea = User.objects.get(username="lea")
work = Activity.objects.get(source_key={key!r})
actions.save_draft(actor=lea, activity=work, text={text!r},
                   uploads=[SimpleUploadedFile("lettre.pdf", {PDF}, "application/pdf")])
actions.submit(actor=lea, activity=work)
"""


def grade_on_hub(key: str, points: int, corrected: bool) -> str:
    """The hub's teacher grades Léa's university account, with a comment (and a corrected
    copy when ``corrected``)."""
    copy = f'SimpleUploadedFile("corrige.pdf", {PDF}, "application/pdf")' if corrected else ""
    return f"""
from django.core.files.uploadedfile import SimpleUploadedFile
from cartable.accounts.models import User
from cartable.assignments import actions
from cartable.catalog.models import Activity
actions.grade(
    actor=User.objects.get(username="tess"),
    activity=Activity.objects.get(source_key={key!r}),
    learner=User.objects.get(username="lea.moreau"),
    points={points}, feedback="Très bien argumenté.",
    uploads=[{copy}],
)
"""


HAND_IN = hand_in("assign-311", "<p>Ma lettre</p>")
GRADE_ON_HUB = grade_on_hub("assign-311", 15, corrected=True)

WHAT_LEA_SEES = """
import json
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
from cartable.accounts.models import User
from cartable.catalog.models import Activity
from cartable.grades.models import Grade
lea = User.objects.get(username="lea")
work = Activity.objects.get(source_key=KEY)
client = Client()
client.force_login(lea)
plain = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
with override_settings(STORAGES={**settings.STORAGES, "staticfiles": plain}):
    course_page = client.get(f"/courses/{work.course_id}/", HTTP_HOST="localhost")
    page = client.get(f"/assignments/{work.course_id}/{work.pk}/", HTTP_HOST="localhost")
grade = Grade.objects.filter(user=lea, activity=work).first()
print(json.dumps({
    "course": course_page.status_code,
    "status": page.status_code,
    "page": page.content.decode(),
    "grade": grade.grade if grade else None,
    "released": bool(grade and grade.released_at),
    "files": [f.filename for f in grade.files.all()] if grade else [],
}))
"""


def lea_sees(box: Path, key: str = "assign-311") -> dict:
    """What Léa's pages show her of the assignment ``key`` (and of its course) on the box."""
    script = f"KEY = {key!r}\n{WHAT_LEA_SEES}"
    return json.loads(cartable(box, "shell", "-c", script).strip().splitlines()[-1])
