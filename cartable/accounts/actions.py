"""Every change to accounts goes through here: one transaction, the acting user passed
explicitly (None is the box's operator at the command line), an audit row written with it."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from axes.utils import reset as axes_reset
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.accounts import csvimport, lockout, passwords
from cartable.accounts.models import CartableUserManager, Cohort, Establishment, Role, User
from cartable.accounts.permissions import can_manage, creatable_roles
from cartable.audit.actions import record


class AccountError(ValueError):
    """A change to accounts that cannot be made; the message is for the user, translated."""


@dataclass(frozen=True)
class Credentials:
    """A new or reset account and the password to hand over (shown once, never stored)."""

    user: User
    password: str


def default_establishment() -> Establishment:
    """The establishment new accounts join when none is named: the only one, or a default."""
    only = list(Establishment.objects.all()[:2])
    if len(only) == 1:
        return only[0]
    establishment, _created = Establishment.objects.get_or_create(
        slug=Establishment.DEFAULT_SLUG, defaults={"name": _("Main establishment")}
    )
    return establishment


def _establishment_for(actor: User | None, establishment: Establishment | None) -> Establishment:
    if actor is not None and actor.role != Role.ADMIN:
        if actor.establishment is None:
            raise AccountError(_("Your account belongs to no establishment."))
        if establishment is not None and establishment.pk != actor.establishment_id:
            raise AccountError(_("You may only create accounts in your own establishment."))
        return actor.establishment
    return establishment or default_establishment()


def _check_role(actor: User | None, role: str) -> Role:
    if role not in Role.values:
        raise AccountError(_("Unknown role “%(role)s”.") % {"role": role})
    if role not in creatable_roles(actor):
        raise AccountError(
            _("You may not create an account with the role “%(role)s”.")
            % {"role": Role(role).label}
        )
    return Role(role)


def _check_password(password: str, user: User | None = None) -> list[str]:
    try:
        validate_password(password, user)
    except ValidationError as error:
        return list(error.messages)
    return []


def _password_for(user: User, chosen: str | None) -> str:
    """The password chosen by staff (checked against the password rules) or a generated one."""
    if not chosen:
        return passwords.generate()
    problems = _check_password(chosen, user)
    if problems:
        raise AccountError(" ".join(problems))
    return chosen


def _check_username(username: str) -> str:
    username = CartableUserManager.normalize_username(username)
    if not username or len(username) > 150 or not csvimport.USERNAME_RE.match(username):
        raise AccountError(
            _("A username may only hold letters, digits and . @ + - _ (150 at most).")
        )
    if User.objects.filter(username=username).exists():
        raise AccountError(_("The username “%(username)s” is taken.") % {"username": username})
    return username


def _cohorts(establishment: Establishment, names: Iterable[str]) -> list[Cohort]:
    cohorts = []
    for name in names:
        cohort, _created = Cohort.objects.get_or_create(establishment=establishment, name=name)
        cohorts.append(cohort)
    return cohorts


@transaction.atomic
def create_account(
    *,
    actor: User | None,
    username: str,
    role: str = Role.LEARNER,
    first_name: str = "",
    last_name: str = "",
    password: str | None = None,
    establishment: Establishment | None = None,
    groups: Sequence[str] = (),
    request: HttpRequest | None = None,
) -> Credentials:
    checked_role = _check_role(actor, role)
    home = _establishment_for(actor, establishment)
    username = _check_username(username)
    user = User(
        username=username,
        first_name=first_name.strip()[:150],
        last_name=last_name.strip()[:150],
        role=checked_role,
        establishment=home,
    )
    password = _password_for(user, password)
    user.set_password(password)
    user.save()
    cohorts = _cohorts(home, groups)
    if cohorts:
        user.cohorts.add(*cohorts)
    record(
        "account.created",
        actor=actor,
        target=user,
        request=request,
        details={
            "role": checked_role.value,
            "establishment": home.slug,
            "groups": [cohort.name for cohort in cohorts],
        },
    )
    return Credentials(user=user, password=password)


def import_accounts(
    *,
    actor: User | None,
    data: bytes,
    max_rows: int,
    establishment: Establishment | None = None,
    request: HttpRequest | None = None,
) -> list[Credentials]:
    """Create every account of a CSV file, or none: any bad line stops the whole file."""
    parsed = csvimport.parse(data, max_rows=max_rows)
    rows = parsed.rows
    home = _establishment_for(actor, establishment)
    allowed = creatable_roles(actor)
    taken = set(
        User.objects.filter(username__in=[row.username for row in rows]).values_list(
            "username", flat=True
        )
    )
    errors = list(parsed.errors)
    for row in rows:
        if row.username in taken:
            errors.append(
                csvimport.LineError(
                    row.line,
                    _("the username “%(username)s” is taken.") % {"username": row.username},
                )
            )
        if row.role not in allowed:
            errors.append(
                csvimport.LineError(
                    row.line,
                    _("you may not create an account with the role “%(role)s”.")
                    % {"role": row.role.label},
                )
            )
        if row.password:
            probe = User(username=row.username, first_name=row.first_name, last_name=row.last_name)
            errors.extend(
                csvimport.LineError(row.line, problem)
                for problem in _check_password(row.password, probe)
            )
    if errors:
        raise csvimport.CsvImportError(sorted(errors, key=lambda error: error.line))

    created: list[Credentials] = []
    with transaction.atomic():
        cohorts = {cohort.name: cohort for cohort in _cohorts(home, _all_groups(rows))}
        for row in rows:
            password = row.password or passwords.generate()
            user = User(
                username=row.username,
                first_name=row.first_name,
                last_name=row.last_name,
                role=row.role,
                establishment=home,
            )
            user.set_password(password)
            user.save()
            if row.groups:
                user.cohorts.add(*(cohorts[name] for name in row.groups))
            record(
                "account.created",
                actor=actor,
                target=user,
                request=request,
                details={
                    "role": row.role.value,
                    "establishment": home.slug,
                    "groups": list(row.groups),
                    "source": "csv",
                    "line": row.line,
                },
            )
            created.append(Credentials(user=user, password=password))
        record(
            "account.imported",
            actor=actor,
            target=home,
            request=request,
            details={"count": len(created)},
        )
    return created


def _all_groups(rows: Sequence[csvimport.AccountRow]) -> list[str]:
    return list(dict.fromkeys(name for row in rows for name in row.groups))


def _check_manage(actor: User | None, account: User) -> None:
    if not can_manage(actor, account):
        raise AccountError(_("You may not manage this account."))


@transaction.atomic
def reset_password(
    *,
    actor: User | None,
    account: User,
    password: str | None = None,
    request: HttpRequest | None = None,
) -> Credentials:
    """Give the account a new password; this also unlocks it and ends its open sessions."""
    _check_manage(actor, account)
    password = _password_for(account, password)
    account.set_password(password)
    account.save(update_fields=["password"])
    axes_reset(username=account.username)
    record("account.password_reset", actor=actor, target=account, request=request)
    return Credentials(user=account, password=password)


@transaction.atomic
def unlock(*, actor: User | None, account: User, request: HttpRequest | None = None) -> int:
    """Forget the account's failed sign-ins, on every device, so that it can sign in again at
    once (its password unchanged). Returns how many failures were forgotten."""
    _check_manage(actor, account)
    failures = lockout.recent_failures(account.username)
    if not failures:
        raise AccountError(
            _("%(name)s has no failed sign-in to forget.") % {"name": account.display_name}
        )
    axes_reset(username=account.username)
    record(
        "account.unlocked",
        actor=actor,
        target=account,
        request=request,
        details={"failed_sign_ins": failures},
    )
    return failures


def group_members_to_reset(actor: User | None, cohort: Cohort) -> list[User]:
    """The active members of a group whose passwords ``actor`` may reset, by name."""
    members = cohort.members.filter(is_active=True).order_by("last_name", "first_name", "username")
    return [member for member in members if can_manage(actor, member)]


@transaction.atomic
def reset_group_passwords(
    *,
    actor: User | None,
    cohort: Cohort,
    max_accounts: int,
    request: HttpRequest | None = None,
) -> list[Credentials]:
    """New passwords for every active member of a group ``actor`` manages (a new term, a lost
    sheet): all of them or, on any error, none. Each reset is audited as a single one is."""
    if actor is not None and actor.role not in (Role.STAFF, Role.ADMIN):
        raise AccountError(_("You may not manage this group."))
    members = group_members_to_reset(actor, cohort)
    if not members:
        raise AccountError(_("This group has no active account you manage."))
    if len(members) > max_accounts:
        raise AccountError(
            _("This group has more than %(max)d accounts: reset their passwords one by one.")
            % {"max": max_accounts}
        )
    sheet = []
    for member in members:
        password = _password_for(member, None)
        member.set_password(password)
        member.save(update_fields=["password"])
        axes_reset(username=member.username)
        record(
            "account.password_reset",
            actor=actor,
            target=member,
            request=request,
            details={"group": cohort.name},
        )
        sheet.append(Credentials(user=member, password=password))
    return sheet


@transaction.atomic
def set_active(
    *, actor: User | None, account: User, active: bool, request: HttpRequest | None = None
) -> None:
    """Deactivate (no more sign-in, open sessions end at their next request) or reactivate."""
    _check_manage(actor, account)
    if actor is not None and actor.pk == account.pk:
        raise AccountError(_("You may not deactivate your own account."))
    if account.is_active == active:
        return
    account.is_active = active
    account.save(update_fields=["is_active"])
    record(
        "account.reactivated" if active else "account.deactivated",
        actor=actor,
        target=account,
        request=request,
    )


@transaction.atomic
def create_cohort(
    *,
    actor: User | None,
    name: str,
    establishment: Establishment | None = None,
    request: HttpRequest | None = None,
) -> Cohort:
    if actor is not None and actor.role not in (Role.STAFF, Role.ADMIN):
        raise AccountError(_("You may not create groups."))
    home = _establishment_for(actor, establishment)
    name = name.strip()
    if not name or len(name) > 120:
        raise AccountError(_("A group needs a name of 120 characters at most."))
    if Cohort.objects.filter(establishment=home, name=name).exists():
        raise AccountError(_("The group “%(name)s” already exists.") % {"name": name})
    cohort = Cohort.objects.create(establishment=home, name=name)
    record("group.created", actor=actor, target=cohort, request=request)
    return cohort


@transaction.atomic
def set_groups(
    *,
    actor: User | None,
    account: User,
    cohorts: Sequence[Cohort],
    request: HttpRequest | None = None,
) -> None:
    _check_manage(actor, account)
    for cohort in cohorts:
        if cohort.establishment_id != account.establishment_id:
            raise AccountError(_("A group of another establishment cannot be used."))
    before = set(account.cohorts.values_list("name", flat=True))
    account.cohorts.set(cohorts)
    after = {cohort.name for cohort in cohorts}
    if before != after:
        record(
            "account.groups_changed",
            actor=actor,
            target=account,
            request=request,
            details={"added": sorted(after - before), "removed": sorted(before - after)},
        )


def set_language(user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])
