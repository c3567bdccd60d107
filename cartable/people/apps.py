from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    """Staff's pages about people: accounts, groups, enrolments, establishments and
    institutions, and signing in (the accounts themselves are ``cartable.accounts``')."""

    name = "cartable.people"
    label = "people"
    verbose_name = _("People")
