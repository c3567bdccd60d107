"""Moodle's "requires previous" (quiz_attempt::is_blocked_by_previous_question): a slot
waits while the previous question is unfinished under a behaviour that can finish it during
the attempt; never in sequential navigation, in a shuffled section, or for the first slot."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring.quiz import blocked_slots
from cartable.importers.model import QuizSection, QuizSlot

SLOTS = (
    QuizSlot(slot=1, page=1, max_mark=1.0, question_id=1),
    QuizSlot(slot=2, page=1, max_mark=1.0, question_id=2, require_previous=True),
    QuizSlot(slot=3, page=2, max_mark=1.0, question_id=3, require_previous=True),
)
PLAIN = (QuizSection(1, "", False),)
IA, D, A = "interactive", "deferredfeedback", "adaptive"

CASES = [
    # (name, held: slot -> (behaviour, state), sections, navigation, blocked)
    ("interactive, previous to do", {1: (IA, "todo"), 2: (IA, "todo"), 3: (IA, "todo")}, PLAIN, "free", {2, 3}),
    ("previous answered but not checked", {1: (IA, "complete"), 2: (IA, "todo"), 3: (IA, "todo")}, PLAIN, "free", {2, 3}),
    ("previous checked right", {1: (IA, "gradedright"), 2: (IA, "todo"), 3: (IA, "todo")}, PLAIN, "free", {3}),
    ("previous checked wrong, no tries left", {1: (IA, "gradedwrong"), 2: (IA, "gradedpartial"), 3: (IA, "todo")}, PLAIN, "free", set()),
    ("immediate feedback too", {1: ("immediatefeedback", "todo"), 2: (D, "todo"), 3: (D, "todo")}, PLAIN, "free", {2}),
    ("deferred feedback never finishes early", {1: (D, "todo"), 2: (D, "todo"), 3: (D, "todo")}, PLAIN, "free", set()),
    ("adaptive cannot finish early in Moodle", {1: (A, "todo"), 2: (A, "todo"), 3: (A, "todo")}, PLAIN, "free", set()),
    ("sequential navigation", {1: (IA, "todo"), 2: (IA, "todo"), 3: (IA, "todo")}, PLAIN, "sequential", set()),
    ("a shuffled section", {1: (IA, "todo"), 2: (IA, "todo"), 3: (IA, "todo")}, (QuizSection(1, "", True),), "free", set()),
    ("previous in a shuffled section", {1: (IA, "todo"), 2: (IA, "todo"), 3: (IA, "todo")}, (QuizSection(1, "", True), QuizSection(3, "B", False)), "free", set()),
    ("previous question missing from the attempt", {2: (IA, "todo"), 3: (IA, "todo")}, PLAIN, "free", {3}),
]  # fmt: skip


@pytest.mark.parametrize(
    ("held", "sections", "navigation", "expected"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_which_slots_wait_for_the_previous(held, sections, navigation, expected) -> None:
    assert blocked_slots(SLOTS, sections, navigation, held) == expected
