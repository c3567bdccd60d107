"""Moodle's rules for answering a choice or a survey and for seeing their results, as plain
functions of the imported settings, the time and what the learner has done (no database)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Literal

from cartable.importers.model import ChoiceContent, ChoiceOption, FeedbackContent

State = Literal["not_open", "open", "closed"]

# Moodle's choice "showresults" values.
RESULTS_NEVER, RESULTS_AFTER_ANSWER, RESULTS_AFTER_CLOSE, RESULTS_ALWAYS = 0, 1, 2, 3


def state(opens: datetime | None, closes: datetime | None, now: datetime) -> State:
    """Before its opening date a choice or survey cannot be answered; after its closing date
    neither (Moodle: open from ``timeopen``, closed once ``timeclose`` has passed)."""
    if opens is not None and now < opens:
        return "not_open"
    if closes is not None and now > closes:
        return "closed"
    return "open"


def choice_results_shown(data: ChoiceContent, now: datetime, *, answered: bool) -> bool:
    """Whether a learner sees the choice's results (Moodle's ``choice_can_view_results``)."""
    if data.show_results == RESULTS_ALWAYS:
        return True
    if data.show_results == RESULTS_AFTER_ANSWER:
        return answered
    if data.show_results == RESULTS_AFTER_CLOSE:
        return data.closes is not None and data.closes <= now
    return False


def choice_preview(data: ChoiceContent, now: datetime) -> bool:
    """Whether a learner sees a choice's options before it opens, without answering
    (Moodle's "show preview")."""
    return data.show_preview and state(data.opens, data.closes, now) == "not_open"


class Refused(Exception):
    """An answer the rules refuse; the message is for the learner."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def choice_answer(
    data: ChoiceContent,
    chosen: Sequence[int],
    *,
    current: frozenset[int],
    counts: Mapping[int, int],
    now: datetime,
) -> frozenset[int]:
    """The options a learner's answer sets, or ``Refused``: ``chosen`` are option ids as posted,
    ``current`` the learner's options now, ``counts`` how many learners chose each option.

    Codes: ``not_open``, ``closed``, ``no_update`` (answered, and the choice allows no change),
    ``empty``, ``unknown`` (not an option of this choice), ``one_only`` and ``full`` (an option
    whose places are taken, unless the learner holds it already)."""
    when = state(data.opens, data.closes, now)
    if when != "open":
        raise Refused(when)
    if current and not data.allow_update:
        raise Refused("no_update")
    if not chosen:
        raise Refused("empty")
    options = {option.source_id: option for option in data.options}
    picked = frozenset(chosen)
    if not picked <= options.keys():
        raise Refused("unknown")
    if len(picked) > 1 and not data.allow_multiple:
        raise Refused("one_only")
    if data.limit_answers:
        for option_id in picked - current:
            if is_full(options[option_id], counts.get(option_id, 0)):
                raise Refused("full")
    return picked


def is_full(option: ChoiceOption, count: int) -> bool:
    """With limits on, an option is full once its places are taken (none for a limit of 0,
    as in Moodle)."""
    return count >= option.max_answers


def feedback_state(data: FeedbackContent, now: datetime) -> State:
    return state(data.opens, data.closes, now)
