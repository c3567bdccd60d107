"""A quiz's overrides (Moodle's quiz_overrides) read from a built backup: each row's learner
by username (users.xml) or group by name (groups.xml); NULL is the quiz's setting, 0 a lifted
date or no limit; a row naming nobody the backup holds is left out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from cartable.importers import model

from .builder import Backup, fields

T = 1_767_600_000  # 2026-01-05 08:00 UTC
AT = datetime.fromtimestamp(T, UTC)
AFTER = datetime.fromtimestamp(T + 86_400, UTC)


def _override(n: int, **values: object) -> str:
    row = {
        "userid": None,
        "groupid": None,
        "timeopen": None,
        "timeclose": None,
        "timelimit": None,
        "attempts": None,
        "password": None,
    }
    row.update(values)
    return f"<override id='{n}'>" + fields(**row) + "</override>"


ROWS = [
    # (override row, expected QuizOverride or None: left out)
    ({"userid": 11, "attempts": 3}, model.QuizOverride(user="lea", attempts=3)),
    ({"groupid": 21, "timelimit": 1800}, model.QuizOverride(group="Tiers temps", time_limit=1800)),
    ({"userid": 12, "timeopen": T, "timeclose": T + 86_400}, model.QuizOverride(user="omar", opens=AT, closes=AFTER)),
    ({"groupid": 22, "timeopen": 0, "timeclose": 0}, model.QuizOverride(group="Cellule B", open_any_time=True, never_closes=True)),
    ({"userid": 11, "password": ""}, model.QuizOverride(user="lea", password="")),
    ({"groupid": 21, "password": "tiers", "timelimit": 0}, model.QuizOverride(group="Tiers temps", password="tiers", time_limit=0)),
    ({"userid": 99, "attempts": 2}, None),  # a user the backup does not hold
    ({"groupid": 98, "attempts": 2}, None),  # a group the backup does not hold
    ({"attempts": 2}, None),  # neither
]  # fmt: skip


def _backup(rows: str, *, people: bool = True) -> Backup:
    b = Backup()
    section = b.section(0)
    b.activity(
        "quiz",
        fields(intro="", introformat=1, timelimit=600, attempts_number=1)
        + "<question_instances></question_instances>"
        + f"<overrides>{rows}</overrides>",
        title="Quiz",
        section=section,
    )
    if people:
        b.xml(
            "users.xml",
            "<users>"
            + "<user id='11' contextid='5'>" + fields(username="lea", firstname="Léa") + "</user>"
            + "<user id='12' contextid='6'>" + fields(username="omar", firstname="Omar") + "</user>"
            + "</users>",
        )  # fmt: skip
        b.xml(
            "groups.xml",
            "<groups>"
            + "<group id='21'>" + fields(name="Tiers temps", description="") + "</group>"
            + "<group id='22'>" + fields(name="Cellule B", description="") + "</group>"
            + "</groups>",
        )  # fmt: skip
    return b


def _overrides(result) -> tuple[model.QuizOverride, ...]:
    quiz = result.course.activities[0].content
    assert isinstance(quiz, model.QuizContent)
    return quiz.overrides


@pytest.mark.parametrize(("row", "expected"), ROWS)
def test_each_override_row_reads_as_moodle_means_it(import_backup, row, expected) -> None:
    found = _overrides(import_backup(_backup(_override(1, **row))))
    assert found == ((expected,) if expected is not None else ())


def test_every_row_of_a_quiz_is_kept_in_order(import_backup) -> None:
    rows = "".join(_override(n, **row) for n, (row, _e) in enumerate(ROWS, start=1))
    found = _overrides(import_backup(_backup(rows)))
    assert found == tuple(expected for _row, expected in ROWS if expected is not None)


def test_without_users_and_groups_no_override_is_kept(import_backup) -> None:
    rows = _override(1, userid=11, attempts=3) + _override(2, groupid=21, timelimit=60)
    assert _overrides(import_backup(_backup(rows, people=False))) == ()


def test_a_quiz_without_overrides_has_none(import_backup) -> None:
    assert _overrides(import_backup(_backup(""))) == ()
