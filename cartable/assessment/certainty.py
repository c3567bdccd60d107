"""Certainty-based marking on the quiz pages: the certainty radio group under a question,
what a review says of the certainty and the mark it adjusted, and the summary under the
attempt's grade (``scoring.cbm`` computes; this only shows).

A plain radio group named ``<prefix>-certainty`` (1, 2, 3) posted with the page's form: it
works without JavaScript and wraps at 320 px like the answers' own radios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.utils.formats import number_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cartable.assessment import engine
from cartable.assessment.scoring import cbm
from cartable.assessment.scoring.behaviours import CBM_BEHAVIOURS, QuestionAttempt

_LABELS = {
    cbm.LOW: gettext_noop("C=1 (Unsure: <67%)"),
    cbm.MED: gettext_noop("C=2 (Mid: >67%)"),
    cbm.HIGH: gettext_noop("C=3 (Quite sure: >80%)"),
}
_SHORT = {cbm.LOW: "C=1", cbm.MED: "C=2", cbm.HIGH: "C=3"}


def uses_certainty(attempt: QuestionAttempt) -> bool:
    return attempt.behaviour in CBM_BEHAVIOURS


def label(certainty: int) -> str:
    return _(_LABELS[certainty])


def field_name(prefix: str) -> str:
    return f"{prefix}-certainty"


def choices(
    attempt: QuestionAttempt,
    prefix: str,
    *,
    disabled: bool,
    posted: Mapping[str, object] | None = None,
) -> SafeString:
    """The certainty radio group: checked at what was just posted (a page shown again), or
    at the learner's last certainty."""
    chosen = cbm.certainty_of(posted, prefix) if posted is not None else attempt.certainty
    name = field_name(prefix)
    radios = format_html_join(
        " ",
        '<label class="quiz-choice"><input type="radio" name="{}" value="{}"{}{}> {}</label>',
        (
            (
                name,
                level,
                mark_safe(" checked") if level == chosen else "",
                mark_safe(" disabled") if disabled else "",
                label(level),
            )
            for level in cbm.CERTAINTIES
        ),
    )
    return format_html(
        '<fieldset class="quiz-answers quiz-certainty"><legend>{}</legend>{}</fieldset>',
        _("Certainty:"),
        radios,
    )


def _number(value: float) -> str:
    return number_format(value, 2)


def notes(attempt: QuestionAttempt, *, marks_shown: bool) -> list[str]:
    """What a finished question says of its certainty: the one assumed when none was chosen,
    and the mark before and after the certainty when marks are shown."""
    if not attempt.state.is_finished:
        return []
    said = []
    if attempt.assumed_certainty is not None and attempt.raw_fraction is not None:
        said.append(
            _("You did not select a certainty. Assuming: %(certainty)s.")
            % {"certainty": label(attempt.assumed_certainty)}
        )
    raw = attempt.raw_fraction
    if marks_shown and raw is not None and attempt.mark is not None:
        said.append(
            _(
                "Based on the certainty you expressed, your base mark of %(raw)s was adjusted "
                "to %(mark)s."
            )
            % {"raw": _number(raw * attempt.max_mark), "mark": _number(attempt.mark)}
        )
    return said


# --- The summary under the grade ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Row:
    title: str
    value: str


@dataclass(frozen=True, slots=True)
class Block:
    heading: str
    rows: list[Row]


_JUDGEMENTS = {
    "ok": gettext_noop("OK"),
    "overconfident": gettext_noop("over-confident"),
    "slightlyoverconfident": gettext_noop("a bit over-confident"),
    "underconfident": gettext_noop("under-confident"),
    "slightlyunderconfident": gettext_noop("a bit under-confident"),
}


def _percent(value: float, places: int = 0) -> str:
    return _("%(value)s%%") % {"value": number_format(value * 100, places)}


def _totals(totals: cbm.Totals) -> list[Row]:
    return [
        Row(_("Average CBM mark"), _number(totals.average)),
        Row(_("Accuracy"), _percent(totals.accuracy, 1)),
        Row(_("CBM bonus"), _percent(totals.bonus, 1)),
        Row(_("Accuracy + Bonus"), _percent(totals.accuracy_and_bonus, 1)),
    ]


def summary(loaded: Iterable[engine.Loaded]) -> list[Block]:
    """The review's certainty summary of an attempt (empty when no question used it)."""
    found = cbm.summarise(
        cbm.Marked(
            item.attempt.max_mark,
            item.attempt.raw_fraction,
            item.attempt.certainty,
            item.attempt.mark,
        )
        for item in loaded
        if uses_certainty(item.attempt)
    )
    if found is None:
        return []
    blocks = [
        Block(
            _("For the whole quiz (%(count)d questions)") % {"count": found.whole.questions},
            _totals(found.whole),
        )
    ]
    if found.answered is not None:
        blocks.append(
            Block(
                _("Results for just the %(count)d answered questions")
                % {"count": found.answered.questions},
                _totals(found.answered),
            )
        )
    levels = []
    for level in found.levels:
        if level.accuracy is None:
            levels.append(Row(_SHORT[level.certainty], _("No responses")))
            continue
        text = _(
            "Responses: %(responses)d. Accuracy: %(accuracy)s. (Optimal range %(low)s to "
            "%(high)s). You were %(judgement)s using this certainty level."
        ) % {
            "responses": level.responses,
            "accuracy": _percent(level.accuracy),
            "low": _percent(level.low),
            "high": _percent(level.high),
            "judgement": _(_JUDGEMENTS[level.judgement]),
        }
        levels.append(Row(_SHORT[level.certainty], text))
    blocks.append(Block(_("Break-down by certainty"), levels))
    return blocks
