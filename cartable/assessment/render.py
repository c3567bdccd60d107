"""A question of an attempt as HTML: its text with the inputs a plain form posts (no
JavaScript: radios, boxes, lists and text fields, named as ``Prepared.parse`` reads them),
and what the review options allow of its outcome (state, mark, feedback, right answer).

Question texts were sanitised at import; ``CourseLinks.html`` resolves their links. Every
other text (choices of lists, the learner's answers) is escaped here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from django.utils.formats import number_format
from django.utils.html import conditional_escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from cartable.assessment import certainty, engine, essay_files, scoring
from cartable.assessment.scoring import choice, cloze, gaps, manual, marker, matching, typed
from cartable.assessment.scoring import quiz as quizzes
from cartable.assessment.scoring import responses as r
from cartable.assessment.scoring.core import State, combined_key
from cartable.catalog.rendering import CourseLinks
from cartable.catalog.texts import shown
from cartable.importers import questions as bank
from cartable.lib.html import text_of

_ON = mark_safe(" checked")
_SELECTED = mark_safe(" selected")
_DISABLED = mark_safe(" disabled")
_NOTHING = mark_safe("")
_CLOZE = re.compile(r"\{#(\d{1,4})\}")
_GAP = re.compile(r"\[\[(\d{1,6})\]\]")


@dataclass
class Shown:
    """One question as a page shows it."""

    slot: int
    number: int | None  # as numbered on the page (None: a description)
    qtype: str
    body: SafeString
    state: str = ""  # "Correct", "Not answered yet"…: "" when the options hide it
    state_class: str = ""
    mark: str = ""
    problems: list[str] = field(default_factory=list)
    feedback: list[SafeString] = field(default_factory=list)
    right_answer: str = ""
    general_feedback: SafeString = _NOTHING
    comment: str = ""
    can_check: bool = False
    can_try_again: bool = False
    hint: SafeString = _NOTHING
    answered: bool = False
    certainty: SafeString = _NOTHING  # certainty-based marking: the radio group
    certainty_notes: list[str] = field(default_factory=list)
    files: list[essay_files.Listed] = field(default_factory=list)  # an essay's attachments
    upload: essay_files.Upload | None = None  # an essay taking files, while editable


# --- Inputs ---------------------------------------------------------------------------------


def _attr(flag: bool, on: SafeString) -> SafeString:
    return on if flag else _NOTHING


def _radio(name: str, value: str, checked: bool, disabled: bool, label: SafeString) -> SafeString:
    return format_html(
        '<label class="quiz-choice"><input type="radio" name="{}" value="{}"{}{}> {}</label>',
        name,
        value,
        _attr(checked, _ON),
        _attr(disabled, _DISABLED),
        label,
    )


def _box(name: str, checked: bool, disabled: bool, label: SafeString) -> SafeString:
    return format_html(
        '<label class="quiz-choice"><input type="checkbox" name="{}" value="1"{}{}> {}</label>',
        name,
        _attr(checked, _ON),
        _attr(disabled, _DISABLED),
        label,
    )


def _select(
    name: str, options: list[tuple[str, str]], value: str, disabled: bool, label: str
) -> SafeString:
    choices = format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((v, _attr(v == value, _SELECTED), text) for v, text in [("", _("Choose…")), *options]),
    )
    return format_html(
        '<select name="{}" aria-label="{}"{}>{}</select>',
        name,
        label,
        _attr(disabled, _DISABLED),
        choices,
    )


def _text(name: str, value: str, disabled: bool, label: str, size: int = 20) -> SafeString:
    return format_html(
        '<input type="text" name="{}" value="{}" size="{}" aria-label="{}" autocomplete="off"'
        ' spellcheck="false"{}>',
        name,
        value,
        size,
        label,
        _attr(disabled, _DISABLED),
    )


# --- Bodies by type -------------------------------------------------------------------------


def body(
    question: bank.Question,
    prepared: scoring.Prepared,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    """The question's text and its inputs, filled with ``values`` (form fields, unprefixed)."""
    text = scoring.text(prepared, question.text)
    if isinstance(prepared, cloze.Cloze):
        return _cloze(question, prepared, prefix, values, links, disabled=disabled)
    if isinstance(prepared, gaps.Gaps) and isinstance(question.data, bank.GapData):
        return _gap_text(question.data, prepared, text, prefix, values, links, disabled=disabled)
    intro = links.html(text)
    inputs = _inputs(question, prepared, prefix, values, links, disabled=disabled)
    return format_html('<div class="prose quiz-text">{}</div>{}', intro, inputs)


