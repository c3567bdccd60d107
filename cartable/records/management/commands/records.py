"""cartable records verify|import|export|portfolio"""

from __future__ import annotations

import shutil
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cartable.accounts.models import Establishment, User
from cartable.commands import CartableCommand
from cartable.records import actions, transfer
from cartable.records.verify import verify_file


class Command(CartableCommand):
    help = (
        "Learners' records: check a portfolio or a transfer export, import a transfer, "
        "write a learner's portfolio or transfer export."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="do", required=True, metavar="ACTION")
        verify = sub.add_parser(
            "verify", help="Say whether a portfolio (PDF) or transfer export (ZIP) is valid."
        )
        verify.add_argument("file", type=Path)
        imported = sub.add_parser("import", help="Import a learner's transfer export.")
        imported.add_argument("file", type=Path)
        imported.add_argument(
            "--fingerprint",
            default="",
            help="The signing box's fingerprint, checked with its staff (needed when it is "
            "not a peer).",
        )
        imported.add_argument("--establishment", help="The establishment (short name).")
        for name, what in (("export", "transfer export (ZIP)"), ("portfolio", "portfolio (PDF)")):
            written = sub.add_parser(name, help=f"Write a learner's signed {what}.")
            written.add_argument("username")
            written.add_argument("file", type=Path)

    def handle(self, *args: Any, **options: Any) -> None:
        do = options["do"]
        path: Path = options["file"]
        if do in ("verify", "import") and not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        if do == "verify":
            self._verify(path)
        elif do == "import":
            self._import(path, options["fingerprint"], options["establishment"])
        else:
            learner = User.objects.filter(username=options["username"].strip().lower()).first()
            if learner is None:
                raise CommandError(_("No such account."))
            try:
                if do == "portfolio":
                    path.write_bytes(actions.issue_portfolio(actor=None, account=learner))
                else:
                    exported = transfer.export(actor=None, learner=learner)
                    with exported.file, path.open("wb") as out:
                        shutil.copyfileobj(exported.file, out)
            except actions.RecordError as error:
                raise CommandError(str(error)) from error
            self.stdout.write(_("Wrote %(path)s") % {"path": path})

    def _verify(self, path: Path) -> None:
        verdict = verify_file(path)
        if verdict.fingerprint:
            if verdict.signer == "":
                who = _("this box")
            elif verdict.signer:
                who = _("the peer “%(name)s”") % {"name": verdict.signer}
            else:
                who = _("a box this box does not know")
            signer = _("Signer: %(fingerprint)s (%(who)s)") % {
                "fingerprint": verdict.fingerprint,
                "who": who,
            }
        if not verdict.valid:
            if verdict.fingerprint:
                self.stdout.write(signer)
            raise CommandError(verdict.problem or _("Invalid: %(path)s") % {"path": path})
        self.stdout.write(_("Valid: %(path)s") % {"path": path})
        self.stdout.write(signer)

    def _import(self, path: Path, fingerprint: str, slug: str | None) -> None:
        establishment = None
        if slug:
            establishment = Establishment.objects.filter(slug=slug).first()
            if establishment is None:
                raise CommandError(_("No such establishment."))
        try:
            result = transfer.import_file(
                path, actor=None, establishment=establishment, confirmed_fingerprint=fingerprint
            )
        except transfer.TransferError as error:
            raise CommandError(error.message) from error
        if result.already:
            self.stdout.write(_("Imported before: nothing changed."))
            return
        self.stdout.write(
            _(
                "Imported %(username)s: %(courses)s courses, %(progress)s activities' progress, "
                "%(grades)s grades, %(submissions)s submissions."
            )
            % {
                "username": result.learner.username,
                "courses": len(result.courses),
                "progress": result.progress,
                "grades": result.grades,
                "submissions": result.submissions,
            }
        )
        if result.missing:
            self.stdout.write(
                _("Not on this box: %(courses)s") % {"courses": ", ".join(result.missing)}
            )
        if result.password:
            self.stdout.write(
                _("New password (shown once): %(password)s") % {"password": result.password}
            )
