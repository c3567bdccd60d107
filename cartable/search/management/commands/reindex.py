"""cartable reindex [--course ID] [--reread-files] [--repair]"""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cartable.catalog.models import Course
from cartable.commands import CartableCommand
from cartable.jobs import followups
from cartable.search.index import missing_courses, reindex_all, reindex_course


class Command(CartableCommand):
    help = (
        "Rebuild the search index (it is rebuilt after each import; use this after an upgrade "
        "or after changing the search settings)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--course", type=int, metavar="ID", help="Only this course (by its number)."
        )
        parser.add_argument(
            "--repair",
            action="store_true",
            help="Check and repair instead of rebuilding: do what a crash left undone after a "
            "commit, and index "
            "the courses that have no search entries.",
        )
        parser.add_argument(
            "--reread-files",
            action="store_true",
            help="Read the text of PDF files again instead of using what was read before.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        reread = options["reread_files"]
        started = time.monotonic()
        if options["repair"]:
            pending = followups.run_rows()
            repaired = missing_courses()
            for course_id in repaired:
                reindex_course(course_id)
            self.stdout.write(
                _(
                    "Search index checked: %(pending)d pending updates done, %(missing)d "
                    "courses without entries indexed."
                )
                % {"pending": pending, "missing": len(repaired)}
            )
            return
        if options["course"] is not None:
            course = Course.objects.filter(pk=options["course"]).first()
            if course is None:
                raise CommandError(
                    _("There is no course number %(id)s.") % {"id": options["course"]}
                )
            done = [(course, reindex_course(course.pk, reread_files=reread))]
        else:
            done = []
            for course, rows in reindex_all(reread_files=reread):
                done.append((course, rows))
                if options["verbosity"] > 1:
                    self.stdout.write(f"{course.pk} {course.title}: {rows}")
        self.stdout.write(
            _("Search index rebuilt: %(courses)d courses, %(rows)d entries, %(seconds).1f s.")
            % {
                "courses": len(done),
                "rows": sum(rows for _course, rows in done),
                "seconds": time.monotonic() - started,
            }
        )
