"""A choice: the learner picks one answer (or several) among options."""

from collections.abc import Iterator

from django.utils.translation import gettext_lazy as _

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import ChoiceContent


def _texts(data: ChoiceContent) -> Iterator[str]:
    for option in data.options:
        yield option.text


KIND = register(
    Kind(
        "choice",
        data=ChoiceContent,
        answer=_("Give your answer"),
        fixed_minutes=2,
        texts=_texts,
        own_template=True,
    )
)
