"""Choice and survey activities for tests, with the importer's typed data (as imported)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cartable.catalog.models import Activity, Course
from cartable.importers import model
from tests.kinddata import as_json

ANSWER = {"tracking": "automatic", "rules": [["completionsubmit", 1]]}


def choice_data(
    *options: tuple[int, str, int],
    allow_update: bool = False,
    allow_multiple: bool = False,
    limit_answers: bool = False,
    show_results: int = 0,
    opens: datetime | None = None,
    closes: datetime | None = None,
    publish_names: bool = False,
    show_preview: bool = False,
    show_unanswered: bool = False,
) -> dict[str, Any]:
    return as_json(
        model.ChoiceContent(
            options=tuple(model.ChoiceOption(pk, text, most) for pk, text, most in options),
            allow_update=allow_update,
            allow_multiple=allow_multiple,
            limit_answers=limit_answers,
            show_results=show_results,
            opens=opens,
            closes=closes,
            publish_names=publish_names,
            show_preview=show_preview,
            show_unanswered=show_unanswered,
        )
    )


DEFAULT_OPTIONS = ((11, "Lundi", 1), (12, "Mardi", 2), (13, "Mercredi", 0))


def add_choice(
    course: Course, *, title: str = "Quel jour ?", position: int = 80, **settings: Any
) -> Activity:
    options = settings.pop("options", DEFAULT_OPTIONS)
    extra = {"availability": settings.pop("availability")} if "availability" in settings else {}
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=position,
        kind=Activity.Kind.CHOICE,
        review_status=Activity.Review.APPROVED,
        title=title,
        intro="<p>Pour l’atelier d’écriture.</p>",
        data=choice_data(*options, **settings),
        completion=ANSWER,
        completion_mode="answer",
        **extra,
    )


def item(
    source_id: int,
    item_type: str,
    name: str = "",
    presentation: str = "",
    *,
    required: bool = False,
    depend_item: int | None = None,
    depend_value: str = "",
    label: str = "",
) -> model.FeedbackItem:
    return model.FeedbackItem(
        source_id,
        item_type,
        name,
        label,
        presentation,
        required,
        source_id,
        depend_item,
        depend_value,
    )


# A survey with every kind of item Moodle has (as Moodle writes their presentation).
SURVEY_ITEMS = (
    item(1, "label", presentation="<p>Merci de répondre.</p>"),
    item(2, "multichoice", "Votre niveau", "r>>>>>Débutant|Moyen|Avancé", required=True),
    item(3, "numeric", "Heures par semaine", "0|40", required=True),
    item(4, "pagebreak"),
    item(5, "multichoice", "Vos outils", "c>>>>>Tablette|Ordinateur|Papier"),
    item(6, "textfield", "Un mot", "20|10"),
    item(7, "textarea", "Remarques", "30|5"),
    item(8, "multichoicerated", "Satisfaction", "d>>>>>0####Faible|5####Forte"),
    item(9, "textfield", "Pourquoi débutant ?", "20|100", depend_item=2, depend_value="Débutant"),
    item(10, "info", "Date", "1"),
)
# The same on one page (no page break): a survey the learner answers with a single form.
ONE_PAGE = tuple(one for one in SURVEY_ITEMS if one.item_type != "pagebreak")


def add_feedback(
    course: Course,
    *,
    title: str = "Votre avis",
    position: int = 85,
    survey_items: tuple[model.FeedbackItem, ...] = SURVEY_ITEMS,
    anonymous: bool = True,
    multiple_submit: bool = False,
    opens: datetime | None = None,
    closes: datetime | None = None,
    publish_stats: bool = False,
    page_after_submit: str = "<p>Merci !</p>",
    availability: Any = None,
) -> Activity:
    return Activity.objects.create(
        course=course,
        section=course.sections.get(position=0),
        position=position,
        kind=Activity.Kind.FEEDBACK,
        review_status=Activity.Review.APPROVED,
        title=title,
        intro="<p>Dites-nous ce que vous en pensez.</p>",
        data=as_json(
            model.FeedbackContent(
                items=survey_items,
                anonymous=anonymous,
                page_after_submit=page_after_submit,
                multiple_submit=multiple_submit,
                opens=opens,
                closes=closes,
                publish_stats=publish_stats,
            )
        ),
        completion=ANSWER,
        completion_mode="answer",
        availability=availability,
    )


GOOD_ANSWERS = {"item-2": ["2"], "item-3": ["12,5"], "item-5": ["1", "3"], "item-7": ["Rien."]}
