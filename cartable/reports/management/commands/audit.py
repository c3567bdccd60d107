"""cartable audit verify|export|flush|reset-head"""

from __future__ import annotations

from argparse import ArgumentParser, ArgumentTypeError
from datetime import date
from typing import Any

from django.core.management.base import CommandError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.audit import chain, verify
from cartable.audit.actions import flush_repeated, home, record
from cartable.audit.models import AuditEvent, ChainHead
from cartable.commands import CartableCommand
from cartable.reports import export, filters

# Exit statuses of `cartable audit verify`.
TAMPERED = 1
UNCHECKABLE = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


class Command(CartableCommand):
    help = "Check the audit log's chain of seals, and export the log."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        sub.add_parser(
            "verify",
            help="Check every entry's seal and link, and the end of the log. Names the first "
            "changed, inserted or deleted entry. Exit status: 0 intact, 1 tampered with, 2 "
            "cannot be checked (key missing, head file damaged).",
        )
        export_parser = sub.add_parser(
            "export", help="Write the log as CSV on standard output, oldest entry first."
        )
        export_parser.add_argument(
            "--since", type=_day, metavar="DATE", help="From this day (YYYY-MM-DD)."
        )
        export_parser.add_argument(
            "--until", type=_day, metavar="DATE", help="To this day, included (YYYY-MM-DD)."
        )
        export_parser.add_argument(
            "--action",
            dest="action_filter",
            metavar="ACTION",
            default="",
            help="An action (auth.sign_in) or a family (auth.*).",
        )
        export_parser.add_argument(
            "--actor",
            default="",
            metavar="USERNAME",
            help="Username of whoever acted (system: the command line).",
        )
        export_parser.add_argument(
            "--device",
            default="",
            metavar="ADDRESS",
            help="The device's network address, or part of its browser's name.",
        )
        sub.add_parser(
            "flush",
            help="Write now the counts of refused pages and failed sign-ins still being made "
            "(each is otherwise written when its period is over).",
        )
        sub.add_parser(
            "reset-head",
            help="After restoring the database from a backup: accept its end as the end of the "
            "log (only when every entry verifies). The reset is itself logged.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        getattr(self, "do_" + options["action"].replace("-", "_"))(**options)

    def do_verify(self, **options: Any) -> None:
        report = verify.verify(home())
        if report.intact:
            self.stdout.write(
                ngettext(
                    "The audit log is intact: %(count)d entry checked.",
                    "The audit log is intact: %(count)d entries checked.",
                    report.checked,
                )
                % {"count": report.checked}
            )
            return
        returncode = TAMPERED if report.kind == verify.TAMPERED else UNCHECKABLE
        raise CommandError(str(report.problem), returncode=returncode)

    def do_export(self, **options: Any) -> None:
        chosen = filters.Filters(
            action=options["action_filter"],
            who=options["actor"],
            device=options["device"],
            since=options["since"],
            until=options["until"],
        )
        record("audit.exported", actor=None, details=chosen.as_details())
        events = filters.apply(AuditEvent.objects.all(), chosen)
        for chunk in export.chunks(events):
            self.stdout.write(chunk, ending="")

    def do_flush(self, **options: Any) -> None:
        written = flush_repeated(everything=True)
        self.stdout.write(
            ngettext(
                "%(count)d count written to the audit log.",
                "%(count)d counts written to the audit log.",
                written,
            )
            % {"count": written}
        )

    def do_reset_head(self, **options: Any) -> None:
        report = verify.verify(home())
        if report.intact:
            self.stdout.write(_("The audit log is intact: there is nothing to reset."))
            return
        # Only the end may be accepted: every entry there is must verify.
        entries = verify.verify(home(), check_end=False)
        if not entries.intact:
            raise CommandError(str(entries.problem), returncode=TAMPERED)
        try:
            previous = chain.read_head(home())
        except chain.HeadUnreadable:
            previous = None
        with chain.head_lock(home()):
            chain.write_head(home(), chain.Head(0, ""))
        with transaction.atomic():
            head = ChainHead.objects.select_for_update().filter(pk=ChainHead.ROW).first()
            last = AuditEvent.objects.order_by("-seq").values_list("seq", "seal", "key_id").first()
            details: dict[str, Any] = {
                "database_end": last[0] if last else 0,
                "head_row_end": head.seq if head else None,
                "head_file_end": previous.seq if previous else None,
            }
            if previous is not None and previous.alarm is not None:
                details["alarm"] = previous.alarm.__dict__
            seq, seal, key_id = last if last is not None else (0, "", "")
            ChainHead.objects.update_or_create(
                pk=ChainHead.ROW, defaults={"seq": seq, "seal": seal, "key_id": key_id}
            )
            event = record("audit.head_reset", actor=None, details=details)
        self.stdout.write(_("The end of the audit log is now entry #%(seq)d.") % {"seq": event.seq})
