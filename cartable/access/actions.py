"""Every change to access hours: one transaction, the acting user passed explicitly, an audit
row with what the rule says."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _

from cartable.access.models import Rule
from cartable.accounts.models import Cohort, Establishment, Role, User
from cartable.audit.actions import record


class RuleError(ValueError):
    """A rule that cannot be saved; the message is for the user, translated."""


def managed_establishments(actor: User) -> QuerySet[Establishment]:
    """Where ``actor`` manages access hours: administrators everywhere, staff in their own
    establishment, nobody else anywhere."""
    if actor.role == Role.ADMIN:
        return Establishment.objects.all()
    if actor.role == Role.STAFF and actor.establishment_id is not None:
        return Establishment.objects.filter(pk=actor.establishment_id)
    return Establishment.objects.none()


def managed_rules(actor: User) -> QuerySet[Rule]:
    return Rule.objects.filter(establishment__in=managed_establishments(actor))


@dataclass(frozen=True)
class Fields:
    """What a form gives: where (the establishment, a group of it, or a learner of it) and
    when."""

    kind: str
    cohort: Cohort | None = None
    learner_name: str = ""
    days: tuple[int, ...] = ()
    first_day: date | None = None
    last_day: date | None = None
    start: time | None = None
    end: time | None = None
    note: str = ""


def _check(actor: User, establishment: Establishment, fields: Fields) -> dict[str, Any]:
    if not managed_establishments(actor).filter(pk=establishment.pk).exists():
        raise RuleError(_("You may not change the access hours of this establishment."))
    if fields.kind not in Rule.Kind.values:
        raise RuleError(_("Unknown kind of rule."))
    if fields.cohort is not None and fields.cohort.establishment_id != establishment.pk:
        raise RuleError(_("This group is not one of this establishment’s."))
    learner = None
    if fields.learner_name:
        learner = User.objects.filter(
            username=User.normalize_username(fields.learner_name),
            establishment=establishment,
            role=Role.LEARNER,
        ).first()
        if learner is None:
            raise RuleError(
                _("No learner of this establishment has the username “%(name)s”.")
                % {"name": fields.learner_name}
            )
    if (fields.start is None) != (fields.end is None):
        raise RuleError(_("Give both the start and the end, or neither."))
    values: dict[str, Any] = {
        "kind": fields.kind,
        "cohort": fields.cohort if learner is None else None,
        "learner": learner,
        "start": fields.start,
        "end": fields.end,
        "note": fields.note.strip()[:200],
        "days": 0,
        "first_day": None,
        "last_day": None,
    }
    if fields.kind == Rule.Kind.WEEKLY:
        if learner is not None:
            raise RuleError(_("Weekly hours are an establishment’s or a group’s."))
        if not fields.days:
            raise RuleError(_("Choose at least one day."))
        if fields.start is None:
            raise RuleError(_("Give the start and the end."))
        values["days"] = sum(1 << day for day in set(fields.days) if 0 <= day < 7)
        return values
    if fields.first_day is None:
        raise RuleError(_("Give the date."))
    if fields.kind == Rule.Kind.OPEN and fields.start is None:
        raise RuleError(_("Give the hours when access is open that day."))
    if fields.last_day is not None and fields.last_day < fields.first_day:
        raise RuleError(_("The last day comes before the first."))
    last = fields.last_day
    if last is None and not (learner is not None and fields.kind == Rule.Kind.CLOSED):
        last = fields.first_day  # only a learner's block lasts until lifted
    values.update(first_day=fields.first_day, last_day=last)
    return values


def describe(rule: Rule) -> dict[str, Any]:
    """What the audit log keeps of a rule."""
    return {
        "kind": rule.kind,
        "group": rule.cohort.name if rule.cohort_id and rule.cohort else None,
        "learner": rule.learner.username if rule.learner_id and rule.learner else None,
        "days": rule.weekdays() if rule.is_weekly else None,
        "first_day": rule.first_day.isoformat() if rule.first_day else None,
        "last_day": rule.last_day.isoformat() if rule.last_day else None,
        "start": rule.start.strftime("%H:%M") if rule.start else None,
        "end": rule.end.strftime("%H:%M") if rule.end else None,
        "note": rule.note,
    }


@transaction.atomic
def create_rule(
    *,
    actor: User,
    establishment: Establishment,
    fields: Fields,
    request: HttpRequest | None = None,
) -> Rule:
    rule = Rule.objects.create(establishment=establishment, **_check(actor, establishment, fields))
    record("hours.rule_created", actor=actor, target=rule, details=describe(rule), request=request)
    return rule


@transaction.atomic
def update_rule(
    *, actor: User, rule: Rule, fields: Fields, request: HttpRequest | None = None
) -> Rule:
    before = describe(rule)
    values = _check(actor, rule.establishment, fields)
    for name, value in values.items():
        setattr(rule, name, value)
    rule.save()
    record(
        "hours.rule_changed",
        actor=actor,
        target=rule,
        details={"before": before, "after": describe(rule)},
        request=request,
    )
    return rule


@transaction.atomic
def delete_rule(*, actor: User, rule: Rule, request: HttpRequest | None = None) -> None:
    if not managed_establishments(actor).filter(pk=rule.establishment_id).exists():
        raise RuleError(_("You may not change the access hours of this establishment."))
    details = describe(rule)
    record("hours.rule_deleted", actor=actor, target=rule, details=details, request=request)
    rule.delete()
