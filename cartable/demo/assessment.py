"""What the demo course asks of its learners: a short quiz, an assignment (their own letter) and
a choice, written by the Cartable project for this box (French, CC BY 4.0), in the importer's
typed data so that they behave as imported ones do."""

from __future__ import annotations

from typing import Any

from cartable.importers import questions as q
from cartable.importers.jsonable import to_json
from cartable.importers.model import (
    AssignContent,
    ChoiceContent,
    ChoiceOption,
    QuizContent,
    QuizFeedback,
    QuizReview,
    QuizSection,
    QuizSlot,
    ReviewWhen,
)

SECTION: dict[str, str] = {
    "title": "À vous",
    "summary": "<p>Vérifiez ce que vous avez retenu, puis écrivez votre propre lettre.</p>",
}

_FEEDBACK = q.CombinedFeedback()
_ALWAYS = ReviewWhen(True, True, True, True)
_AFTER = ReviewWhen(False, True, True, True)


def _answer(source_id: int, text: str, fraction: float, feedback: str = "") -> q.Answer:
    return q.Answer(source_id, text, fraction, feedback)


QUESTIONS: tuple[q.Question, ...] = (
    q.Question(
        9001,
        1,
        "truefalse",
        "Une page",
        "<p>Une lettre de motivation tient sur une page.</p>",
        "<p>Une page suffit : le lecteur a peu de temps.</p>",
        1.0,
        1.0,
        q.TrueFalseData(
            _answer(90011, "true", 1.0, "<p>Oui, une page, pas plus.</p>"),
            _answer(90012, "false", 0.0, "<p>Si : une page suffit.</p>"),
        ),
    ),
    q.Question(
        9002,
        1,
        "multichoice",
        "Les trois parties",
        "<p>Dans quel ordre viennent les trois parties de la lettre ?</p>",
        "<p>Vous, moi, nous : ce que le lecteur attend, ce que vous apportez, la suite.</p>",
        1.0,
        0.3333333,
        q.MultichoiceData(
            single=True,
            shuffle=True,
            numbering="abc",
            answers=(
                _answer(90021, "Vous, moi, nous", 1.0, "<p>Exactement.</p>"),
                _answer(90022, "Moi, vous, nous", 0.0, "<p>Commencez par le lecteur.</p>"),
                _answer(90023, "Nous, moi, vous", 0.0, "<p>La demande vient à la fin.</p>"),
            ),
            feedback=_FEEDBACK,
        ),
    ),
    q.Question(
        9003,
        1,
        "shortanswer",
        "La formule d'appel",
        "<p>Par quels mots commence la lettre, quand on ne connaît pas le nom du lecteur ?</p>",
        "<p>« Madame, Monsieur, » suivi d'une virgule.</p>",
        1.0,
        0.1,
        q.ShortAnswerData(
            case_sensitive=False,
            answers=(
                _answer(90031, "Madame, Monsieur*", 1.0, "<p>Bien.</p>"),
                _answer(90032, "*Madame*", 0.5, "<p>Presque : « Madame, Monsieur, ».</p>"),
            ),
        ),
    ),
)


def _quiz() -> QuizContent:
    slots = tuple(
        QuizSlot(
            slot=number, page=number, max_mark=question.default_mark, question_id=question.source_id
        )
        for number, question in enumerate(QUESTIONS, start=1)
    )
    return QuizContent(
        attempts=0,
        time_limit=0,
        opens=None,
        closes=None,
        grading_method="highest",
        grade=10.0,
        sum_grades=sum(slot.max_mark for slot in slots),
        questions_per_page=1,
        navigation="free",
        shuffle_answers=True,
        preferred_behaviour="interactive",
        # Moodle's defaults: the attempt during it, everything right after.
        review=QuizReview(_ALWAYS, _AFTER, _AFTER, _ALWAYS, _AFTER, _AFTER, _AFTER, _AFTER),
        sections=(QuizSection(1, "", False),),
        slots=slots,
        feedbacks=(
            QuizFeedback("<p>Bravo : vous êtes prêt à écrire.</p>", 7.0, 11.0),
            QuizFeedback("<p>Relisez la partie « Construire sa lettre ».</p>", 0.0, 7.0),
        ),
    )


SUBMITTED = {"tracking": "automatic", "rules": [["completionsubmit", 1]]}

ACTIVITIES: list[dict[str, Any]] = [
    {
        "kind": "quiz",
        "title": "Quiz : les bases de la lettre",
        "intro": "<p>Trois questions pour vérifier l'essentiel. Vous pouvez recommencer.</p>",
        "data": to_json(_quiz()),
        "completion": {"tracking": "automatic"},
    },
    {
        "kind": "assign",
        "title": "Votre lettre de motivation",
        "intro": (
            "<p>Écrivez votre lettre pour la formation, le stage ou l'emploi de votre choix, "
            "directement dans la page ou dans un fichier (PDF, texte ou traitement de texte). "
            "Votre enseignant vous répondra ici.</p>"
        ),
        "data": to_json(
            AssignContent(
                submission_types=("onlinetext", "file"),
                allow_submissions_from=None,
                due=None,
                cut_off=None,
                grading_due=None,
                max_files=2,
                max_size=5 * 1024 * 1024,
                grade=20.0,
                file_types=".pdf,.txt,.odt,.docx",
            )
        ),
        "completion": SUBMITTED,
    },
    {
        "kind": "choice",
        "title": "Votre projet",
        "intro": "<p>Pour quoi écrivez-vous votre lettre ? Vous pourrez changer d'avis.</p>",
        "data": to_json(
            ChoiceContent(
                options=(
                    ChoiceOption(9101, "Une formation", 0),
                    ChoiceOption(9102, "Un stage", 0),
                    ChoiceOption(9103, "Un emploi", 0),
                ),
                allow_update=True,
                allow_multiple=False,
                limit_answers=False,
                show_results=1,
                opens=None,
                closes=None,
            )
        ),
        "completion": SUBMITTED,
    },
]
