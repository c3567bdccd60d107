"""Starting and preparing questions of every type the importer reads.

``start`` decides what an attempt fixes once (answer order, calculated variant, drawn
subquestions) as a ``Layout``; ``prepare`` joins a question and its layout into a ``Prepared``
question that parses, checks and grades responses. Both are pure and seeded: the same
question, context and seed give the same layout.
"""

from __future__ import annotations

import math

from cartable.importers.questions import (
    CalculatedData,
    DescriptionData,
    DragImageData,
    DragMarkerData,
    EssayData,
    GapData,
    MatchData,
    MultianswerData,
    MultichoiceData,
    NumericalData,
    Question,
    QuestionBank,
    RandomData,
    RandomShortAnswerMatchData,
    ShortAnswerData,
    TrueFalseData,
)

from . import formula, seeding
from .choice import MultipleChoice, SingleChoice, TrueFalse
from .cloze import Cloze
from .core import Prepared, StartContext, State, graded_state
from .draw import categories
from .gaps import MSG_EACH_ZONE, Gaps, Place, group_items, text_places
from .layouts import (
    ChoiceLayout,
    ClozeLayout,
    DrawnMatchLayout,
    DrawnStem,
    GroupOrder,
    GroupsLayout,
    Layout,
    MatchLayout,
    NoLayout,
    NumberLayout,
    PartLayout,
    Variable,
    VariantLayout,
)
from .manual import Description, Essay
from .marker import Markers
from .matching import Matching
from .numbers import parse_answer
from .typed import Numerical, ShortAnswer, Target

CALCULATED = frozenset({"calculated", "calculatedsimple", "calculatedmulti"})


class UnsupportedQuestion(ValueError):
    """A question this package cannot prepare: a random question not yet drawn, or a type
    the importer does not read."""


def _order(count: int, shuffle: bool, *seed: object) -> tuple[int, ...]:
    indexes = tuple(range(count))
    return seeding.shuffled(indexes, *seed) if shuffle else indexes


def start(question: Question, context: StartContext) -> Layout:
    """What an attempt fixes for ``question``; the same arguments give the same layout."""
    data = question.data
    seed = (context.seed, question.source_id)
    shuffle = context.shuffle_answers
    if isinstance(data, MultichoiceData):
        return ChoiceLayout(_order(len(data.answers), data.shuffle and shuffle, *seed, "answers"))
    if isinstance(data, NumericalData):
        return NumberLayout(context.decimal_point, context.thousands_separator)
    if isinstance(data, CalculatedData):
        variant, values = _variant(question, data, context)
        order: tuple[int, ...] = ()
        if question.qtype == "calculatedmulti":
            order = _order(len(data.answers), data.shuffle and shuffle, *seed, "answers")
        return VariantLayout(
            variant, values, context.decimal_point, context.thousands_separator, order
        )
    if isinstance(data, MatchData):
        stems, choices, _ = _match_stems(data)
        return MatchLayout(
            _order(len(stems), data.shuffle and shuffle, *seed, "stems"),
            _order(len(choices), True, *seed, "choices"),
        )
    if isinstance(data, RandomShortAnswerMatchData):
        return _draw_stems(question, data, context)
    if isinstance(data, GapData):
        return _groups(group_items(data), data.shuffle and shuffle, seed)
    if isinstance(data, DragImageData):
        return _groups(_drag_items(data), data.shuffle and shuffle, seed)
    if isinstance(data, DragMarkerData):
        numbers = tuple(marker.number for marker in data.markers)
        return _groups({1: numbers}, data.shuffle and shuffle, seed)
    if isinstance(data, MultianswerData):
        return ClozeLayout(tuple(_part_layout(sub, context) for sub in data.subquestions))
    return NoLayout()


def _groups(
    items: dict[int, tuple[int, ...]], shuffle: bool, seed: tuple[object, ...]
) -> GroupsLayout:
    return GroupsLayout(
        tuple(
            GroupOrder(group, seeding.shuffled(found, *seed, "group", group) if shuffle else found)
            for group, found in sorted(items.items())
        )
    )


def _part_layout(sub: Question, context: StartContext) -> PartLayout:
    data = sub.data
    if isinstance(data, MultichoiceData):
        return ChoiceLayout(_order(len(data.answers), data.shuffle, context.seed, sub.source_id))
    if isinstance(data, NumericalData):
        return NumberLayout(context.decimal_point, context.thousands_separator)
    return NoLayout()


def _variant(
    question: Question, data: CalculatedData, context: StartContext
) -> tuple[int, tuple[Variable, ...]]:
    """The dataset item drawn (Moodle's variant) and the variables' values for it. Items are
    those every dataset has; synchronised shared datasets draw the same item for every
    question of the category."""
    if not data.datasets:
        return 1, ()
    numbers = set.intersection(*({item.number for item in ds.items} for ds in data.datasets))
    common = sorted(numbers)
    if not common:
        return 0, ()
    shared = data.synchronize and any(ds.kind == "shared" for ds in data.datasets)
    seed = (
        f"category{question.category_id}"
        if shared
        else (question.stamp or f"question{question.source_id}")
    )
    variant = common[
        seeding.choose_variant(len(common), seed, context.user, context.attempt_number) - 1
    ]
    values = tuple(
        Variable(ds.name, next(item.value for item in ds.items if item.number == variant))
        for ds in data.datasets
    )
    return variant, values


