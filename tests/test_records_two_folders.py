"""A learner leaves one box for another: through the `cartable` command, with two data folders
(each its own SQLite database and keys), the transfer export made on the first is imported on
the second, which has the same course: progress and grades intact; a tampered copy refused."""

from __future__ import annotations

import io
import json
import os
import subprocess
import zipfile
from pathlib import Path

import pytest

from tests import forked
from tests.datafolders import migrated
from tests.exchangesides import cartable, identity_of

pytestmark = pytest.mark.slow

SAME_COURSE = """
from cartable.accounts.models import Institution
from cartable.catalog.models import Activity, Course, Section
lille = Institution.objects.create(slug="univ-lille", name="Université de Lille")
course = Course.objects.create(
    institution=lille, shortname="LETTRE", title="Écrire une lettre", source="moodle",
    source_id="101", status="published",
)
section = Section.objects.create(course=course, position=0, title="Début", source_key="s1")
for n in range(3):
    Activity.objects.create(
        course=course, section=section, position=n, kind="page", review_status="approved",
        title=f"Page {n}", content="<p>Texte</p>", source_key=f"page-{n}",
    )
"""

LEARNER = """
from django.utils import timezone
from cartable.accounts.actions import create_account
from cartable.catalog.models import Activity, Course, Enrolment
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
lea = create_account(actor=None, username="lea", first_name="Léa", last_name="Moreau").user
course = Course.objects.get(source_id="101")
Enrolment.objects.create(user=lea, course=course)
now = timezone.now()
for key in ("page-0", "page-1"):
    ActivityProgress.objects.create(
        user=lea, course=course, activity=Activity.objects.get(source_key=key), views=3,
        first_viewed_at=now, last_viewed_at=now, completed_at=now, completed_by="view",
    )
Grade.objects.create(
    user=lea, course=course, activity=Activity.objects.get(source_key="page-2"), grade=14.5,
    max_grade=20, source="override", graded_at=now, released_at=now,
)
"""

SHOW = """
import json
from cartable.accounts.models import User
from cartable.grades.models import Grade
from cartable.learning.models import ActivityProgress
lea = User.objects.get(username="lea")
print(json.dumps({
    "active": lea.is_active,
    "name": lea.get_full_name(),
    "progress": sorted(
        [p.activity.source_key, p.views, p.completed_at.isoformat()]
        for p in ActivityProgress.objects.filter(user=lea)
    ),
    "grades": [[g.activity.source_key, g.grade, g.max_grade, g.released_at.isoformat()]
               for g in Grade.objects.filter(user=lea)],
}))
"""


def shown(home: Path) -> dict[str, object]:
    """SHOW's answer (the last line: a first command also reports the data folder it made)."""
    return json.loads(cartable(home, "shell", "-c", SHOW).strip().splitlines()[-1])


def refused(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CARTABLE_HOME": str(home), "LANGUAGE": "fr"}
    env.pop("DATABASE_URL", None)
    return forked.run(["-m", "cartable", *args], env=env, cwd=Path.cwd())


def test_a_learner_moves_to_another_box(tmp_path: Path) -> None:
    leaving, arriving, stick = tmp_path / "leaving", tmp_path / "arriving", tmp_path / "stick"
    stick.mkdir()
    for home in (leaving, arriving):
        cartable(migrated(home), "shell", "-c", SAME_COURSE)
    cartable(leaving, "shell", "-c", LEARNER)
    fingerprint, _key = identity_of(leaving)
    before = shown(leaving)
    export = stick / "lea.zip"
    assert "Wrote" in cartable(leaving, "records", "export", "lea", str(export))
    assert "Valid" in cartable(leaving, "records", "verify", str(export))

    # The arriving box does not know the leaving one: staff must confirm its fingerprint.
    unconfirmed = refused(arriving, "records", "import", str(export))
    assert unconfirmed.returncode == 1
    assert fingerprint in unconfirmed.stderr
    tampered = stick / "tampered.zip"
    with zipfile.ZipFile(export) as source, zipfile.ZipFile(tampered, "w") as target:
        for name in source.namelist():
            data = source.read(name)
            if name == "manifest.json":
                data = data.replace(b"14.5", b"19.5")
            target.writestr(name, data)
    changed = refused(arriving, "records", "import", str(tampered), "--fingerprint", fingerprint)
    assert changed.returncode == 1
    assert "modifié après sa signature" in changed.stderr
    assert (
        "lea"
        not in refused(
            arriving,
            "shell",
            "-c",
            "from cartable.accounts.models import User; print(list(User.objects.values_list('username', flat=True)))",
        ).stdout
    )

    out = cartable(arriving, "records", "import", str(export), "--fingerprint", fingerprint)
    assert "Imported lea: 1 courses, 2 activities' progress, 1 grades" in out
    after = shown(arriving)
    assert after == before
    assert after["name"] == "Léa Moreau"
    assert "Imported before: nothing changed." in cartable(
        arriving, "records", "import", str(export), "--fingerprint", fingerprint
    )
    with zipfile.ZipFile(io.BytesIO(export.read_bytes())) as zipped:
        assert sorted(zipped.namelist()) == ["manifest.json", "signature.json"]
