"""Scoring as Moodle scores: pure functions, no Django, no database.

The flow for one question in an attempt::

    layout = start(question, StartContext(seed=...))      # once; store it with the attempt
    prepared = prepare(question, layout)                   # each request
    response = prepared.parse(request.POST, prefix="q3:")  # never raises
    attempt = process(attempt, prepared, Save(response))   # behaviours.begin() first

``prepared.grade(response)`` gives the fraction, Moodle's state, the feedback to show and the
parts; ``quiz`` turns question marks into the quiz grade, picks the overall feedback and says
what a review may show when; ``draw`` picks random questions.
"""

from .behaviours import (
    Action,
    Behaviour,
    Comment,
    Finish,
    QuestionAttempt,
    Save,
    Step,
    Submit,
    TryAgain,
    applicable_hint,
    begin,
    behaviour_for,
    process,
    replay,
    try_again_response,
)
from .core import Grade, Invalid, PartGrade, Prepared, StartContext, State, graded_state
from .draw import draw
from .layouts import Layout
from .questions import UnsupportedQuestion, prepare, start, text
from .responses import Response

__all__ = [
    "Action",
    "Behaviour",
    "Comment",
    "Finish",
    "Grade",
    "Invalid",
    "Layout",
    "PartGrade",
    "Prepared",
    "QuestionAttempt",
    "Response",
    "Save",
    "StartContext",
    "State",
    "Step",
    "Submit",
    "TryAgain",
    "UnsupportedQuestion",
    "applicable_hint",
    "begin",
    "behaviour_for",
    "draw",
    "graded_state",
    "prepare",
    "process",
    "replay",
    "start",
    "text",
    "try_again_response",
]