def _match_stems(data: MatchData) -> tuple[tuple[str, ...], tuple[str, ...], tuple[int, ...]]:
    """Stems (subquestions with a text), choices (distinct answers, in order, distractors
    included) and the right choice of each stem, as Moodle builds them."""
    choices: list[str] = []
    stems: list[str] = []
    right: list[int] = []
    for pair in data.pairs:
        if pair.answer not in choices:
            choices.append(pair.answer)
        if pair.question != "":
            stems.append(pair.question)
            right.append(choices.index(pair.answer))
    return tuple(stems), tuple(choices), tuple(right)


def _draw_stems(
    question: Question, data: RandomShortAnswerMatchData, context: StartContext
) -> DrawnMatchLayout:
    """Random short-answer matching: ``choose`` short-answer questions drawn from the
    question's category; each gives its text as a stem and its first right answer as the
    stem's choice (``find_right_answer``)."""
    bank = context.bank or QuestionBank()
    wanted = categories(bank, question.category_id, data.subcategories)
    pool = sorted(
        (
            q
            for q in bank.questions
            if q.qtype == "shortanswer"
            and q.category_id in wanted
            and q.status == "ready"
            and q.parent_id is None
            and isinstance(q.data, ShortAnswerData)
        ),
        key=lambda q: q.source_id,
    )
    rng = seeding.rng(context.seed, question.source_id, "draw")
    drawn = rng.sample(pool, min(max(data.choose, 0), len(pool)))
    choices: list[str] = []
    stems: list[DrawnStem] = []
    for sa in drawn:
        assert isinstance(sa.data, ShortAnswerData)
        right = next(
            (a.text for a in sa.data.answers if graded_state(a.fraction) is not State.GRADED_WRONG),
            None,
        )
        if right is None:
            continue
        if right not in choices:
            choices.append(right)
        stems.append(DrawnStem(sa.source_id, sa.text, choices.index(right)))
    return DrawnMatchLayout(
        tuple(stems),
        tuple(choices),
        tuple(range(len(stems))),
        _order(len(choices), True, context.seed, question.source_id, "choices"),
    )


def _drag_items(data: DragImageData) -> dict[int, tuple[int, ...]]:
    items: dict[int, list[int]] = {}
    for drag in data.drags:
        items.setdefault(drag.group, []).append(drag.number)
    return {group: tuple(found) for group, found in items.items()}


def _orders(layout: Layout) -> dict[int, tuple[int, ...]]:
    if isinstance(layout, GroupsLayout):
        return {group.group: group.order for group in layout.groups}
    return {}


def _targets(data: NumericalData) -> tuple[Target, ...]:
    default = next((u.unit for u in data.units.units if abs(u.multiplier - 1) < 1e-14), "")
    return tuple(
        Target(
            a.answer,
            None if a.answer.text.strip() == "*" else parse_answer(a.answer.text, default),
            a.tolerance,
            2,
            any=a.answer.text.strip() == "*",
        )
        for a in data.answers
    )


def _computed(data: CalculatedData, values: dict[str, float]) -> tuple[Target, ...]:
    targets = []
    for a in data.answers:
        text = a.answer.text.strip()
        value: float | None = None
        if text and text != "*":
            try:
                value = formula.evaluate(text, values)
            except formula.FormulaError:
                value = None
            if value is not None and not math.isfinite(value):
                value = None
        targets.append(
            Target(
                a.answer,
                value,
                a.tolerance,
                a.tolerance_type,
                any=text == "*",
                length=a.correct_answer_length,
                form=a.correct_answer_format,
            )
        )
    return tuple(targets)


