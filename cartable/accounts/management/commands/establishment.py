"""cartable establishment add|list and cartable institution add|list"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cartable.accounts.models import Establishment
from cartable.audit.actions import record
from cartable.web.commands import CartableCommand


class Command(CartableCommand):
    help = "Create and list establishments (the sites where boxes run: a prison, a campus)."
    model: Any = Establishment
    action = "establishment.created"

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
        slug = options["slug"]
        if slugify(slug) != slug or len(slug) > 64:
            raise CommandError(
                _("A short name may only hold lowercase letters, digits and dashes: “%(slug)s”.")
                % {"slug": slug}
            )
        fields = {"slug": slug, "name": options["name"][:200]}
        if options["kind"]:
            fields["kind"] = options["kind"]
        try:
            with transaction.atomic():
                item = self.model.objects.create(**fields)
                record(self.action, actor=None, target=item)
        except IntegrityError:
            raise CommandError(_("The short name “%(slug)s” is taken.") % {"slug": slug}) from None
        self.stdout.write(
            _("Created %(slug)s (%(name)s).") % {"slug": item.slug, "name": item.name}
        )
