"""cartable enrol USERNAME COURSE_SHORTNAME [--role learner|teacher]"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from cartable.accounts.models import CartableUserManager, User
from cartable.catalog import actions
from cartable.catalog.models import Enrolment
from cartable.commands import CartableCommand


class Command(CartableCommand):
    help = "Enrol an account in a course (as a learner, or a teacher for teacher accounts)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")
        parser.add_argument(
            "course", help="Course short name, or INSTITUTION/SHORTNAME when it is ambiguous."
        )
        parser.add_argument(
            "--role",
            choices=Enrolment.Role.values,
            help="Defaults to the account's role (learner or teacher).",
        )
        parser.add_argument("--remove", action="store_true", help="Unenrol instead.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = User.objects.get(
                username=CartableUserManager.normalize_username(options["username"])
            )
        except User.DoesNotExist:
            raise CommandError(
                _("No account has the username “%(username)s”.") % {"username": options["username"]}
            ) from None
        try:
            course = actions.find_course(options["course"])
            if options["remove"]:
                removed = actions.unenrol(actor=None, user=user, course=course)
                message = (
                    _("%(user)s is no longer enrolled in %(course)s.")
                    if removed
                    else _("%(user)s was not enrolled in %(course)s.")
                )
            else:
                enrolment, changed = actions.enrol(
                    actor=None, user=user, course=course, role=options["role"]
                )
                message = (
                    _("%(user)s is enrolled in %(course)s as %(role)s.")
                    if changed
                    else _("%(user)s was already enrolled in %(course)s as %(role)s.")
                )
        except actions.CatalogError as error:
            raise CommandError(str(error)) from None
        role = "" if options["remove"] else enrolment.get_role_display()
        self.stdout.write(
            message % {"user": user.username, "course": course.shortname, "role": role}
        )
