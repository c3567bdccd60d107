"""Reading a survey's items as Moodle writes them, and a learner's answers against them."""

from __future__ import annotations

import pytest

from cartable.surveys import items
from tests.surveys import SURVEY_ITEMS, item

ASKED = items.questions(SURVEY_ITEMS)
BY_ID = {one.item.source_id: one for one in ASKED}


def test_it_reads_every_item_type() -> None:
    kinds = {one.item.source_id: one.kind for one in ASKED}
    assert kinds == {
        1: "label",
        2: "radio",
        3: "number",
        4: "pagebreak",
        5: "checkbox",
        6: "text",
        7: "longtext",
        8: "dropdown",
        9: "text",
        10: "info",
    }
    assert BY_ID[2].options == ("Débutant", "Moyen", "Avancé")
    assert BY_ID[8].options == ("Faible", "Forte")  # rated: the texts, not the ratings
    assert (BY_ID[3].minimum, BY_ID[3].maximum) == (0, 40)
    assert BY_ID[6].max_length == 10


def test_it_reads_moodle_quirks() -> None:
    horizontal = items.question(item(1, "multichoice", "Q", "r>>>>>a|b<<<<<1"))
    assert horizontal is not None and horizontal.options == ("a", "b")
    unbounded = items.question(item(2, "numeric", "N", "-|-"))
    assert unbounded is not None and (unbounded.minimum, unbounded.maximum) == (None, None)
    assert items.question(item(3, "captcha", "C")) is None


def _read(**posted: list[str]) -> tuple[dict[int, str], dict[int, str]]:
    return items.read(ASKED, {key.replace("_", "-"): value for key, value in posted.items()})


def test_it_keeps_answers_as_moodle_does() -> None:
    values, errors = _read(item_2=["2"], item_3=["12,5"], item_5=["3", "1"], item_8=["2"])
    assert errors == {}
    assert values == {2: "2", 3: "12.5", 5: "1|3", 8: "2"}
    assert items.shown("1|3", BY_ID[5]) == "Tablette; Papier"


@pytest.mark.parametrize(
    ("posted", "errors"),
    [
        ({}, {2: "required", 3: "required"}),
        ({"item_2": ["1"], "item_3": ["beaucoup"]}, {3: "number"}),
        ({"item_2": ["1"], "item_3": ["41"]}, {3: "range"}),
        ({"item_2": ["1"], "item_3": ["-1"]}, {3: "range"}),
        ({"item_2": ["1"], "item_3": ["nan"]}, {3: "number"}),
        ({"item_2": ["4"], "item_3": ["1"]}, {2: "option"}),
        ({"item_2": ["1", "2"], "item_3": ["1"]}, {2: "option"}),
        ({"item_2": ["1"], "item_3": ["1"], "item_6": ["onze lettres"]}, {6: "length"}),
    ],
)
def test_it_tells_what_is_wrong(posted: dict[str, list[str]], errors: dict[int, str]) -> None:
    assert _read(**posted)[1] == errors


def test_it_asks_a_dependent_item_only_after_the_answer_it_depends_on() -> None:
    values, _ = _read(item_2=["2"], item_3=["1"], item_9=["ignoré"])
    assert 9 not in values  # "Moyen": the question for beginners is not asked
    values, _ = _read(item_2=["1"], item_3=["1"], item_9=["Nouveau"])
    assert values[9] == "Nouveau"
