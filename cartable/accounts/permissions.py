"""Who may see and manage which accounts.

Administrators manage every account. Staff manage the learners and teachers of their own
establishment and see (without managing) its other staff. Nobody else manages accounts.
The same rules answer "may this user do this?" and "which rows may this user see?".
"""

from __future__ import annotations

from django.db.models import QuerySet

from cartable.accounts.models import Cohort, Establishment, Role, User

MANAGED_BY_STAFF = (Role.LEARNER, Role.TEACHER)


def creatable_roles(actor: User | None) -> tuple[Role, ...]:
    """Roles ``actor`` may give to a new account; None is the box's operator (command line)."""
    if actor is None or actor.role == Role.ADMIN:
        return (Role.LEARNER, Role.TEACHER, Role.STAFF, Role.ADMIN)
    if actor.role == Role.STAFF:
        return MANAGED_BY_STAFF
    return ()


def visible_accounts(actor: User) -> QuerySet[User]:
    if actor.role == Role.ADMIN:
        return User.objects.all()
    if actor.role == Role.STAFF and actor.establishment_id is not None:
        return User.objects.filter(establishment_id=actor.establishment_id).exclude(role=Role.ADMIN)
    return User.objects.none()


def can_manage(actor: User | None, account: User) -> bool:
    if actor is None or actor.role == Role.ADMIN:
        return True
    return (
        actor.role == Role.STAFF
        and actor.establishment_id is not None
        and account.establishment_id == actor.establishment_id
        and account.role in MANAGED_BY_STAFF
    )


def visible_cohorts(actor: User) -> QuerySet[Cohort]:
    if actor.role == Role.ADMIN:
        return Cohort.objects.all()
    if actor.role == Role.STAFF and actor.establishment_id is not None:
        return Cohort.objects.filter(establishment_id=actor.establishment_id)
    return Cohort.objects.none()


def visible_establishments(actor: User) -> QuerySet[Establishment]:
    if actor.role == Role.ADMIN:
        return Establishment.objects.all()
    if actor.establishment_id is not None:
        return Establishment.objects.filter(pk=actor.establishment_id)
    return Establishment.objects.none()
