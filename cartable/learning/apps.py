from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LearningConfig(AppConfig):
    name = "cartable.learning"
    label = "learning"
    verbose_name = _("Learning")

    def ready(self) -> None:
        from cartable.grades.actions import changed
        from cartable.learning.grading import on_changed

        changed.connect(on_changed, dispatch_uid="learning.grading")
