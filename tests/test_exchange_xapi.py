"""Learning records as xAPI statements (cartable.exchange.moodle.xapi): the actor is an account on
the university's site (never an e-mail), the object the Moodle activity's page, the id stable."""

from __future__ import annotations

import json

import pytest

from cartable.exchange.moodle.xapi import VERBS, activity_iri, statement

SITE = "https://moodle.univ-lille.fr/"


def entry(kind: str, payload: dict, entry_id: int = 7) -> dict:
    return {
        "id": entry_id,
        "kind": kind,
        "created_at": "2026-12-02T10:00:00+00:00",
        "payload": {
            "course": {"source": "moodle", "id": "42", "shortname": "HIST"},
            "activity": {"key": "assign-311", "kind": "assign", "title": "Lettre"},
            "user": {"username": "lea"},
            **payload,
        },
    }


def test_a_grade_is_a_scored_statement_about_the_moodle_activity() -> None:
    made = statement(
        entry("grade", {"grade": "15", "max": "20", "feedback": "Bien", "graded_at": "T"}),
        site=SITE,
        box="BOX-FP",
    )
    assert made["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": "https://moodle.univ-lille.fr", "name": "lea"},
    }
    assert "mbox" not in json.dumps(made)
    assert made["verb"]["id"] == VERBS["scored"]
    assert made["object"]["id"] == "https://moodle.univ-lille.fr/mod/assign/view.php?id=311"
    assert made["result"] == {
        "score": {"raw": 15.0, "min": 0.0, "max": 20.0, "scaled": 0.75},
        "response": "Bien",
    }
    assert made["timestamp"] == "T"
    parent = made["context"]["contextActivities"]["parent"][0]["id"]
    assert parent == "https://moodle.univ-lille.fr/course/view.php?id=42"


def test_the_same_entry_from_the_same_box_has_the_same_id() -> None:
    one = statement(entry("completion", {"completed": True, "at": "T"}), site=SITE, box="A")
    two = statement(entry("completion", {"completed": True, "at": "T"}), site=SITE, box="A")
    other = statement(entry("completion", {"completed": True, "at": "T"}), site=SITE, box="B")
    assert one["id"] == two["id"] != other["id"]


@pytest.mark.parametrize(
    ("kind", "payload", "verb"),
    [
        ("completion", {"completed": True, "at": "T"}, "completed"),
        ("attempt", {"number": 1, "started_at": "T"}, "attempted"),
        ("attempt", {"finished_at": "T", "grade": "8", "max_grade": "10"}, "completed"),
        ("submission", {"status": "submitted", "submitted_at": "T"}, "submitted"),
        ("choice", {"options": ["a"]}, "answered"),
        ("survey", {"answers": []}, "answered"),
    ],
)
def test_each_kind_of_work_has_its_verb(kind: str, payload: dict, verb: str) -> None:
    assert statement(entry(kind, payload), site=SITE, box="A")["verb"]["id"] == VERBS[verb]


@pytest.mark.parametrize(
    ("kind", "payload"),
    [
        ("completion", {"completed": False}),
        ("submission", {"status": "draft"}),
        ("choice", {"options": []}),
        ("grade", {"grade": None}),
        ("grade", {"grade": "NaN"}),
        ("survey", {"user": None}),  # anonymous answers
        ("unknown", {}),
    ],
)
def test_what_an_lrs_does_not_keep_makes_no_statement(kind: str, payload: dict) -> None:
    assert statement(entry(kind, payload), site=SITE, box="A") is None


@pytest.mark.parametrize(
    ("key", "iri"),
    [
        ("quiz-12", "https://m.fr/mod/quiz/view.php?id=12"),
        ("page", "https://m.fr/course/view.php?id=42#page"),
    ],
)
def test_activity_addresses(key: str, iri: str) -> None:
    assert activity_iri("https://m.fr/", key, "42") == iri
