"""Moodle 2.2's ``assignment`` module (still in Moodle 2.x backups) is imported as an
assignment, with its instructions and settings, never dropped."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cartable.importers import model

from .builder import Backup, fields

DUE = 1700086400
OPENS = 1699000000
PNG = b"\x89PNG\r\n\x1a\n consigne"


def old_assignment(
    b: Backup, section: int, title: str, assignment_type: str, **settings: object
) -> object:
    values: dict[str, object] = {
        "intro": '<p>Rendez votre <b>rapport</b> <img src="@@PLUGINFILE@@/consigne.png"></p>',
        "introformat": 1,
        "assignmenttype": assignment_type,
        "resubmit": 0,
        "preventlate": 0,
        "emailteachers": 0,
        "var1": 0,
        "var2": 0,
        "var3": 0,
        "var4": 0,
        "var5": 0,
        "maxbytes": 0,
        "timedue": 0,
        "timeavailable": 0,
        "grade": 100,
        "timemodified": 1690000000,
    }
    values.update(settings)
    return b.activity(
        "assignment",
        fields(**values)
        + "<submissions><submission id='9'>"
        + fields(userid=5, data1="secret answer", grade=12)
        + "</submission></submissions>",
        title=title,
        section=section,
    )


def moodle23_course() -> Backup:
    b = Backup(moodle_release="2.3.1 (Build: 20120706)", backup_release="2.3")
    s0 = b.section(0)
    s1 = b.section(1, "Devoirs")
    upload = old_assignment(
        b, s1, "Rapport", "upload",
        var1=3, var2=1, var4=1, maxbytes=2097152, timedue=DUE, timeavailable=OPENS,
        preventlate=1, grade=20,
    )  # fmt: skip
    b.file(
        contextid=upload.contextid,  # type: ignore[attr-defined]
        component="mod_assignment",
        filearea="intro",
        filename="consigne.png",
        content=PNG,
        mimetype="image/png",
    )
    old_assignment(b, s1, "Un seul fichier", "uploadsingle", maxbytes=1048576, timedue=DUE)
    old_assignment(b, s1, "Texte en ligne", "online", var1=1)
    old_assignment(b, s1, "Hors ligne", "offline", grade=-3)
    b.activity("page", fields(content="<p>x</p>", contentformat=1), title="Lecture", section=s0)
    return b


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
def test_it_imports_every_old_assignment_as_an_assignment(import_backup, flavour):
    result = import_backup(moodle23_course(), flavour)
    by_title = {a.title: a for a in result.course.activities}
    assert result.report.activities == {"assign": 4, "page": 1}
    assert not [item for item in result.report.skipped if item.kind == "activity"]

    upload = by_title["Rapport"]
    assert upload.modname == "assign"
    assert upload.source_key.startswith("assignment-")
    assert "<b>rapport</b>" in upload.intro
    assert "cartable-file:" in upload.intro  # its picture, resolved from mod_assignment/intro
    assert [f.filename for f in upload.files] == ["consigne.png"]
    content = upload.content
    assert isinstance(content, model.AssignContent)
    assert content.submission_types == ("file", "onlinetext")
    assert (content.drafts, content.reopen) == (False, "none")  # "resubmit" off: no drafts
    assert (content.max_files, content.max_size, content.grade) == (3, 2097152, 20.0)
    assert content.due == datetime.fromtimestamp(DUE, tz=UTC)
    assert content.cut_off == content.due  # late submissions prevented
    assert content.allow_submissions_from == datetime.fromtimestamp(OPENS, tz=UTC)

    single = by_title["Un seul fichier"].content
    assert isinstance(single, model.AssignContent)
    assert (single.submission_types, single.max_files, single.max_size) == (
        ("file",),
        1,
        1048576,
    )
    assert single.cut_off is None

    online = by_title["Texte en ligne"].content
    assert isinstance(online, model.AssignContent)
    assert (online.submission_types, online.max_files, online.max_size) == (("onlinetext",), 0, 0)

    offline = by_title["Hors ligne"].content
    assert isinstance(offline, model.AssignContent)
    assert (offline.submission_types, offline.grade) == ((), -3.0)


def test_it_keeps_no_learner_submission(import_backup):
    b = moodle23_course()
    b.users = True
    result = import_backup(b)
    for activity in result.course.activities:
        assert "secret answer" not in repr(activity)


def test_an_unknown_assignment_type_is_still_an_assignment_without_submission(import_backup):
    b = Backup(moodle_release="2.2.4", backup_release="2.2")
    s0 = b.section(0)
    old_assignment(b, s0, "Programme", "program", var1=7)
    (activity,) = import_backup(b).course.activities
    assert activity.modname == "assign"
    assert isinstance(activity.content, model.AssignContent)
    assert activity.content.submission_types == ()
