"""cartable establishment add|list and cartable institution add|list"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cartable.accounts import organisations
from cartable.accounts.models import Establishment
from cartable.commands import CartableCommand


class Command(CartableCommand):
    help = "Create and list establishments (the sites where boxes run: a prison, a campus)."
    model: Any = Establishment

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="do", required=True, metavar="ACTION")
        add = sub.add_parser("add", help="Create one.")
        add.add_argument("slug", help="Short name: letters, digits and dashes.")
        add.add_argument("name")
        add.add_argument("--kind", choices=self.model.Kind.values, default=None)
        sub.add_parser("list", help="List them.")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["do"] == "list":
            for item in self.model.objects.order_by("slug"):
                self.stdout.write(f"{item.slug}\t{item.kind}\t{item.name}")
            return
        try:
            item = organisations.create(
                actor=None,
                model=self.model,
                slug=options["slug"],
                name=options["name"],
                kind=options["kind"],
            )
        except organisations.OrganisationError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            _("Created %(slug)s (%(name)s).") % {"slug": item.slug, "name": item.name}
        )
