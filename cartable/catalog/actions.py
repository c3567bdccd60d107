"""Changes to the catalog: enrolments, and (for content the project writes itself) courses."""

from __future__ import annotations

from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.accounts.models import Role, User
from cartable.accounts.permissions import can_manage
from cartable.audit.actions import record
from cartable.catalog.models import Course, Enrolment


class CatalogError(ValueError):
    """A catalog change that cannot be made; the message is for the user, translated."""


ENROLMENT_ROLE_FOR = {Role.LEARNER: Enrolment.Role.LEARNER, Role.TEACHER: Enrolment.Role.TEACHER}


def _check_may_enrol(actor: User | None, user: User) -> None:
    """Staff enrol the accounts they manage; None is the box's operator (command line)."""
    if actor is not None and (
        actor.role not in (Role.STAFF, Role.ADMIN) or not can_manage(actor, user)
    ):
        raise CatalogError(_("You may not enrol this account."))


@transaction.atomic
def enrol(
    *,
    actor: User | None,
    user: User,
    course: Course,
    role: str | None = None,
    request: HttpRequest | None = None,
) -> tuple[Enrolment, bool]:
    """Enrol ``user`` in ``course`` (idempotent). Returns the enrolment and whether it changed."""
    _check_may_enrol(actor, user)
    if user.role not in ENROLMENT_ROLE_FOR:
        raise CatalogError(_("Only learners and teachers are enrolled in courses."))
    wanted = role or ENROLMENT_ROLE_FOR[Role(user.role)]
    if wanted not in Enrolment.Role.values:
        raise CatalogError(_("Unknown enrolment role “%(role)s”.") % {"role": wanted})
    if wanted == Enrolment.Role.TEACHER and user.role != Role.TEACHER:
        raise CatalogError(_("Only a teacher account can teach a course."))
    enrolment, created = Enrolment.objects.get_or_create(
        user=user, course=course, defaults={"role": wanted}
    )
    if not created and enrolment.role == wanted:
        return enrolment, False
    if not created:
        enrolment.role = wanted
        enrolment.save(update_fields=["role"])
    record(
        "enrolment.created" if created else "enrolment.changed",
        actor=actor,
        target=course,
        request=request,
        details={"user": user.username, "role": wanted},
    )
    return enrolment, True


@transaction.atomic
def unenrol(
    *, actor: User | None, user: User, course: Course, request: HttpRequest | None = None
) -> bool:
    _check_may_enrol(actor, user)
    deleted, _rows = Enrolment.objects.filter(user=user, course=course).delete()
    if deleted:
        record(
            "enrolment.removed",
            actor=actor,
            target=course,
            request=request,
            details={"user": user.username},
        )
    return bool(deleted)


def find_course(shortname: str) -> Course:
    """A course by short name, ``institution/shortname`` when two institutions share it, or
    ``#id`` when two courses of one institution do."""
    if shortname.startswith("#") and shortname[1:].isascii() and shortname[1:].isdigit():
        found_by_id = Course.objects.filter(pk=int(shortname[1:])).first()
        if found_by_id is None:
            raise CatalogError(_("No course has the number %(id)s.") % {"id": shortname[1:]})
        return found_by_id
    institution, _sep, name = shortname.rpartition("/")
    courses = Course.objects.filter(shortname=name).select_related("institution")
    if institution:
        courses = courses.filter(institution__slug=institution)
    found = list(courses[:3])
    if not found:
        raise CatalogError(_("No course has the short name “%(name)s”.") % {"name": shortname})
    if len(found) > 1:
        one_each = len({course.institution_id for course in found}) == len(found)
        options = ", ".join(
            f"{course.institution.slug}/{course.shortname}"
            if one_each
            else f"#{course.pk} ({course.institution.slug}/{course.shortname})"
            for course in found
        )
        raise CatalogError(
            _("Several courses have the short name “%(name)s”; write one of: %(options)s.")
            % {"name": shortname, "options": options}
        )
    return found[0]
