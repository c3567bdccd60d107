"""quiz.xml: settings, review options, sections and slots (fixed or random) of every Moodle era.

Slots point at questions by the backup's ids: Moodle 2.7-3.x by question id, Moodle 4+ by
question bank entry and version (``question_reference``) or by a filter for random questions
(``question_set_reference``). Before 2.7 a ``questions`` layout string lists them. The loader
resolves bank entries to question ids once the question bank is read.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from xml.etree.ElementTree import Element

from cartable.importers import model
from cartable.importers.moodle import mxml
from cartable.importers.moodle.activities import ActivityRead, People

_GRADING: dict[int, model.GradingMethod] = {1: "highest", 2: "average", 3: "first", 4: "last"}


def review_when(mask: int) -> model.ReviewWhen:
    return model.ReviewWhen(
        during=bool(mask & 0x10000),
        immediately_after=bool(mask & 0x01000),
        later_while_open=bool(mask & 0x00100),
        after_close=bool(mask & 0x00010),
    )


def _review(element: Element) -> model.QuizReview:
    def field(name: str) -> model.ReviewWhen:
        value = mxml.opt_int(element, f"review{name}")
        if value is None and name == "maxmarks":  # before Moodle 4.3: shown with the marks
            value = mxml.integer(element, "reviewmarks")
        return review_when(value or 0)

    return model.QuizReview(
        attempt=field("attempt"),
        correctness=field("correctness"),
        marks=field("marks"),
        max_marks=field("maxmarks"),
        specific_feedback=field("specificfeedback"),
        general_feedback=field("generalfeedback"),
        right_answer=field("rightanswer"),
        overall_feedback=field("overallfeedback"),
    )


def random_filter(raw: model.JsonValue) -> model.RandomSlot:
    """A random slot from a Moodle 4 ``filtercondition`` (4.0-4.2 and 4.3+ shapes)."""
    category: int | None = None
    subcategories = False
    tags: list[str] = []
    if isinstance(raw, dict):
        flt = raw.get("filter")
        if isinstance(flt, dict):
            cat = flt.get("category")
            if isinstance(cat, dict):
                values = cat.get("values")
                if isinstance(values, list) and values:
                    category = _as_int(values[0])
                options = cat.get("filteroptions")
                if isinstance(options, dict):
                    subcategories = _as_bool(options.get("includesubcategories"))
            qtags = flt.get("qtagids")
            if isinstance(qtags, dict) and isinstance(qtags.get("values"), list):
                tags = [str(v) for v in qtags["values"]]  # type: ignore[union-attr]
        if category is None:
            category = _as_int(raw.get("questioncategoryid"))
            if category is None and isinstance(raw.get("cat"), str):
                category = _as_int(str(raw["cat"]).partition(",")[0])
            subcategories = _as_bool(raw.get("includingsubcategories"))
        if not tags and isinstance(raw.get("tags"), list):
            tags = [str(v) for v in raw["tags"]]  # type: ignore[union-attr]
    return model.RandomSlot(
        category_id=category,
        include_subcategories=subcategories,
        filter_condition=raw,
        tags=tuple(tags),
    )


def _as_int(value: model.JsonValue) -> int | None:
    try:
        return int(str(value)) if value is not None and str(value).strip() else None
    except ValueError:
        return None


def _as_bool(value: model.JsonValue) -> bool:
    return value not in (None, False, 0, "0", "", "false")


def _slot(row: Element) -> model.QuizSlot:
    slot = model.QuizSlot(
        slot=mxml.integer(row, "slot"),
        page=mxml.integer(row, "page", 1),
        max_mark=mxml.number(row, "maxmark", mxml.number(row, "grade", 1.0)),
        question_id=mxml.opt_int(row, "questionid") or mxml.opt_int(row, "question"),
        require_previous=mxml.flag(row, "requireprevious"),
    )
    reference = row.find("question_reference")
    if reference is not None:  # Moodle 4+: a bank entry, at a version or the latest
        return replace(
            slot,
            question_bank_entry_id=mxml.opt_int(reference, "questionbankentryid"),
            version=mxml.opt_int(reference, "version"),
        )
    set_reference = row.find("question_set_reference")
    if set_reference is not None:  # Moodle 4+: a random question drawn by a filter
        condition = mxml.json_value(mxml.opt_text(set_reference, "filtercondition"))
        return replace(slot, random=random_filter(condition))
    category = mxml.opt_int(row, "questioncategoryid")
    if category:  # Moodle 3.7-3.11 random slots
        random = model.RandomSlot(
            category_id=category,
            include_subcategories=mxml.flag(row, "includingsubcategories"),
            tags=tuple(mxml.text(t, "tagname") for t in mxml.rows(row, "tags/tag")),
        )
        return replace(slot, random=random)
    return slot


def _slots(element: Element) -> tuple[model.QuizSlot, ...]:
    rows = mxml.rows(element, "question_instances/question_instance")
    slots = [_slot(row) for row in rows]
    layout = mxml.text(element, "questions")
    if layout and slots and all(s.slot == 0 for s in slots):  # before Moodle 2.7
        by_question = {s.question_id: s for s in slots}
        ordered, page, number = [], 1, 0
        for item in layout.split(","):
            qid = int(item) if item.strip().isascii() and item.strip().isdigit() else 0
            if qid == 0:
                page += 1
                continue
            number += 1
            base = by_question.get(qid)
            mark = base.max_mark if base else 1.0
            ordered.append(model.QuizSlot(slot=number, page=page, max_mark=mark, question_id=qid))
        return tuple(ordered)
    return tuple(sorted(slots, key=lambda s: s.slot))


def read(r: ActivityRead) -> model.QuizContent:
    element = r.element
    sections = tuple(
        model.QuizSection(
            first_slot=mxml.integer(row, "firstslot", 1),
            heading=mxml.text(row, "heading"),
            shuffle_questions=mxml.flag(row, "shufflequestions"),
        )
        for row in mxml.rows(element, "sections/section")
    ) or (
        model.QuizSection(
            first_slot=1, heading="", shuffle_questions=mxml.flag(element, "shufflequestions")
        ),
    )
    feedbacks = tuple(
        model.QuizFeedback(
            text=r.html("feedbacktext", "feedback", mxml.attr_int(row, "id"), row),
            min_grade=mxml.number(row, "mingrade"),
            max_grade=mxml.number(row, "maxgrade"),
        )
        for row in mxml.rows(element, "feedbacks/feedback")
    )
    attempts = mxml.opt_int(element, "attempts_number")
    if attempts is None:
        attempts = mxml.integer(element, "attempts")
    return model.QuizContent(
        attempts=attempts,
        time_limit=mxml.integer(element, "timelimit"),
        opens=mxml.when(element, "timeopen"),
        closes=mxml.when(element, "timeclose"),
        grading_method=_GRADING.get(mxml.integer(element, "grademethod", 1), "highest"),
        grade=mxml.number(element, "grade", 10.0),
        sum_grades=mxml.number(element, "sumgrades"),
        questions_per_page=mxml.integer(element, "questionsperpage"),
        navigation=mxml.text(element, "navmethod", "free"),
        shuffle_answers=mxml.flag(element, "shuffleanswers", True),
        preferred_behaviour=mxml.text(element, "preferredbehaviour", "deferredfeedback"),
        review=_review(element),
        sections=sections,
        slots=_slots(element),
        feedbacks=feedbacks,
        password_protected=bool(mxml.text(element, "password")),
        password=mxml.text(element, "password"),
        overrides=overrides(element, r.people),
    )


def _moment(row: Element, tag: str) -> tuple[datetime | None, bool]:
    """An override's date: (the date, lifted): NULL is the quiz's, 0 none (Moodle)."""
    value = mxml.opt_int(row, tag)
    if value is None:
        return None, False
    if value <= 0:
        return None, True
    return mxml.from_timestamp(value), False


def overrides(element: Element, people: People) -> tuple[model.QuizOverride, ...]:
    """quiz_overrides rows, their learner named by username and their group by name (as the
    backup's users.xml and groups.xml give them); a row naming neither, or someone the backup
    does not hold, is left out."""
    found: list[model.QuizOverride] = []
    for row in mxml.rows(element, "overrides/override"):
        user_id, group_id = mxml.opt_int(row, "userid"), mxml.opt_int(row, "groupid")
        user = people.users.get(user_id, "") if user_id else ""
        group = people.groups.get(group_id, "") if group_id and not user_id else ""
        if not user and not group:
            continue
        opens, open_any_time = _moment(row, "timeopen")
        closes, never_closes = _moment(row, "timeclose")
        limit, attempts = mxml.opt_int(row, "timelimit"), mxml.opt_int(row, "attempts")
        found.append(
            model.QuizOverride(
                user=user,
                group=group,
                opens=opens,
                closes=closes,
                time_limit=max(limit, 0) if limit is not None else None,
                attempts=max(attempts, 0) if attempts is not None else None,
                password=mxml.opt_text(row, "password"),
                open_any_time=open_any_time,
                never_closes=never_closes,
            )
        )
    return tuple(found)
