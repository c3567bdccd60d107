"""cartable import PATH [--institution SLUG] [--establishment SLUG] [--json] [--publish]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.accounts.models import Establishment
from cartable.catalog.texts import shown
from cartable.commands import CartableCommand
from cartable.ingest.imports import ImportFailed, ImportOutcome, import_file
from cartable.jobs import followups, sweep


class Command(CartableCommand):
    help = (
        "Import a course file (a Moodle .mbz backup). The course waits for review unless "
        "--publish is given; a newer backup of a course learners already see waits whole for "
        "review, and learners keep the approved version until then."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--institution",
            help="Short name of the institution providing the course (by default: the one "
            "named after the backup's Moodle site, created if needed).",
        )
        parser.add_argument(
            "--establishment",
            help="Short name of the establishment whose staff manage a course this file "
            "creates (by default: the box's own, managed by administrators).",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the report as one JSON object."
        )
        parser.add_argument(
            "--publish",
            action="store_true",
            help="Publish the course at once: staff's explicit approval, recorded as such.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("There is no file at %(path)s.") % {"path": path})
        establishment = None
        if options["establishment"]:
            establishment = Establishment.objects.filter(slug=options["establishment"]).first()
            if establishment is None:
                raise CommandError(
                    _("No establishment has the short name “%(slug)s”.")
                    % {"slug": options["establishment"]}
                )
        sweep.sweep()  # what a stopped import left
        followups.run_rows()  # and what it had still to do after its commit
        try:
            outcome = import_file(
                path,
                actor=None,
                institution=options["institution"],
                establishment=establishment,
                publish=options["publish"],
            )
        except ImportFailed as failure:
            if options["json"]:
                self.stdout.write(
                    json.dumps(
                        {"error": {"code": failure.code, "message": failure.message}},
                        ensure_ascii=False,
                    )
                )
            raise CommandError(failure.message) from None
        if options["json"]:
            self.stdout.write(json.dumps(outcome.as_json(), ensure_ascii=False, indent=2))
        else:
            self.stdout.write(human_report(outcome))


def human_report(outcome: ImportOutcome) -> str:
    report = outcome.report
    course = outcome.course
    lines = [
        (
            _("Created course “%(title)s” (%(shortname)s), from Moodle %(release)s.")
            if outcome.created
            else _("Updated course “%(title)s” (%(shortname)s), from Moodle %(release)s.")
        )
        % {
            "title": course.title,
            "shortname": course.shortname,
            "release": report.moodle_release or "?",
        },
        _("Status: %(status)s.") % {"status": course.get_status_display()},
        *(
            [_("The update waits for review: learners keep the approved version until then.")]
            if outcome.revision is not None
            else []
        ),
        ngettext("%(count)d section", "%(count)d sections", report.sections)
        % {"count": report.sections},
    ]
    activities = ", ".join(f"{name} {count}" for name, count in sorted(report.activities.items()))
    lines.append(_("Activities: %(list)s") % {"list": activities or "—"})
    questions = ", ".join(f"{name} {count}" for name, count in sorted(report.questions.items()))
    lines.append(_("Questions: %(list)s") % {"list": questions or "—"})
    lines.append(
        _("Files: %(count)d (%(bytes)d bytes)")
        % {"count": report.files.records, "bytes": report.files.bytes}
    )
    changes = outcome.changes
    if not outcome.created:
        lines.append(
            _(
                "Activities added %(added)d, updated %(updated)d, unchanged %(unchanged)d, retired %(retired)d."
            )
            % {
                "added": len(changes.added),
                "updated": len(changes.updated),
                "unchanged": len(changes.unchanged),
                "retired": len(changes.retired),
            }
        )
    for item in report.skipped:
        lines.append(
            _("Skipped: %(what)s: %(reason)s")
            % {"what": shown(item.what), "reason": shown(item.reason)}
        )
    for warning in report.warnings:
        lines.append(_("Warning: %(text)s") % {"text": shown(warning)})
    return "\n".join(lines)
