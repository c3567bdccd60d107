"""Changes to many people at once: enrolling a group or a list in a course (and taking them out
again), and the bulk actions of the accounts list (groups, deactivation, new passwords).

Each is all or nothing: it is worked out first (``enrolment_change``, the preview staff read),
refused whole when any account is one the actor may not manage (a forged id, another
establishment's account, an unknown username), and made in one transaction with one audit row
that counts what changed and names whom. Doing it twice changes nothing the second time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from axes.utils import reset as axes_reset
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.accounts import passwords
from cartable.accounts.actions import Credentials
from cartable.accounts.models import STAFF_ROLES, Cohort, Role, User
from cartable.accounts.permissions import can_manage, visible_accounts
from cartable.audit.actions import record
from cartable.catalog.models import Course, Enrolment
from cartable.exchange import actions as exchange
from cartable.people.usernames import Listed


class PeopleError(ValueError):
    """A change to many people that cannot be made; the message is for the user, translated."""


# Which accounts may hold which enrolment (as ``catalog.actions.enrol`` says: teachers may also
# follow a course as learners).
TAKES: dict[str, frozenset[str]] = {
    Enrolment.Role.LEARNER: frozenset({Role.LEARNER, Role.TEACHER}),
    Enrolment.Role.TEACHER: frozenset({Role.TEACHER}),
}


@dataclass(frozen=True)
class EnrolmentChange:
    """What enrolling (or unenrolling) some accounts in a course would do."""

    course: Course
    role: str
    unenrol: bool
    new: list[User] = field(default_factory=list)  # enrolled (or unenrolled) by the change
    changed: list[User] = field(default_factory=list)  # enrolled with the other role: moved
    unchanged: list[User] = field(default_factory=list)  # already so: nothing to do
    skipped: list[User] = field(default_factory=list)  # group members of another role
    errors: list[str] = field(default_factory=list)  # any error refuses the whole change

    @property
    def empty(self) -> bool:
        return not self.new and not self.changed


def _check_actor(actor: User | None) -> None:
    if actor is not None and actor.role not in STAFF_ROLES:
        raise PeopleError(_("You may not manage accounts."))


def listed_accounts(actor: User, listed: Sequence[Listed]) -> tuple[list[User], list[str]]:
    """The accounts a list names, in its order, and an error for each line naming an unknown
    account or one ``actor`` may not manage (another establishment's, staff)."""
    by_name = {
        user.username: user
        for user in User.objects.filter(username__in=[row.username for row in listed])
    }
    found: list[User] = []
    errors: list[str] = []
    for row in listed:
        user = by_name.get(row.username)
        where = {"line": row.line, "username": row.username}
        if user is None:
            errors.append(_("Line %(line)d: no account has the username “%(username)s”.") % where)
        elif actor.role != Role.ADMIN and user.establishment_id != actor.establishment_id:
            errors.append(
                _("Line %(line)d: “%(username)s” is an account of another establishment.") % where
            )
        elif not can_manage(actor, user):
            errors.append(
                _(
                    "Line %(line)d: “%(username)s” is a staff account: only learners and "
                    "teachers are enrolled in courses."
                )
                % where
            )
        else:
            found.append(user)
    return found, errors


def group_accounts(actor: User, cohort: Cohort) -> list[User]:
    """The members of a group ``actor`` manages, by name (staff: their establishment's
    learners and teachers)."""
    members = cohort.members.order_by("last_name", "first_name", "username").select_related(None)
    return [member for member in members if can_manage(actor, member)]


def enrolment_change(
    actor: User,
    course: Course,
    *,
    accounts: Sequence[User],
    role: str,
    unenrol: bool = False,
    errors: Sequence[str] = (),
    from_group: bool = False,
) -> EnrolmentChange:
    """What enrolling ``accounts`` in ``course`` as ``role`` (or taking them out of it) would
    do, in two queries. Accounts that cannot hold the role are skipped when they come from a
    group, and are errors when a list names them."""
    if role not in TAKES:
        raise PeopleError(_("Unknown enrolment role “%(role)s”.") % {"role": role})
    change = EnrolmentChange(course=course, role=role, unenrol=unenrol, errors=list(errors))
    current = dict(
        Enrolment.objects.filter(
            course=course, user__in=[user.pk for user in accounts]
        ).values_list("user_id", "role")
    )
    for user in accounts:
        if not can_manage(actor, user):
            change.errors.append(
                _("You may not enrol the account “%(username)s”.") % {"username": user.username}
            )
            continue
        held = current.get(user.pk)
        if unenrol:
            (change.new if held == role else change.unchanged).append(user)
        elif user.role not in TAKES[role]:
            if from_group:
                change.skipped.append(user)
            else:
                change.errors.append(
                    (
                        _("“%(username)s” is not a teacher account: only teachers teach a course.")
                        if role == Enrolment.Role.TEACHER
                        else _(
                            "“%(username)s” is a staff account: only learners and teachers are "
                            "enrolled in courses."
                        )
                    )
                    % {"username": user.username}
                )
        elif held is None:
            change.new.append(user)
        elif held != role:
            change.changed.append(user)
        else:
            change.unchanged.append(user)
    return change


@transaction.atomic
def enrol_many(
    *,
    actor: User,
    course: Course,
    accounts: Sequence[User],
    role: str,
    unenrol: bool = False,
    source: str,
    errors: Sequence[str] = (),
    from_group: bool = False,
    request: HttpRequest | None = None,
) -> EnrolmentChange:
    """Make the change ``enrolment_change`` describes, whole, or raise ``PeopleError`` with
    its first error and change nothing. One audit row names the course, the role, the source
    (a group or a list) and whom it enrolled, moved or took out; none when nothing changed."""
    _check_actor(actor)
    change = enrolment_change(
        actor,
        course,
        accounts=accounts,
        role=role,
        unenrol=unenrol,
        errors=errors,
        from_group=from_group,
    )
    if change.errors:
        raise PeopleError(change.errors[0])
    if change.empty:
        return change
    if unenrol:
        Enrolment.objects.filter(
            course=course, role=role, user__in=[user.pk for user in change.new]
        ).delete()
    else:
        Enrolment.objects.bulk_create(
            [Enrolment(user=user, course=course, role=role) for user in change.new]
        )
        Enrolment.objects.filter(
            course=course, user__in=[user.pk for user in change.changed]
        ).update(role=role)
    record(
        "enrolment.bulk_removed" if unenrol else "enrolment.bulk_created",
        actor=actor,
        target=course,
        request=request,
        details={
            "role": role,
            "source": source,
            "count": len(change.new),
            "changed": len(change.changed),
            "unchanged": len(change.unchanged),
            "users": [user.username for user in change.new],
            "changed_users": [user.username for user in change.changed],
        },
    )
    if not unenrol:  # grades from the hub that waited for these learners
        exchange.apply_parked(actor=actor, course=course)
    return change


# --- Bulk actions of the accounts list ---------------------------------------------------------

BULK_ACTIONS = ("add_to_group", "remove_from_group", "deactivate", "reactivate", "new_passwords")


def selected_accounts(actor: User, ids: Sequence[int], *, max_accounts: int) -> list[User]:
    """The accounts ``actor`` selected, all of which they must manage: any other id (a forged
    one, another establishment's account, a staff account for staff) refuses the selection."""
    _check_actor(actor)
    wanted = set(ids)
    if not wanted:
        raise PeopleError(_("Select at least one account."))
    if len(wanted) > max_accounts:
        raise PeopleError(_("Select at most %(max)d accounts at once.") % {"max": max_accounts})
    found = list(
        visible_accounts(actor)
        .filter(pk__in=wanted)
        .order_by("last_name", "first_name", "username")
    )
    if len(found) != len(wanted) or not all(can_manage(actor, user) for user in found):
        raise PeopleError(
            _("Some of the selected accounts are not yours to manage: nothing was changed.")
        )
    return found


def _bulk_record(
    action: str,
    *,
    actor: User,
    accounts: Sequence[User],
    request: HttpRequest | None,
    **details: object,
) -> None:
    # Filed under the accounts' establishment (whose staff read it), else the actor's.
    homes = {user.establishment_id for user in accounts}
    record(
        action,
        actor=actor,
        establishment_id=homes.pop() if len(homes) == 1 else None,
        request=request,
        details={"count": len(accounts), "users": [user.username for user in accounts], **details},
    )


@transaction.atomic
def set_group(
    *,
    actor: User,
    accounts: Sequence[User],
    cohort: Cohort,
    member: bool,
    request: HttpRequest | None = None,
) -> int:
    """Add the accounts to a group of their establishment (``member``) or take them out of
    it. Returns how many changed; one audit row when any did."""
    _check_actor(actor)
    if any(user.establishment_id != cohort.establishment_id for user in accounts):
        raise PeopleError(_("A group of another establishment cannot be used."))
    through = Cohort.members.through
    inside = set(
        through.objects.filter(cohort=cohort, user__in=[user.pk for user in accounts]).values_list(
            "user_id", flat=True
        )
    )
    if member:
        moved = [user for user in accounts if user.pk not in inside]
        through.objects.bulk_create([through(cohort=cohort, user=user) for user in moved])
    else:
        moved = [user for user in accounts if user.pk in inside]
        through.objects.filter(cohort=cohort, user__in=[user.pk for user in moved]).delete()
    if moved:
        _bulk_record(
            "account.bulk_group_added" if member else "account.bulk_group_removed",
            actor=actor,
            accounts=moved,
            request=request,
            group=cohort.name,
        )
    return len(moved)


@transaction.atomic
def set_active_many(
    *,
    actor: User,
    accounts: Sequence[User],
    active: bool,
    request: HttpRequest | None = None,
) -> int:
    """Deactivate (no sign-in; their open sessions end at their next request, as
    ``accounts.sessions`` says) or reactivate accounts. Returns how
    many changed; one audit row when any did."""
    _check_actor(actor)
    if not active and any(user.pk == actor.pk for user in accounts):
        raise PeopleError(_("You may not deactivate your own account."))
    moved = [user for user in accounts if user.is_active != active]
    if not moved:
        return 0
    User.objects.filter(pk__in=[user.pk for user in moved]).update(is_active=active)
    for user in moved:
        user.is_active = active
    _bulk_record(
        "account.bulk_reactivated" if active else "account.bulk_deactivated",
        actor=actor,
        accounts=moved,
        request=request,
    )
    return len(moved)


@transaction.atomic
def new_passwords(
    *,
    actor: User,
    accounts: Sequence[User],
    request: HttpRequest | None = None,
) -> list[Credentials]:
    """New readable passwords for the accounts (shown once, never stored in clear): their old
    passwords stop working, their failed sign-ins are forgotten, their open sessions end (at
    their next request: the session keeps a hash of the password).
    One audit row for the batch (the passwords are not in it)."""
    _check_actor(actor)
    sheet = []
    for user in accounts:
        password = passwords.generate()
        user.set_password(password)
        sheet.append(Credentials(user=user, password=password))
    User.objects.bulk_update(list(accounts), ["password"])
    for user in accounts:
        axes_reset(username=user.username)
    _bulk_record("account.bulk_password_reset", actor=actor, accounts=accounts, request=request)
    return sheet
