"""A Moodle 5 question bank: the course's questions, never a learner's activity."""

from cartable.catalog.kinds import Kind, register
from cartable.importers.model import QbankContent

KIND = register(
    Kind(
        "qbank",
        data=QbankContent,
        shown=False,
        studied=False,
        fixed_minutes=0,
        own_template=False,
    )
)
