"""Quizzes for tests: questions saved in a course's bank the way an import saves them, and a
quiz activity naming them in its slots (the importer's ``QuizContent``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from typing import Any

from cartable.catalog.models import Activity, Course, Question, QuestionCategory
from cartable.importers import questions as q
from cartable.importers.model import (
    QuizContent,
    QuizFeedback,
    QuizReview,
    QuizSection,
    QuizSlot,
    ReviewWhen,
)
from cartable.ingest.staging import question_fields
from tests.kinddata import as_json

ALWAYS = ReviewWhen(True, True, True, True)
NEVER = ReviewWhen(False, False, False, False)
AFTER = ReviewWhen(False, True, True, True)
# Moodle's defaults: nothing but the attempt during it, everything right after.
DEFAULT_REVIEW = QuizReview(
    attempt=ALWAYS,
    correctness=AFTER,
    marks=AFTER,
    max_marks=ALWAYS,
    specific_feedback=AFTER,
    general_feedback=AFTER,
    right_answer=AFTER,
    overall_feedback=AFTER,
)
NO_FEEDBACK = q.CombinedFeedback()


def answer(source_id: int, text: str, fraction: float, feedback: str = "") -> q.Answer:
    return q.Answer(source_id, text, fraction, feedback)


def capital(source_id: int = 101) -> q.Question:
    """Multiple choice, one answer: the capital of France."""
    return q.Question(
        source_id,
        1,
        "multichoice",
        "Capitale",
        "<p>Quelle est la capitale de la France ?</p>",
        "<p>Paris est la capitale depuis longtemps.</p>",
        1.0,
        0.3333333,
        q.MultichoiceData(
            single=True,
            shuffle=True,
            numbering="abc",
            answers=(
                answer(1, "Paris", 1.0, "<p>Oui.</p>"),
                answer(2, "Lyon", 0.0, "<p>Non, c'est Paris.</p>"),
                answer(3, "Marseille", 0.0),
            ),
            feedback=NO_FEEDBACK,
        ),
    )


def earth(source_id: int = 102) -> q.Question:
    """True or false: the Earth turns around the Sun (true)."""
    return q.Question(
        source_id,
        1,
        "truefalse",
        "Terre",
        "<p>La Terre tourne autour du Soleil.</p>",
        "",
        1.0,
        1.0,
        q.TrueFalseData(answer(4, "true", 1.0), answer(5, "false", 0.0)),
    )


def river(source_id: int = 103) -> q.Question:
    """Short answer: the longest river of France (Loire; "loire*" half marks)."""
    return q.Question(
        source_id,
        1,
        "shortanswer",
        "Fleuve",
        "<p>Quel est le plus long fleuve de France ?</p>",
        "",
        1.0,
        0.1,
        q.ShortAnswerData(
            case_sensitive=False,
            answers=(answer(6, "Loire", 1.0, "<p>Bien.</p>"), answer(7, "Seine", 0.5)),
        ),
    )


def sum_question(source_id: int = 104) -> q.Question:
    """Numerical: 2 + 2 (4, within 0)."""
    return q.Question(
        source_id,
        1,
        "numerical",
        "Somme",
        "<p>Combien font 2 + 2 ?</p>",
        "",
        1.0,
        0.1,
        q.NumericalData(
            answers=(q.NumericalAnswer(answer(8, "4", 1.0), 0.0),),
            units=q.UnitOptions(),
        ),
    )


def essay(source_id: int = 105) -> q.Question:
    return q.Question(
        source_id,
        1,
        "essay",
        "Rédaction",
        "<p>Racontez votre journée.</p>",
        "",
        1.0,
        0.0,
        q.EssayData("plain", True, 5, 0, 0, "", ""),
    )


def matching(source_id: int = 106) -> q.Question:
    return q.Question(
        source_id,
        1,
        "match",
        "Pays",
        "<p>Associez chaque pays à sa capitale.</p>",
        "",
        1.0,
        0.1,
        q.MatchData(
            shuffle=True,
            pairs=(
                q.MatchPair(1, "<p>France</p>", "Paris"),
                q.MatchPair(2, "<p>Italie</p>", "Rome"),
                q.MatchPair(3, "", "Berlin"),
            ),
            feedback=NO_FEEDBACK,
        ),
    )


MIXED = (capital, earth, river, sum_question, matching)


def save_questions(course: Course, *questions: q.Question) -> None:
    category, _ = QuestionCategory.objects.get_or_create(
        course=course, source_id=1, defaults={"name": "Défaut"}
    )
    for question in questions:
        Question.objects.update_or_create(
            course=course,
            source_id=question.source_id,
            defaults={"category": category, **question_fields(question)},
        )


def quiz_content(
    questions: tuple[q.Question, ...],
    *,
    per_page: int = 2,
    **settings: Any,
) -> QuizContent:
    slots = tuple(
        QuizSlot(
            slot=number,
            page=(number - 1) // per_page + 1,
            max_mark=question.default_mark,
            question_id=question.source_id,
        )
        for number, question in enumerate(questions, start=1)
    )
    content = QuizContent(
        attempts=0,
        time_limit=0,
        opens=None,
        closes=None,
        grading_method="highest",
        grade=10.0,
        sum_grades=sum(slot.max_mark for slot in slots),
        questions_per_page=per_page,
        navigation="free",
        shuffle_answers=True,
        preferred_behaviour="deferredfeedback",
        review=DEFAULT_REVIEW,
        sections=(QuizSection(1, "", False),),
        slots=slots,
        feedbacks=(
            QuizFeedback("<p>Bravo !</p>", 5.0, 11.0),
            QuizFeedback("<p>Revoyez le chapitre.</p>", 0.0, 5.0),
        ),
    )
    return replace(content, **settings)


def add_quiz(
    course: Course,
    questions: tuple[q.Question, ...] = (),
    *,
    title: str = "Quiz de géographie",
    completion: str = "answer",
    **settings: Any,
) -> Activity:
    """A quiz of ``course`` (visible, approved) over ``questions`` (saved in its bank)."""
    questions = questions or tuple(make() for make in MIXED)
    save_questions(course, *questions)
    section = course.sections.order_by("position").first()
    return Activity.objects.create(
        course=course,
        section=section,
        position=90,
        kind=Activity.Kind.QUIZ,
        review_status=Activity.Review.APPROVED,
        title=title,
        intro="<p>Un petit quiz.</p>",
        data=as_json(quiz_content(questions, **settings)),
        completion={"tracking": "automatic"} if completion == "answer" else {},
        completion_mode=completion,
    )


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def drop_on_image(source_id: int = 107) -> q.Question:
    """Drag and drop onto an image: two capitals onto two countries."""
    return q.Question(
        source_id,
        1,
        "ddimageortext",
        "Carte",
        "<p>Placez les capitales.</p>",
        "",
        1.0,
        0.1,
        q.DragImageData(
            background=None,
            drags=(q.DragItem(1, 1, False, "Paris"), q.DragItem(2, 1, False, "Rome")),
            drops=(q.DropZone(1, 10, 10, 1, "France"), q.DropZone(2, 60, 10, 2, "Italie")),
            shuffle=True,
            feedback=NO_FEEDBACK,
        ),
    )


def marker(source_id: int = 108) -> q.Question:
    """Drag markers: put "Paris" within a circle."""
    return q.Question(
        source_id,
        1,
        "ddmarker",
        "Repère",
        "<p>Placez Paris.</p>",
        "",
        1.0,
        0.1,
        q.DragMarkerData(
            background=None,
            markers=(q.Marker(1, "Paris", False, 1),),
            zones=(q.MarkerZone(1, "circle", "50,50;20", 1),),
            shuffle=False,
            show_misplaced=False,
            feedback=NO_FEEDBACK,
        ),
    )


def description(source_id: int = 109) -> q.Question:
    return q.Question(
        source_id,
        1,
        "description",
        "Consigne",
        "<p>Lisez bien.</p>",
        "",
        0.0,
        0.0,
        q.DescriptionData(),
    )
