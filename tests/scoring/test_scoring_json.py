"""Layouts, responses and question attempts are stored as JSON and read back unchanged
(``lib.jsonable``), so that a resumed attempt is the attempt it was."""

from __future__ import annotations

import json

import pytest

from cartable.assessment.scoring import (
    Finish,
    QuestionAttempt,
    Save,
    StartContext,
    Submit,
    TryAgain,
    begin,
    behaviour_for,
    process,
    start,
)
from cartable.assessment.scoring.layouts import Layout
from cartable.assessment.scoring.responses import Response
from cartable.importers import questions as q
from cartable.importers.jsonable import JsonShapeError, from_json, to_json

from .make import question
from .test_scoring_properties import BANK, SAMPLES, _ready


@pytest.mark.parametrize("item", SAMPLES, ids=lambda item: item.qtype)
def test_it_stores_layouts_responses_and_steps(item: q.Question) -> None:
    layout = start(item, StartContext(seed="stored", bank=BANK))
    assert from_json(Layout, json.loads(json.dumps(to_json(layout)))) == layout
    prepared = _ready(
        question(item.qtype, item.data, text=item.text, hints=(q.Hint("h"),)), "stored"
    )
    response = prepared.correct() or prepared.empty()
    assert from_json(Response, json.loads(json.dumps(to_json(response)))) == response
    attempt = begin(behaviour_for("interactive", prepared), prepared, 2)
    for action in (Save(prepared.empty()), Submit(response), TryAgain(), Finish()):
        attempt = process(attempt, prepared, action)
    assert from_json(QuestionAttempt, json.loads(json.dumps(to_json(attempt)))) == attempt


def test_it_refuses_a_stored_state_that_does_not_exist() -> None:
    stored = to_json(
        begin(
            behaviour_for("deferredfeedback", _ready(SAMPLES[0], "x")), _ready(SAMPLES[0], "x"), 1
        )
    )
    assert isinstance(stored, dict)
    stored["behaviour"] = "teleport"
    with pytest.raises(JsonShapeError):
        from_json(QuestionAttempt, stored)
