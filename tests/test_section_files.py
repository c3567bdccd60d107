"""A picture in a section's summary is the section's: learners reach it only while they may see
that section (shown, open by its access rule), as an activity's files follow their activity."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from cartable.catalog.models import Course, CourseFile, Enrolment, Section
from tests.conftest import signed_in
from tests.importers.builder import Backup, fields

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n"
LATER = json.dumps(
    {"op": "&", "c": [{"type": "date", "d": ">=", "t": 4102444800}], "showc": [True]}
)


def course_with_pictures(tmp_path: Path) -> tuple[Course, dict[str, str]]:
    b = Backup(fullname="Sections illustrées", shortname="ILLU")
    pictures = {}
    for number, (name, visible, rule) in enumerate(
        [("Ouverte", True, None), ("Cachée", False, None), ("Plus tard", True, LATER)]
    ):
        image = f"{name.replace(' ', '-')}.png"
        section = b.section(
            number,
            name,
            f'<p>{name} <img src="@@PLUGINFILE@@/{image}" alt="{name}"></p>',
            visible=visible,
            availability=rule,
        )
        content = PNG + name.encode()
        b.file(
            contextid=b.course_contextid,
            component="course",
            filearea="section",
            itemid=section,
            filename=image,
            content=content,
            mimetype="image/png",
        )
        pictures[name] = hashlib.sha256(content).hexdigest()
        b.activity(
            "page",
            fields(intro="", introformat=1, content="<p>Texte</p>", contentformat=1),
            title=f"Page {name}",
            section=section,
        )
    path = b.build(tmp_path / "illu.mbz")
    call_command("import", str(path), "--publish", stdout=io.StringIO())
    return Course.objects.get(shortname="ILLU"), pictures


def test_it_keeps_a_hidden_or_closed_sections_pictures_from_learners(
    tmp_path: Path, learner, teacher, staff
) -> None:
    course, pictures = course_with_pictures(tmp_path)
    Enrolment.objects.create(user=learner, course=course)
    Enrolment.objects.create(user=teacher, course=course, role=Enrolment.Role.TEACHER)
    held = dict(CourseFile.objects.filter(course=course).values_list("blob_id", "section__title"))
    assert held == {pictures[name]: name for name in pictures}

    def status(user, name: str) -> int:
        address = f"/courses/{course.pk}/files/{pictures[name]}/image.png"
        return signed_in(user).get(address).status_code

    assert status(learner, "Ouverte") == 200
    assert status(learner, "Cachée") == 404  # as if the course did not hold it
    assert status(learner, "Plus tard") == 403  # its section's page says why
    for user in (teacher, staff):
        assert [status(user, name) for name in pictures] == [200, 200, 200]
    Section.objects.filter(course=course, title="Ouverte").update(visible=False)
    assert status(learner, "Ouverte") == 404
