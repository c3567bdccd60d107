from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "cartable.ingest"
    label = "ingest"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from cartable.ingest.jobs import KIND, run_import
        from cartable.jobs.runner import register

        register(KIND, run_import)
