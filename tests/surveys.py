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
        data=choice_data(*options, **settings),
        completion=ANSWER,
        completion_mode="answer",
        **extra,
    )
