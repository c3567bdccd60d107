from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccessConfig(AppConfig):
    """When learners may use the box (access hours), who is signed in where (sessions), and
    the box's clock."""

    name = "cartable.access"
    label = "access"
    verbose_name = _("Access")

    def ready(self) -> None:
        from cartable.access import signals  # noqa: F401  (one session per learner)
