from datetime import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Attempts whose time is up are closed by the next request that touches them, and by this
# sweep, run while the box serves, for those nobody comes back to.
SWEEP_EVERY = 60.0  # seconds


def _sweep(now: datetime) -> None:
    from cartable.assessment.actions import close_overdue

    close_overdue(now=now)


class AssessmentConfig(AppConfig):
    name = "cartable.assessment"
    label = "assessment"
    verbose_name = _("Quizzes")

    def ready(self) -> None:
        from cartable.jobs import periodic

        periodic.every("close-attempts", SWEEP_EVERY, _sweep)
