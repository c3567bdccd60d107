from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    """Staff's read-only pages over the box's records: the audit log, its filters and its CSV
    export (the log itself, and its seals, are ``cartable.audit``'s)."""

    name = "cartable.reports"
    label = "reports"
    verbose_name = _("Reports")