def prepare(question: Question, layout: Layout) -> Prepared:
    """``question`` with its attempt ``layout``, ready to take responses. A layout that does
    not fit (the question changed since) is completed as best it can be."""
    data = question.data
    penalty, hints = question.penalty, question.hints
    if isinstance(data, MultichoiceData):
        order = layout.order if isinstance(layout, ChoiceLayout) else ()
        kind = SingleChoice if data.single else MultipleChoice
        return kind(
            question.qtype,
            data.answers,
            order,
            penalty=penalty,
            hints=hints,
            feedback=data.feedback,
        )
    if isinstance(data, TrueFalseData):
        return TrueFalse(data, penalty=penalty, hints=hints)
    if isinstance(data, ShortAnswerData):
        return ShortAnswer(
            data.answers, data.case_sensitive, qtype=question.qtype, penalty=penalty, hints=hints
        )
    if isinstance(data, NumericalData):
        point, separator = _separators(layout)
        return Numerical(
            question.qtype,
            _targets(data),
            data.units,
            decimal_point=point,
            thousands_separator=separator,
            penalty=penalty,
            hints=hints,
        )
    if isinstance(data, CalculatedData):
        return _calculated(question, data, layout)
    if isinstance(data, MatchData):
        stems, choices, right = _match_stems(data)
        orders = layout if isinstance(layout, MatchLayout) else MatchLayout((), ())
        return Matching(
            "match",
            stems,
            choices,
            right,
            orders.stem_order,
            orders.choice_order,
            penalty=penalty,
            hints=hints,
            feedback=data.feedback,
        )
    if isinstance(data, RandomShortAnswerMatchData):
        drawn = layout if isinstance(layout, DrawnMatchLayout) else DrawnMatchLayout((), (), (), ())
        kept = [stem for stem in drawn.stems if 0 <= stem.right < len(drawn.choices)]
        return Matching(
            "randomsamatch",
            tuple(stem.text for stem in kept),
            drawn.choices,
            tuple(stem.right for stem in kept),
            drawn.stem_order,
            drawn.choice_order,
            penalty=penalty,
            hints=hints,
            feedback=data.feedback,
        )
    if isinstance(data, GapData):
        return Gaps(
            question.qtype,
            text_places(question.text, data),
            group_items(data),
            _orders(layout),
            penalty=penalty,
            hints=hints,
            feedback=data.feedback,
        )
    if isinstance(data, DragImageData):
        groups = {drag.number: drag.group for drag in data.drags}
        places = tuple(
            Place(drop.number, groups[drop.choice], drop.choice)
            for drop in data.drops
            if drop.choice in groups
        )
        return Gaps(
            "ddimageortext",
            places,
            _drag_items(data),
            _orders(layout),
            message=MSG_EACH_ZONE,
            penalty=penalty,
            hints=hints,
            feedback=data.feedback,
        )
    if isinstance(data, DragMarkerData):
        return Markers(data, _orders(layout).get(1, ()), penalty=penalty, hints=hints)
    if isinstance(data, MultianswerData):
        layouts = layout.parts if isinstance(layout, ClozeLayout) else ()
        parts: list[Prepared] = []
        weights: list[float] = []
        for index, sub in enumerate(data.subquestions):
            part = _cloze_part(sub, layouts[index] if index < len(layouts) else NoLayout())
            if part is not None:
                parts.append(part)
                weights.append(max(sub.default_mark, 0.0))
        return Cloze(tuple(parts), tuple(weights), penalty=penalty, hints=hints)
    if isinstance(data, EssayData):
        return Essay(data, penalty=penalty)
    if isinstance(data, DescriptionData):
        return Description()
    if isinstance(data, RandomData):
        raise UnsupportedQuestion("a random question is drawn before it is started")
    raise UnsupportedQuestion(f"no scoring for {question.qtype!r}")  # pragma: no cover


def _separators(layout: Layout | PartLayout) -> tuple[str, str]:
    if isinstance(layout, NumberLayout | VariantLayout):
        return layout.decimal_point, layout.thousands_separator
    return ".", ","


def _calculated(question: Question, data: CalculatedData, layout: Layout) -> Prepared:
    variant = layout if isinstance(layout, VariantLayout) else VariantLayout(0, ())
    values = {v.name: v.value for v in variant.values}
    prepared: Prepared
    if question.qtype == "calculatedmulti":
        answers = tuple(a.answer for a in data.answers)
        kind = SingleChoice if data.single else MultipleChoice
        prepared = kind(
            question.qtype,
            answers,
            variant.order,
            penalty=question.penalty,
            hints=question.hints,
            feedback=data.feedback,
        )
    else:
        prepared = Numerical(
            question.qtype,
            _computed(data, values),
            data.units,
            decimal_point=variant.decimal_point,
            thousands_separator=variant.thousands_separator,
            penalty=question.penalty,
            hints=question.hints,
        )
    prepared.variables = variant.values
    prepared.decimal_point = variant.decimal_point
    return prepared


def _cloze_part(sub: Question, layout: PartLayout) -> Prepared | None:
    data = sub.data
    if isinstance(data, MultichoiceData):
        order = layout.order if isinstance(layout, ChoiceLayout) else ()
        kind = SingleChoice if data.single else MultipleChoice
        return kind(sub.qtype, data.answers, order)
    if isinstance(data, ShortAnswerData):
        return ShortAnswer(data.answers, data.case_sensitive)
    if isinstance(data, NumericalData):
        point, separator = _separators(layout)
        return Numerical(
            sub.qtype,
            _targets(data),
            data.units,
            decimal_point=point,
            thousands_separator=separator,
        )
    return None


def text(
    prepared: Prepared, source: str, length: int | None = None, form: int | None = None
) -> str:
    """A text of a calculated question with its variables and formulas replaced by the
    variant's values (other questions' texts come back unchanged)."""
    if not prepared.variables:
        return source
    values = {v.name: v.value for v in prepared.variables}
    return formula.substitute(source, values, prepared.decimal_point, length, form)
