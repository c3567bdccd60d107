"""Scales: scales.xml at the backup's root is read (name, items in Moodle's order), and an
assignment graded on a scale (grade -id, or its grade item's scaleid) carries its scale; the
marking workflow settings are read with it. A scale missing or empty is said, never a crash."""

from __future__ import annotations

import pytest

from cartable.importers import model
from cartable.importers.moodle import scales
from cartable.importers.notes import Notes

from .builder import Backup, el, fields
from .conftest import FIXTURES


def scales_xml(*rows: tuple[int, str, str]) -> str:
    return (
        "<scales_definition>"
        + "".join(
            f'<scale id="{scale_id}">'
            + fields(courseid=0, userid=2, name=name, scale=items, description="", standard=1)
            + "</scale>"
            for scale_id, name, items in rows
        )
        + "</scales_definition>"
    )


def scale_grade_item(item_id: int, instance_id: int, scale_id: int) -> str:
    return (
        f'<activity_gradebook><grade_items><grade_item id="{item_id}">'
        + fields(
            itemtype="mod",
            itemmodule="assign",
            iteminstance=instance_id,
            itemnumber=0,
            gradetype=2,
            scaleid=scale_id,
            grademax="3.00000",
            grademin="1.00000",
            gradepass="0.00000",
        )
        + "</grade_item></grade_items></activity_gradebook>"
    )


@pytest.mark.parametrize(
    ("raw", "items"),
    [
        ("Non acquis,En cours,Acquis", ("Non acquis", "En cours", "Acquis")),
        (
            " Insuffisant , Passable,Bien ,  Très bien",
            ("Insuffisant", "Passable", "Bien", "Très bien"),
        ),
        ("Oui", ("Oui",)),
        ("<b>A</b>,B\x00C", ("A", "BC")),
        ("A,,B", ("A", "", "B")),  # an empty item keeps its place: B is still 3
    ],
)
def test_items_are_split_as_moodle_splits_them(raw: str, items: tuple[str, ...]) -> None:
    assert scales.split_items(raw) == items


def test_a_scale_value_is_the_item_position_from_one() -> None:
    scale = model.Scale(7, "Compétence", ("Non acquis", "En cours", "Acquis"))
    assert [scale.value_of(item) for item in scale.items] == [1, 2, 3]
    assert (scale.value_of(" Acquis "), scale.value_of("acquis"), scale.value_of("")) == (
        3,
        None,
        None,
    )
    assert (scale.item_at(1), scale.item_at(3), scale.item_at(0), scale.item_at(4)) == (
        "Non acquis",
        "Acquis",
        None,
        None,
    )


@pytest.mark.parametrize(
    ("grade", "item_scale", "expected"),
    [(20.0, None, None), (0.0, None, None), (-3.0, None, 3), (-3.0, 5, 5), (10.0, 5, 5)],
)
def test_the_scale_of_an_activity(
    grade: float, item_scale: int | None, expected: int | None
) -> None:
    assert scales.scale_id_of(grade, item_scale) == expected


def test_a_backup_carries_its_scales_to_the_course_and_its_assignments(import_backup) -> None:
    b = Backup()
    s1 = b.section(1)
    b.xml(
        "scales.xml",
        scales_xml((3, "Compétence", "Non acquis,En cours,Acquis"), (5, "Lettres", "C,B,A")),
    )
    by_grade = b.activity(
        "assign",
        fields(intro="", introformat=1, grade=-3, markingworkflow=1, markingallocation=1),
        title="Par compétence",
        section=s1,
    )
    by_item = b.activity(
        "assign", fields(intro="", introformat=1, grade=-9), title="Par lettre", section=s1
    )
    b.xml(
        f"activities/assign_{by_item.module_id}/grades.xml",
        scale_grade_item(8001, by_item.instance_id, 5),
    )
    b.activity(
        "assign",
        fields(intro="", introformat=1, grade=-42, markingallocation=1),
        title="Échelle absente",
        section=s1,
    )
    b.activity("assign", fields(intro="", introformat=1, grade=20), title="Sur 20", section=s1)
    del by_grade
    result = import_backup(b)
    course = result.course
    assert [(s.source_id, s.name, s.items) for s in course.scales] == [
        (3, "Compétence", ("Non acquis", "En cours", "Acquis")),
        (5, "Lettres", ("C", "B", "A")),
    ]
    found = {a.title: a.content for a in course.activities}
    table = {
        title: (
            content.scale.source_id if content.scale else None,
            content.marking_workflow,
            content.marking_allocation,
        )
        for title, content in found.items()
        if isinstance(content, model.AssignContent)
    }
    assert table == {
        "Par compétence": (3, True, True),
        "Par lettre": (5, False, False),  # its grade item names the scale
        "Échelle absente": (None, False, False),  # allocation only with the workflow
        "Sur 20": (None, False, False),
    }
    assert any("Échelle absente" in str(w) for w in result.report.warnings)


