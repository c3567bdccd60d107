from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "cartable.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        from cartable.grades.actions import released
        from cartable.learning.grading import on_released

        released.connect(on_released, dispatch_uid="learning.grading")
