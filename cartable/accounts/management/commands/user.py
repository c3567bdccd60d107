"""cartable user add|import-csv|reset-password|unlock|deactivate|activate|list"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cartable.accounts import actions
from cartable.accounts.csvimport import CsvImportError
from cartable.accounts.models import CartableUserManager, Establishment, Role, User
from cartable.commands import CartableCommand


class Command(CartableCommand):
    help = "Create and manage accounts from the command line (for boxes without a screen)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")

        add = sub.add_parser("add", help="Create one account and print its password.")
        add.add_argument("username")
        add.add_argument("--role", choices=Role.values, default=Role.LEARNER)
        add.add_argument("--password", help="Initial password (generated when omitted).")
        add.add_argument("--first-name", default="")
        add.add_argument("--last-name", default="")
        add.add_argument("--group", action="append", default=[], help="Group to join (repeatable).")
        add.add_argument("--establishment", help="Establishment short name.")

        imp = sub.add_parser(
            "import-csv", help="Create every account of a CSV file, or none if a line is bad."
        )
        imp.add_argument("file", type=Path)
        imp.add_argument("--establishment", help="Establishment short name.")

        reset = sub.add_parser("reset-password", help="Set a new password and unlock.")
        reset.add_argument("username")
        reset.add_argument("--password", help="New password (generated when omitted).")

        unlock = sub.add_parser(
            "unlock",
            help="Forget an account's failed sign-ins (on every device): it can sign in again "
            "at once, with the same password.",
        )
        unlock.add_argument("username")

        for name, text in (
            ("deactivate", "Stop an account signing in."),
            ("activate", "Let a deactivated account sign in again."),
        ):
            one = sub.add_parser(name, help=text)
            one.add_argument("username")

        listing = sub.add_parser("list", help="List accounts.")
        listing.add_argument("--role", choices=Role.values)

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"].replace("-", "_")
        try:
            getattr(self, f"do_{action}")(**options)
        except actions.AccountError as error:
            raise CommandError(str(error)) from None
        except CsvImportError as error:
            raise CommandError("\n".join(str(line) for line in error.errors)) from None

    def _establishment(self, slug: str | None) -> Establishment | None:
        if not slug:
            return None
        try:
            return Establishment.objects.get(slug=slug)
        except Establishment.DoesNotExist:
            raise CommandError(
                _("No establishment has the short name “%(slug)s”.") % {"slug": slug}
            ) from None

    def _user(self, username: str) -> User:
        try:
            return User.objects.get(username=CartableUserManager.normalize_username(username))
        except User.DoesNotExist:
            raise CommandError(
                _("No account has the username “%(username)s”.") % {"username": username}
            ) from None

    def do_add(self, **options: Any) -> None:
        credentials = actions.create_account(
            actor=None,
            username=options["username"],
            role=options["role"],
            first_name=options["first_name"],
            last_name=options["last_name"],
            password=options["password"],
            establishment=self._establishment(options["establishment"]),
            groups=options["group"],
        )
        self.stdout.write(
            _("Created %(username)s (%(role)s). Password: %(password)s")
            % {
                "username": credentials.user.username,
                "role": credentials.user.get_role_display(),
                "password": credentials.password,
            }
        )

    def do_import_csv(self, **options: Any) -> None:
        path: Path = options["file"]
        try:
            size = path.stat().st_size
            if size > settings.CSV_MAX_BYTES:
                raise CommandError(
                    _("The file is larger than %(max)d bytes.") % {"max": settings.CSV_MAX_BYTES}
                )
            data = path.read_bytes()
        except OSError as error:
            raise CommandError(
                _("Cannot read %(path)s: %(error)s") % {"path": path, "error": error.strerror}
            ) from None
        created = actions.import_accounts(
            actor=None,
            data=data,
            max_rows=settings.CSV_MAX_ROWS,
            establishment=self._establishment(options["establishment"]),
        )
        self.stdout.write("username,first_name,last_name,role,password")
        for item in created:
            user = item.user
            self.stdout.write(
                f"{user.username},{user.first_name},{user.last_name},{user.role},{item.password}"
            )
        self.stderr.write(_("%(count)d accounts created.") % {"count": len(created)})

    def do_reset_password(self, **options: Any) -> None:
        credentials = actions.reset_password(
            actor=None, account=self._user(options["username"]), password=options["password"]
        )
        self.stdout.write(
            _("New password for %(username)s: %(password)s")
            % {"username": credentials.user.username, "password": credentials.password}
        )

    def do_unlock(self, **options: Any) -> None:
        user = self._user(options["username"])
        failures = actions.unlock(actor=None, account=user)
        self.stdout.write(
            _("%(username)s can sign in again (%(count)d failed sign-ins forgotten).")
            % {"username": user.username, "count": failures}
        )

    def do_deactivate(self, **options: Any) -> None:
        user = self._user(options["username"])
        actions.set_active(actor=None, account=user, active=False)
        self.stdout.write(_("%(username)s can no longer sign in.") % {"username": user.username})

    def do_activate(self, **options: Any) -> None:
        user = self._user(options["username"])
        actions.set_active(actor=None, account=user, active=True)
        self.stdout.write(_("%(username)s can sign in again.") % {"username": user.username})

    def do_list(self, **options: Any) -> None:
        users = User.objects.select_related("establishment").order_by("username")
        if options["role"]:
            users = users.filter(role=options["role"])
        for user in users.iterator(chunk_size=2000):
            state = "" if user.is_active else " " + _("(deactivated)")
            self.stdout.write(f"{user.username}\t{user.role}\t{user.get_full_name()}{state}")