def _inputs(
    question: bank.Question,
    prepared: scoring.Prepared,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    if isinstance(prepared, choice.SingleChoice):
        return _fieldset(
            _("Choose one answer."),
            (
                _radio(
                    prefix + "answer",
                    str(position),
                    values.get("answer") == str(position),
                    disabled,
                    links.html(scoring.text(prepared, prepared.answers[index].text)),
                )
                for position, index in enumerate(prepared.order)
            ),
        )
    if isinstance(prepared, choice.MultipleChoice):
        return _fieldset(
            _("Choose one or more answers."),
            (
                _box(
                    f"{prefix}choice{position}",
                    values.get(f"choice{position}") == "1",
                    disabled,
                    links.html(scoring.text(prepared, prepared.answers[index].text)),
                )
                for position, index in enumerate(prepared.order)
            ),
        )
    if isinstance(prepared, choice.TrueFalse):
        return _fieldset(
            _("Choose one answer."),
            (
                _radio(prefix + "answer", value, values.get("answer") == value, disabled, label)
                for value, label in (
                    ("1", conditional_escape(_("True"))),
                    ("0", conditional_escape(_("False"))),
                )
            ),
        )
    if isinstance(prepared, typed.ShortAnswer):
        return _labelled(
            _("Answer:"), _text(prefix + "answer", values.get("answer", ""), disabled, _("Answer"))
        )
    if isinstance(prepared, typed.Numerical):
        field = _text(prefix + "answer", values.get("answer", ""), disabled, _("Answer"))
        if prepared.separate_unit:
            units = [(u.unit, u.unit) for u in prepared.options.units]
            field = format_html(
                "{} {}",
                field,
                _select(prefix + "unit", units, values.get("unit", ""), disabled, _("Unit")),
            )
        return _labelled(_("Answer:"), field)
    if isinstance(prepared, manual.Essay):
        if prepared.data.response_format == "noinline":
            return _NOTHING  # files only
        return format_html(
            '<p><label>{}<br><textarea name="{}" rows="{}" cols="60"{}>{}</textarea></label></p>',
            _("Your answer:"),
            prefix + "answer",
            max(3, min(prepared.data.response_lines, 30)),
            _attr(disabled, _DISABLED),
            values.get("answer", ""),
        )
    if isinstance(prepared, matching.Matching):
        options = [(str(i + 1), prepared.choices[c]) for i, c in enumerate(prepared.choice_order)]
        rows = format_html_join(
            "",
            '<tr><td class="prose">{}</td><td>{}</td></tr>',
            (
                (
                    links.html(prepared.stems[stem]),
                    _select(
                        f"{prefix}sub{position}",
                        options,
                        values.get(f"sub{position}", ""),
                        disabled,
                        text_of(prepared.stems[stem]),
                    ),
                )
                for position, stem in enumerate(prepared.stem_order)
            ),
        )
        return format_html('<table class="quiz-match"><tbody>{}</tbody></table>', rows)
    if isinstance(prepared, gaps.Gaps) and isinstance(question.data, bank.DragImageData):
        return _drop_zones(question.data, prepared, prefix, values, links, disabled=disabled)
    if isinstance(prepared, marker.Markers) and isinstance(question.data, bank.DragMarkerData):
        return _markers(question.data, prepared, prefix, values, links, disabled=disabled)
    return _NOTHING  # a description: nothing to answer


def _fieldset(legend: str, items: Iterator[SafeString]) -> SafeString:
    return format_html(
        '<fieldset class="quiz-answers"><legend>{}</legend>{}</fieldset>',
        legend,
        mark_safe("".join(items)),  # noqa: S308  (each item built by format_html)
    )


def _labelled(label: str, field: SafeString) -> SafeString:
    return format_html('<p class="quiz-field"><label>{} {}</label></p>', label, field)


def _group_texts(data: bank.GapData) -> dict[int, dict[int, str]]:
    texts: dict[int, dict[int, str]] = {}
    for item in data.choices:
        group = texts.setdefault(item.group, {})
        group[len(group) + 1] = item.text
    return texts


def _gap_text(
    data: bank.GapData,
    prepared: gaps.Gaps,
    text: str,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    texts = _group_texts(data)
    places = iter(prepared.places)
    html = str(links.html(text))

    def replace(match: re.Match[str]) -> str:
        index = int(match.group(1)) - 1
        if not 0 <= index < len(data.choices):
            return match.group(0)
        place = next(places, None)
        if place is None:
            return match.group(0)
        order = prepared.orders.get(place.group, ())
        options = [(str(i + 1), text_of(texts[place.group][item])) for i, item in enumerate(order)]
        return str(
            _select(
                f"{prefix}p{place.number}",
                options,
                values.get(f"p{place.number}", ""),
                disabled,
                _("Gap %(number)d") % {"number": place.number},
            )
        )

    return format_html(
        '<div class="prose quiz-text">{}</div>',
        mark_safe(_GAP.sub(replace, html)),  # noqa: S308  (sanitised text, built selects)
    )


def _background(ref: object, links: CourseLinks) -> SafeString:
    sha256, name = getattr(ref, "sha256", ""), getattr(ref, "filename", "")
    url = links.file_url(sha256, name) if sha256 else None
    if url is None:
        return _NOTHING
    return format_html(
        '<p><img src="{}" alt="{}" class="quiz-background"></p>', url, _("Background picture")
    )


def _drop_zones(
    data: bank.DragImageData,
    prepared: gaps.Gaps,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    """Dragging onto an image, answered from the keyboard: a list per drop zone."""
    drags = {(d.group, d.number): d.text for d in data.drags}
    labels = {d.number: d.label for d in data.drops}
    rows = []
    for place in prepared.places:
        order = prepared.orders.get(place.group, ())
        options = [(str(i + 1), drags.get((place.group, item), "")) for i, item in enumerate(order)]
        label = labels.get(place.number) or _("Zone %(number)d") % {"number": place.number}
        rows.append(
            (
                label,
                _select(
                    f"{prefix}p{place.number}",
                    options,
                    values.get(f"p{place.number}", ""),
                    disabled,
                    label,
                ),
            )
        )
    table = format_html_join("", "<tr><td>{}</td><td>{}</td></tr>", rows)
    return format_html(
        '{}<table class="quiz-match"><tbody>{}</tbody></table>',
        _background(data.background, links),
        table,
    )


def _markers(
    data: bank.DragMarkerData,
    prepared: marker.Markers,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    """Markers on an image, answered from the keyboard: each marker's points as "x,y",
    separated by ";" (pixels from the picture's top left corner)."""
    names = {m.number: m.label for m in data.markers}
    rows = format_html_join(
        "",
        "<tr><td>{}</td><td>{}</td></tr>",
        (
            (
                names.get(number, ""),
                _text(
                    f"{prefix}c{position}",
                    values.get(f"c{position}", ""),
                    disabled,
                    names.get(number, ""),
                    12,
                ),
            )
            for position, number in enumerate(prepared.order, start=1)
        ),
    )
    return format_html(
        '{}<p class="help">{}</p><table class="quiz-match"><tbody>{}</tbody></table>',
        _background(data.background, links),
        _(
            "Place each marker by its position on the picture, in pixels from its top left corner: x,y (several places separated by ;)."
        ),
        rows,
    )


def _cloze(
    question: bank.Question,
    prepared: cloze.Cloze,
    prefix: str,
    values: Mapping[str, str],
    links: CourseLinks,
    *,
    disabled: bool,
) -> SafeString:
    html = str(links.html(question.text))
    subs = question.data.subquestions if isinstance(question.data, bank.MultianswerData) else ()

    def replace(match: re.Match[str]) -> str:
        index = int(match.group(1))
        if not 1 <= index <= len(prepared.parts) or len(prepared.parts) != len(subs):
            return match.group(0)
        part = prepared.parts[index - 1]
        part_prefix = f"{prefix}sub{index}_"
        given = {
            k[len(f"sub{index}_") :]: v for k, v in values.items() if k.startswith(f"sub{index}_")
        }
        label = _("Part %(number)d") % {"number": index}
        if isinstance(part, choice.SingleChoice):
            options = [
                (str(pos), text_of(part.answers[i].text)) for pos, i in enumerate(part.order)
            ]
            return str(
                _select(part_prefix + "answer", options, given.get("answer", ""), disabled, label)
            )
        if isinstance(part, choice.MultipleChoice):
            return str(
                mark_safe(  # noqa: S308
                    "".join(
                        _box(
                            f"{part_prefix}choice{pos}",
                            given.get(f"choice{pos}") == "1",
                            disabled,
                            conditional_escape(text_of(part.answers[i].text)),
                        )
                        for pos, i in enumerate(part.order)
                    )
                )
            )
        if isinstance(part, typed.Numerical | typed.ShortAnswer):
            return str(_text(part_prefix + "answer", given.get("answer", ""), disabled, label, 12))
        return match.group(0)

    return format_html(
        '<div class="prose quiz-text">{}</div>',
        mark_safe(_CLOZE.sub(replace, html)),  # noqa: S308  (sanitised text, built inputs)
    )


# --- Describing responses ---------------------------------------------------------------------


def describe(prepared: scoring.Prepared, response: r.Response | None) -> str:
    """A response in words (the right answer, a learner's answer), as plain text."""
    if response is None:
        return ""
    if isinstance(prepared, choice.SingleChoice | choice.MultipleChoice):
        chosen: tuple[int, ...] = ()
        if isinstance(response, r.ChoiceResponse) and response.selected is not None:
            chosen = (response.selected,)
        elif isinstance(response, r.ChoicesResponse):
            chosen = response.selected
        return "; ".join(
            text_of(scoring.text(prepared, prepared.answers[i].text))
            for i in chosen
            if 0 <= i < len(prepared.answers)
        )
    if isinstance(response, r.TrueFalseResponse):
        return "" if response.value is None else (_("True") if response.value else _("False"))
    if isinstance(response, r.NumberResponse):
        return " ".join(part for part in (response.text, response.unit or "") if part)
    if isinstance(response, r.TextResponse):
        return response.text
    if isinstance(prepared, matching.Matching) and isinstance(response, r.MatchResponse):
        return "; ".join(
            f"{text_of(prepared.stems[i])} → {prepared.choices[c]}"
            for i, c in enumerate(response.choices)
            if c is not None and i < len(prepared.stems) and 0 <= c < len(prepared.choices)
        )
    if isinstance(prepared, cloze.Cloze) and isinstance(response, r.ClozeResponse):
        return "; ".join(
            describe(part, given) or "—"
            for part, given in zip(prepared.parts, response.parts, strict=False)
        )
    if isinstance(response, r.EssayResponse):
        return response.text
    if isinstance(response, r.GapResponse):
        return "; ".join("—" if item is None else str(item) for item in response.places)
    if isinstance(response, r.MarkerResponse):
        return "; ".join(
            " ".join(f"{p.x},{p.y}" for p in drops.points) for drops in response.markers
        )
    return ""


def _gap_words(
    question: bank.Question, prepared: scoring.Prepared, response: r.Response | None
) -> str:
    """Gaps: the words chosen, rather than their numbers."""
    if not isinstance(response, r.GapResponse) or not isinstance(prepared, gaps.Gaps):
        return describe(prepared, response)
    if isinstance(question.data, bank.GapData):
        texts = _group_texts(question.data)
        return "; ".join(
            "—" if item is None else text_of(texts.get(place.group, {}).get(item, ""))
            for place, item in zip(prepared.places, response.places, strict=False)
        )
    if isinstance(question.data, bank.DragImageData):
        drags = {(d.group, d.number): d.text for d in question.data.drags}
        return "; ".join(
            "—" if item is None else drags.get((place.group, item), "")
            for place, item in zip(prepared.places, response.places, strict=False)
        )
    return describe(prepared, response)


def answers_by_id(question: bank.Question) -> dict[int, bank.Answer]:
    """Every answer of the question (and of its cloze parts) by source id, for feedback."""
    found: dict[int, bank.Answer] = {}
    data = question.data
    if isinstance(data, bank.MultichoiceData | bank.ShortAnswerData):
        found.update((a.source_id, a) for a in data.answers)
    elif isinstance(data, bank.TrueFalseData):
        found.update((a.source_id, a) for a in (data.true_answer, data.false_answer))
    elif isinstance(data, bank.NumericalData | bank.CalculatedData):
        found.update((a.answer.source_id, a.answer) for a in data.answers)
    elif isinstance(data, bank.MultianswerData):
        for sub in data.subquestions:
            found.update(answers_by_id(sub))
    return found


# --- A question with its outcome --------------------------------------------------------------

_STATES = {
    "correct": "quiz-state--right",
    "partially_correct": "quiz-state--partial",
    "incorrect": "quiz-state--wrong",
}


_LABELS = {
    State.TODO: gettext_noop("Not answered yet"),
    State.INVALID: gettext_noop("Incomplete answer"),
    State.COMPLETE: gettext_noop("Answer saved"),
    State.NEEDS_GRADING: gettext_noop("Waiting for the teacher's grade"),
    State.FINISHED: gettext_noop("Finished"),
    State.GAVE_UP: gettext_noop("Not answered"),
    State.GRADED_WRONG: gettext_noop("Incorrect"),
    State.GRADED_PARTIAL: gettext_noop("Partially correct"),
    State.GRADED_RIGHT: gettext_noop("Correct"),
    State.MANUAL_FINISHED: gettext_noop("Finished"),
    State.MANUAL_GAVE_UP: gettext_noop("Not answered"),
    State.MANUAL_WRONG: gettext_noop("Incorrect"),
    State.MANUAL_PARTIAL: gettext_noop("Partially correct"),
    State.MANUAL_RIGHT: gettext_noop("Correct"),
}


def state_label(state: State) -> str:
    """The state in words (only the one shown is translated)."""
    return _(_LABELS[state])


def _number(value: float) -> str:
    """Two decimals in the reader's language ("0,50" in French)."""
    return number_format(value, 2)


def show(
    loaded: engine.Loaded,
    links: CourseLinks,
    options: quizzes.ReviewOptions,
    *,
    number: int | None,
    editable: bool,
    values: Mapping[str, str] | None = None,
    slot: int | None = None,
) -> Shown:
    """The question of ``loaded`` as a page shows it: inputs filled with the saved answer
    (``values``: what was just posted, when it must be shown again), and only what
    ``options`` (already adjusted to the question's state) allow of its outcome."""
    attempt, prepared, question = loaded.attempt, loaded.prepared, loaded.question
    response = attempt.response or prepared.empty()
    if attempt.try_again_pending or attempt.state.is_finished:
        editable = False  # checked: waiting for "Try again", or over
    posted = values
    if values is None:
        values = prepared.form_data(response)
    disabled = not editable
    item = Shown(
        slot=slot if slot is not None else loaded.slot,
        number=number,
        qtype=question.qtype,
        body=body(question, prepared, loaded.prefix, values, links, disabled=disabled),
        answered=prepared.is_gradable(response),
    )
    adjusted = quizzes.question_options(options, attempt, prepared)
    finished = attempt.state.is_finished
    if prepared.informational:
        return item
    state = attempt.state
    if adjusted.correctness or not state.is_graded:
        item.state = state_label(state)
    else:
        item.state = _("Answered")  # graded, but the options hide whether it is right
    if attempt.state.is_active and state is not State.INVALID:
        item.state = _("Answer saved") if item.answered else _("Not answered yet")
    gradable = prepared.is_gradable(response) and not prepared.manual
    grade = prepared.grade(response) if gradable else None
    if adjusted.correctness and grade is not None:
        key = combined_key(state) if state.is_finished else grade.combined
        item.state_class = _STATES.get(key, "")
    if adjusted.marks == "mark_and_max" and attempt.mark is not None:
        item.mark = _("Mark %(mark)s out of %(max)s") % {
            "mark": _number(attempt.mark),
            "max": _number(attempt.max_mark),
        }
    elif adjusted.marks != "hidden":
        item.mark = _("Marked out of %(max)s") % {"max": _number(attempt.max_mark)}
    if attempt.state is State.INVALID:
        item.problems = [shown(p.message) for p in prepared.problems(response)]
    if adjusted.specific_feedback and grade is not None:
        by_id = answers_by_id(question)
        for answer_id in grade.answers:
            found = by_id.get(answer_id)
            if found is not None and found.feedback:
                item.feedback.append(links.html(scoring.text(prepared, found.feedback)))
        combined = getattr(prepared.feedback, grade.combined, "") if grade.combined else ""
        if combined:
            item.feedback.append(links.html(combined))
    if adjusted.num_parts_correct and grade is not None:
        counted = prepared.parts_right(response)
        if counted is not None:
            item.feedback.append(
                format_html(
                    "<p>{}</p>",
                    _("You have %(right)d correct out of %(count)d.")
                    % {"right": counted[0], "count": counted[1]},
                )
            )
    if adjusted.general_feedback and question.general_feedback:
        item.general_feedback = links.html(scoring.text(prepared, question.general_feedback))
    if adjusted.right_answer:
        right = prepared.correct()
        if right is not None:
            item.right_answer = _gap_words(question, prepared, right)
    if adjusted.manual_comment and attempt.comment:
        item.comment = attempt.comment
    hint = scoring.applicable_hint(attempt, prepared)
    if hint is not None and hint.text:
        item.hint = links.html(hint.text)
    behaviour = attempt.behaviour
    if editable and not finished:
        item.can_check = behaviour.value in (
            "immediatefeedback",
            "immediatecbm",
            "interactive",
            "interactivecountback",
            "adaptive",
            "adaptivenopenalty",
        )
    item.can_try_again = attempt.try_again_pending and not finished and options.attempt
    if isinstance(prepared, manual.Essay):
        item.files = essay_files.listed(loaded, response, removable=editable)
        item.upload = essay_files.upload(prepared.data, loaded.prefix) if editable else None
    if certainty.uses_certainty(attempt):
        item.certainty = certainty.choices(attempt, loaded.prefix, disabled=disabled, posted=posted)
        item.certainty_notes = certainty.notes(
            attempt, marks_shown=adjusted.marks == "mark_and_max"
        )
        if state is State.INVALID and attempt.certainty is None and prepared.is_complete(response):
            item.problems.append(_("Please choose how certain you are."))
    return item


def your_answer(loaded: engine.Loaded) -> str:
    return _gap_words(loaded.question, loaded.prepared, loaded.attempt.response)
