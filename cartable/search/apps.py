from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SearchConfig(AppConfig):
    name = "cartable.search"
    label = "search"
    verbose_name = _("Search")

    def ready(self) -> None:
        from cartable.jobs import followups
        from cartable.search.index import REINDEX, reindex_follow_up

        followups.register(REINDEX, reindex_follow_up)
