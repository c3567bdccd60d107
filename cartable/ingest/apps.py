from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IngestConfig(AppConfig):
    name = "cartable.ingest"
    label = "ingest"
    verbose_name = _("Imports")

    def ready(self) -> None:
        from cartable.ingest.jobs import KIND, QUESTIONS_KIND, run_import, run_question_import
        from cartable.jobs.runner import register

        register(KIND, run_import)
        register(QUESTIONS_KIND, run_question_import)

        from cartable.ingest.publication import DISCARD_BLOBS, collect_blobs
        from cartable.jobs import followups

        followups.register(DISCARD_BLOBS, collect_blobs)
