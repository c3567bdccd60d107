"""cartable import-questions PATH --course SHORTNAME|#ID [--json]"""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cartable.catalog.models import Course
from cartable.catalog.texts import shown
from cartable.commands import CartableCommand
from cartable.ingest.imports import ImportFailed
from cartable.ingest.questions import QuestionImportOutcome, import_question_file


class Command(CartableCommand):
    help = (
        "Import a question file (Moodle XML or GIFT) into a course's question bank. In a "
        "course learners do not see yet, the questions wait for review with the course; in a "
        "course they see, they wait whole for review as an update."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("path", type=Path)
        parser.add_argument(
            "--course",
            required=True,
            help="The course: its short name, or #ID for its number on the box.",
        )
        parser.add_argument(
            "--json", action="store_true", help="Print the report as one JSON object."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["path"]
        if not path.is_file():
            raise CommandError(_("There is no file at %(path)s.") % {"path": path})
        course = find_course(options["course"])
        try:
            outcome = import_question_file(path, course=course, actor=None)
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


def find_course(wanted: str) -> Course:
    """The course named ``#ID`` or by its short name (which must name one course only)."""
    wanted = wanted.strip()
    if wanted.startswith("#"):
        number = wanted[1:]
        found = (
            Course.objects.filter(pk=int(number)).first()
            if number.isascii() and number.isdigit()
            else None
        )
        if found is None:
            raise CommandError(_("No course has the number %(id)s.") % {"id": wanted})
        return found
    matches = list(
        Course.objects.filter(shortname=wanted).select_related("institution").order_by("pk")
    )
    if not matches:
        raise CommandError(_("No course has the short name “%(name)s”.") % {"name": wanted})
    if len(matches) > 1:
        raise CommandError(
            _("Several courses have the short name “%(name)s”; name one by its number: %(list)s")
            % {
                "name": wanted,
                "list": ", ".join(
                    f"#{course.pk} ({course.institution.name})" for course in matches
                ),
            }
        )
    return matches[0]


def human_report(outcome: QuestionImportOutcome) -> str:
    report = outcome.report
    course = outcome.course
    changes = outcome.changes
    lines = [
        _("Questions of a %(format)s file for “%(title)s” (%(shortname)s).")
        % {"format": report.format, "title": course.title, "shortname": course.shortname},
        ngettext("%(count)d category", "%(count)d categories", report.categories)
        % {"count": report.categories},
    ]
    questions = ", ".join(f"{name} {count}" for name, count in sorted(report.questions.items()))
    lines.append(_("Questions: %(list)s") % {"list": questions or "—"})
    lines.append(
        _("Files: %(count)d (%(bytes)d bytes)")
        % {"count": report.files.records, "bytes": report.files.bytes}
    )
    lines.append(
        _("Questions added %(added)d, updated %(updated)d, unchanged %(unchanged)d.")
        % {
            "added": len(changes.added),
            "updated": len(changes.updated),
            "unchanged": len(changes.unchanged),
        }
    )
    if outcome.revision is not None:
        lines.append(_("They wait for review: learners keep the course as it is until then."))
    elif outcome.applied and not course.is_published:
        lines.append(_("They wait for review with the course."))
    for item in report.skipped:
        lines.append(
            _("Skipped: %(what)s: %(reason)s")
            % {"what": shown(item.what), "reason": shown(item.reason)}
        )
    for warning in report.warnings:
        lines.append(_("Warning: %(text)s") % {"text": shown(warning)})
    return "\n".join(lines)
