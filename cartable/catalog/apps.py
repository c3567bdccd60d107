from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CatalogConfig(AppConfig):
    name = "cartable.catalog"
    label = "catalog"
    verbose_name = _("Catalog")

    def ready(self) -> None:
        from cartable.catalog.jobs import KIND, run_import
        from cartable.jobs.runner import register

        register(KIND, run_import)
