"""A quiz: questions of the course's bank, answered in attempts."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import QuizContent


def _minutes(data: QuizContent) -> int:
    if data.time_limit:
        return max(1, round(data.time_limit / 60))
    return max(5, round(1.5 * len(data.slots)))


def _texts(data: QuizContent) -> Iterator[str]:
    for section in data.sections:
        if section.heading:
            yield section.heading
    for band in data.feedbacks:
        if band.text:
            yield band.text


KIND = register(
    Kind(
        "quiz",
        data=QuizContent,
        answer=_("Answer the quiz"),
        minutes=_minutes,
        texts=_texts,
    )
)
