"""A survey (Moodle's feedback): questions the learner answers."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import FeedbackContent


def _texts(data: FeedbackContent) -> Iterator[str]:
    for item in data.items:
        yield from (text for text in (item.name, item.label) if text)
    if data.page_after_submit:
        yield data.page_after_submit


def _minutes(data: FeedbackContent) -> int:
    return max(2, round(0.5 * len(data.items)))


KIND = register(
    Kind(
        "feedback",
        data=FeedbackContent,
        answer=_("Answer the survey"),
        minutes=_minutes,
        texts=_texts,
        own_template=True,
    )
)
