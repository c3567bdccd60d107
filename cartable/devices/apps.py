from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DevicesConfig(AppConfig):
    """The box's devices (tablets, laptops, classroom PCs, in-cell set-top boxes): their
    register, their enrolment with a one-time code, the rule that learners sign in only from
    enrolled devices, and loans of devices to learners."""

    name = "cartable.devices"
    label = "devices"
    verbose_name = _("Devices")

    def ready(self) -> None:
        from cartable.devices import signals  # noqa: F401  (binds a learner's session to a device)
