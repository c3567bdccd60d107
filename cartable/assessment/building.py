"""Quizzes built on the box by a course's teachers or staff, from the course's question bank.

A quiz built here is an ordinary activity of kind quiz whose data is the importer's
``QuizContent``, so attempts, grading, reviews and the gradebook treat it as an imported one.
This module turns a teacher's choices into that ``QuizContent`` (and back, to edit it) and says
which bank questions may go in one; ``actions.create_quiz`` and ``actions.update_quiz`` write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from django.db.models import QuerySet

from cartable.catalog.models import MADE_ON_BOX, Activity, Course
from cartable.catalog.models import Question as QuestionRow
from cartable.importers.model import (
    GradingMethod,
    QuizContent,
    QuizReview,
    QuizSection,
    QuizSlot,
    ReviewWhen,
)

BEHAVIOURS = ("deferredfeedback", "immediatefeedback", "interactive", "adaptive")
GRADING_METHODS: tuple[GradingMethod, ...] = ("highest", "average", "first", "last")
# The question types the scoring grades (``scoring.questions.prepare``); a random slot is made
# by an import, not here.
USABLE_QTYPES = frozenset(
    {
        "multichoice",
        "truefalse",
        "shortanswer",
        "numerical",
        "calculated",
        "calculatedsimple",
        "calculatedmulti",
        "match",
        "randomsamatch",
        "multianswer",
        "gapselect",
        "ddwtos",
        "ddimageortext",
        "ddmarker",
        "description",
        "essay",
    }
)
REVIEW_FIELDS = (
    "attempt",
    "correctness",
    "max_marks",
    "marks",
    "specific_feedback",
    "general_feedback",
    "right_answer",
    "overall_feedback",
)
MOMENTS = ("during", "immediately_after", "later_while_open", "after_close")

_ALL = ReviewWhen(True, True, True, True)
# Moodle's defaults for a new quiz (mod/quiz/settings.php over review_setting::all_on()):
# everything at every moment, except the overall feedback during the attempt.
DEFAULT_REVIEW = QuizReview(
    attempt=_ALL,
    correctness=_ALL,
    max_marks=_ALL,
    marks=_ALL,
    specific_feedback=_ALL,
    general_feedback=_ALL,
    right_answer=_ALL,
    overall_feedback=ReviewWhen(False, True, True, True),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """What the teacher chooses for a quiz, besides its title, description and section."""

    questions: tuple[int, ...]  # bank questions' source ids, in order
    questions_per_page: int = 1  # 0: all on one page
    time_limit: int = 0  # seconds, 0: none
    attempts: int = 0  # 0: unlimited
    grading_method: GradingMethod = "highest"
    grade: float = 10.0
    opens: datetime | None = None
    closes: datetime | None = None
    behaviour: str = "deferredfeedback"
    shuffle_questions: bool = False
    shuffle_answers: bool = True
    review: QuizReview = DEFAULT_REVIEW
    # Each chosen question's mark in this quiz (Moodle's slot "maximum mark"), by its source
    # id; a question left out takes its bank's default mark.
    marks: tuple[tuple[int, float], ...] = ()

    def mark_of(self, source_id: int) -> float | None:
        return dict(self.marks).get(source_id)


def usable_questions(course: Course) -> QuerySet[QuestionRow]:
    """The bank questions a quiz built on the box may hold: current (not retired by an
    import), ready (not hidden or a draft in Moodle) and of a type the box grades."""
    return (
        QuestionRow.objects.filter(
            course=course, retired_at__isnull=True, status="ready", qtype__in=USABLE_QTYPES
        )
        .select_related("category")
        .order_by("category__position", "category__name", "name", "pk")
    )


def content(settings: Settings, marks: Sequence[float]) -> QuizContent:
    """The quiz's settings as the importer stores them; ``marks``: each question's mark."""
    per_page = settings.questions_per_page
    slots = tuple(
        QuizSlot(
            slot=number,
            page=(number - 1) // per_page + 1 if per_page > 0 else 1,
            max_mark=mark,
            question_id=source_id,
        )
        for number, (source_id, mark) in enumerate(
            zip(settings.questions, marks, strict=True), start=1
        )
    )
    return QuizContent(
        attempts=settings.attempts,
        time_limit=settings.time_limit,
        opens=settings.opens,
        closes=settings.closes,
        grading_method=settings.grading_method,
        grade=settings.grade,
        sum_grades=sum(marks),
        questions_per_page=per_page,
        navigation="free",
        shuffle_answers=settings.shuffle_answers,
        preferred_behaviour=settings.behaviour,
        review=settings.review,
        sections=(QuizSection(1, "", settings.shuffle_questions),),
        slots=slots,
        feedbacks=(),
    )


def settings_from(quiz: QuizContent) -> Settings:
    """The teacher's choices back from a quiz's settings (to edit it)."""
    return Settings(
        questions=tuple(s.question_id for s in quiz.slots if s.question_id is not None),
        questions_per_page=quiz.questions_per_page,
        time_limit=quiz.time_limit,
        attempts=quiz.attempts,
        grading_method=quiz.grading_method,
        grade=quiz.grade,
        opens=quiz.opens,
        closes=quiz.closes,
        behaviour=quiz.preferred_behaviour,
        shuffle_questions=any(s.shuffle_questions for s in quiz.sections),
        shuffle_answers=quiz.shuffle_answers,
        review=quiz.review,
    )


def marks_of(quiz: QuizContent) -> dict[int, float]:
    """Each question's mark in a quiz (to show them when editing it)."""
    return {s.question_id: s.max_mark for s in quiz.slots if s.question_id is not None}


def with_times(quiz: QuizContent, settings: Settings) -> QuizContent:
    """What may still change once learners have started attempts: the dates, the time limit
    and the number of attempts (Moodle allows the same); the questions and how they are
    graded stay as the attempts took them."""
    return replace(
        quiz,
        opens=settings.opens,
        closes=settings.closes,
        time_limit=settings.time_limit,
        attempts=settings.attempts,
    )


def made_on_box(activity: Activity) -> bool:
    return activity.kind == Activity.Kind.QUIZ and activity.source_key.startswith(MADE_ON_BOX)
