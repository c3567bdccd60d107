"""cartable demo: load the demo accounts and course (idempotent) and print how to sign in."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from cartable.commands import CartableCommand
from cartable.demo.load import load


class Command(CartableCommand):
    help = "Load demo accounts and a small French course (running it twice changes nothing)."

    def handle(self, *args: Any, **options: Any) -> None:
        accounts = load()
        self.stdout.write(_("Demo accounts (username / password):"))
        for account in accounts:
            self.stdout.write(
                f"  {account.role.label:<16} {account.username:<12} {account.password}"
            )
