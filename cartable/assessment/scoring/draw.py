"""Random questions: which question of a category a random slot shows in an attempt
(``core_question\\local\\bank\\random_question_loader``). Pure and seeded: the same bank,
slot, history and seed draw the same question."""

from __future__ import annotations

from collections.abc import Collection, Mapping

from cartable.importers.questions import Question, QuestionBank

from . import seeding

# Types a random question never draws (their is_usable_by_random() is false in Moodle).
NOT_DRAWN = frozenset({"random", "randomsamatch", "description"})


def categories(bank: QuestionBank, category: int, include_subcategories: bool) -> frozenset[int]:
    """The category and, when asked, every category below it."""
    found = {category}
    if include_subcategories:
        children: dict[int, list[int]] = {}
        for cat in bank.categories:
            if cat.parent_id is not None and cat.parent_id != cat.source_id:
                children.setdefault(cat.parent_id, []).append(cat.source_id)
        todo = [category]
        while todo:
            for child in children.get(todo.pop(), []):
                if child not in found:
                    found.add(child)
                    todo.append(child)
    return frozenset(found)


def candidates(
    bank: QuestionBank, category: int, include_subcategories: bool
) -> tuple[Question, ...]:
    """The questions a random slot may draw: ready, not a part of another question, of a type
    that can be drawn, the latest version of each question, in the categories."""
    wanted = categories(bank, category, include_subcategories)
    latest: dict[object, Question] = {}
    for question in bank.questions:
        if (
            question.category_id not in wanted
            or question.status != "ready"
            or question.parent_id is not None
            or question.qtype in NOT_DRAWN
        ):
            continue
        key: object = (
            question.bank_entry_id
            if question.bank_entry_id is not None
            else ("q", question.source_id)
        )
        kept = latest.get(key)
        if kept is None or (question.version or 0) > (kept.version or 0):
            latest[key] = question
    return tuple(sorted(latest.values(), key=lambda q: q.source_id))


def draw(
    bank: QuestionBank,
    category: int,
    include_subcategories: bool,
    *,
    used: Collection[int] = (),
    previous_uses: Mapping[int, int] | None = None,
    seed: str,
) -> Question | None:
    """One question for a random slot: never one already in this attempt (``used``), and
    among the others one of those the learner met least often in earlier attempts
    (``previous_uses``: question id -> times), chosen with ``seed``. None when the category
    has nothing left to draw."""
    uses = previous_uses or {}
    pool = [q for q in candidates(bank, category, include_subcategories) if q.source_id not in used]
    if not pool:
        return None
    fewest = min(uses.get(q.source_id, 0) for q in pool)
    least = [q for q in pool if uses.get(q.source_id, 0) == fewest]
    return seeding.rng(seed, "draw", category, include_subcategories).choice(least)