def test_an_empty_or_broken_scale_is_left_out_with_a_warning(tmp_path) -> None:
    path = tmp_path / "scales.xml"
    path.write_text(
        '<?xml version="1.0" encoding="UTF-8"?>'
        + scales_xml((4, "Vide", ""), (0, "Sans id", "A,B"), (6, "Bonne", "A,B")).replace(
            "</scales_definition>",
            '<scale id="8">' + el("name", "Sans liste") + "</scale></scales_definition>",
        ),
        encoding="utf-8",
    )
    notes = Notes()
    found = scales.read(path, notes)
    assert list(found) == [6] and found[6].items == ("A", "B")
    assert len(notes.warnings) == 3
    assert scales.read(tmp_path / "missing.xml", Notes()) == {}


def test_a_scale_too_long_is_cut(tmp_path) -> None:
    path = tmp_path / "scales.xml"
    items = ",".join(f"n{i}" for i in range(scales.MAX_ITEMS + 50))
    path.write_text('<?xml version="1.0"?>' + scales_xml((2, "Longue", items)), encoding="utf-8")
    notes = Notes()
    assert len(scales.read(path, notes)[2].items) == scales.MAX_ITEMS
    assert notes.warnings


@pytest.mark.parametrize("name", sorted(p.name for p in FIXTURES.glob("*.mbz")))
def test_real_backups_without_scales_import_none(name: str, tmp_path) -> None:
    from cartable.importers import registry
    from cartable.lib.archive import DEFAULT_LIMITS

    result = registry.load(FIXTURES / name, tmp_path / "work", DEFAULT_LIMITS)
    assert result.course.scales == ()
    assigns = [
        a.content for a in result.course.activities if isinstance(a.content, model.AssignContent)
    ]
    assert all(a.scale is None and not a.marking_workflow for a in assigns)


def test_team_settings_are_read_and_a_grouping_is_said(import_backup) -> None:
    b = Backup()
    s1 = b.section(1)
    b.activity(
        "assign",
        fields(
            intro="",
            introformat=1,
            grade=20,
            teamsubmission=1,
            requireallteammemberssubmit=1,
            preventsubmissionnotingroup=1,
            teamsubmissiongroupingid=7,
        ),
        title="Projet de groupe",
        section=s1,
    )
    b.activity(
        "assign",
        fields(
            intro="",
            introformat=1,
            grade=20,
            teamsubmission=0,
            requireallteammemberssubmit=1,
            preventsubmissionnotingroup=1,
            teamsubmissiongroupingid=7,
        ),
        title="Seul",
        section=s1,
    )
    result = import_backup(b)
    said = [str(w) for w in result.report.warnings if "grouping" in str(w)]
    assert said == [
        "The assignment 'Projet de groupe' takes its teams from a grouping: on the box, "
        "teams are the learners' groups."
    ]
    found = {a.title: a.content for a in result.course.activities}
    assert {
        title: (c.team_submission, c.team_require_all, c.team_prevent_not_in_group, c.team_grouping)
        for title, c in found.items()
        if isinstance(c, model.AssignContent)
    } == {"Projet de groupe": (True, True, True, 7), "Seul": (False, False, False, 0)}
