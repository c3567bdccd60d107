"""cartable institution add|list"""

from __future__ import annotations

from typing import Any

from cartable.accounts.management.commands.establishment import Command as EstablishmentCommand
from cartable.accounts.models import Institution


class Command(EstablishmentCommand):
    help = "Create and list institutions (the universities and schools that provide courses)."
    model: Any = Institution
