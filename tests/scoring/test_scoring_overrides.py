"""A quiz's settings for one learner with Moodle's overrides (quiz_update_effective_access):
per setting, the learner's own override, else the most lenient of their groups', else the
quiz's; a table of cases, each setting on its own."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from cartable.assessment.scoring.overrides import effective, pick
from cartable.importers.model import QuizOverride
from tests.quizdata import quiz_content

D1 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
D2 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
D3 = datetime(2026, 3, 3, 9, 0, tzinfo=UTC)
D4 = datetime(2026, 3, 4, 9, 0, tzinfo=UTC)

QUIZ = replace(quiz_content(()), opens=D2, closes=D3, time_limit=600, attempts=2, password="quiz")
Ov = QuizOverride

CASES = [
    # (name, user override, group overrides, setting, expected)
    ("nothing: the quiz's", None, [], "opens", D2),
    ("user opens earlier", Ov(user="a", opens=D1), [], "opens", D1),
    ("user wins over groups", Ov(user="a", opens=D3), [Ov(group="g", opens=D1)], "opens", D3),
    ("earliest group opening", None, [Ov(group="g", opens=D3), Ov(group="h", opens=D1)], "opens", D1),
    ("a group open any time", None, [Ov(group="g", opens=D1), Ov(group="h", open_any_time=True)], "opens", None),
    ("user open any time", Ov(user="a", open_any_time=True), [], "opens", None),
    ("latest group close", None, [Ov(group="g", closes=D4), Ov(group="h", closes=D1)], "closes", D4),
    ("a group never closes", None, [Ov(group="g", closes=D4), Ov(group="h", never_closes=True)], "closes", None),
    ("user closes earlier than groups", Ov(user="a", closes=D1), [Ov(group="g", closes=D4)], "closes", D1),
    ("user sets no close: groups' close", Ov(user="a", opens=D1), [Ov(group="g", closes=D4)], "closes", D4),
    ("longest group limit", None, [Ov(group="g", time_limit=900), Ov(group="h", time_limit=1200)], "time_limit", 1200),
    ("a group without limit", None, [Ov(group="g", time_limit=900), Ov(group="h", time_limit=0)], "time_limit", 0),
    ("user limit shorter than groups'", Ov(user="a", time_limit=300), [Ov(group="g", time_limit=0)], "time_limit", 300),
    ("user sets no limit", Ov(user="a", time_limit=0), [], "time_limit", 0),
    ("most group attempts", None, [Ov(group="g", attempts=3), Ov(group="h", attempts=5)], "attempts", 5),
    ("a group unlimited", None, [Ov(group="g", attempts=3), Ov(group="h", attempts=0)], "attempts", 0),
    ("user attempts fewer", Ov(user="a", attempts=1), [Ov(group="g", attempts=5)], "attempts", 1),
    ("groups set no attempts: the quiz's", None, [Ov(group="g", time_limit=60)], "attempts", 2),
    ("user password", Ov(user="a", password="moi"), [Ov(group="g", password="nous")], "password", "moi"),
    ("user lifts the password", Ov(user="a", password=""), [Ov(group="g", password="x")], "password", ""),
    ("first group's password", None, [Ov(group="g", password="un"), Ov(group="h", password="deux")], "password", "un"),
    ("other groups' passwords too", None, [Ov(group="g", password="un"), Ov(group="h", password="deux")], "extra_passwords", ("deux",)),
    ("a group without password lifts it", None, [Ov(group="g", password="un"), Ov(group="h", password="")], "password", ""),
    ("no password override: the quiz's", Ov(user="a", attempts=9), [], "password", "quiz"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("user", "groups", "setting", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_each_setting_follows_moodle(user, groups, setting, expected) -> None:
    assert getattr(effective(QUIZ, user, groups), setting) == expected


def test_settings_are_decided_one_by_one() -> None:
    mixed = effective(
        QUIZ,
        Ov(user="a", closes=D4),
        [Ov(group="g", opens=D1, time_limit=1200), Ov(group="h", attempts=0, closes=D1)],
    )
    assert (mixed.opens, mixed.closes, mixed.time_limit, mixed.attempts) == (D1, D4, 1200, 0)
    assert mixed.password == "quiz" and mixed.extra_passwords == ()


def test_a_lifted_password_unprotects_and_an_unread_one_stays_closed() -> None:
    lifted = effective(QUIZ, Ov(user="a", password=""), [])
    assert lifted.password == "" and not lifted.password_protected
    unread = replace(QUIZ, password="", password_protected=True)
    assert effective(unread, Ov(user="a", attempts=3), []).password_protected
    assert not effective(unread, None, [Ov(group="g", password="")]).password_protected


def test_no_override_is_the_quiz_itself() -> None:
    assert effective(QUIZ, None, []) == QUIZ


def test_the_box_override_replaces_the_backups_for_the_same_learner_or_group() -> None:
    imported = [
        Ov(user="ana", attempts=1),
        Ov(group="Cellule A", attempts=2),
        Ov(group="B", attempts=3),
    ]
    user, groups = pick(imported, "ana", ["Cellule A", "C"])
    assert user == imported[0] and groups == [imported[1]]
    box_user, box_group = Ov(user="ana", attempts=7), Ov(group="Cellule A", attempts=8)
    user, groups = pick(imported, "ana", ["Cellule A", "B"], box_user, {"Cellule A": box_group})
    assert user == box_user and groups == [box_group, imported[2]]
    assert pick(imported, "bob", []) == (None, [])
