from datetime import datetime

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Grades recorded to be shown at a later date complete their activity when the date comes, at
# the next run of this sweep (``learning.grading.complete_released``).
RELEASE_SWEEP_EVERY = 60.0  # seconds


def _complete_released(now: datetime) -> None:
    from cartable.learning.grading import complete_released

    complete_released(now)


class LearningConfig(AppConfig):
    name = "cartable.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        from cartable.grades.actions import changed
        from cartable.jobs import periodic
        from cartable.learning.grading import on_changed

        changed.connect(on_changed, dispatch_uid="learning.grading")
        periodic.every("complete-released-grades", RELEASE_SWEEP_EVERY, _complete_released)
