"""Establishments (the sites where boxes run) and institutions (who provide the courses):
created and renamed by administrators, from the web or the command line, each change audited."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils.text import slugify
from django.utils.translation import gettext as _

from cartable.accounts.models import Establishment, Institution, Role, User
from cartable.audit.actions import record

Organisation = Establishment | Institution


class OrganisationError(ValueError):
    """A bad short name or name, or a short name already taken: said in one sentence."""


def _prefix(model: type[Organisation]) -> str:
    return "establishment" if model is Establishment else "institution"


def _check_actor(actor: User | None) -> None:
    if actor is not None and actor.role != Role.ADMIN:
        raise OrganisationError(_("Only administrators manage establishments and institutions."))


def _check_name(name: str) -> str:
    name = name.strip()
    if not name or len(name) > 200:
        raise OrganisationError(_("A name of 200 characters at most is needed."))
    return name


def check_slug(slug: str) -> str:
    if not slug or slugify(slug) != slug or len(slug) > 64:
        raise OrganisationError(
            _("A short name may only hold lowercase letters, digits and dashes: “%(slug)s”.")
            % {"slug": slug}
        )
    return slug


def create(
    *,
    actor: User | None,
    model: type[Organisation],
    slug: str,
    name: str,
    kind: str | None = None,
    request: HttpRequest | None = None,
) -> Any:
    """A new establishment or institution; ``actor`` None is the box's operator."""
    _check_actor(actor)
    fields: dict[str, Any] = {"slug": check_slug(slug), "name": _check_name(name)}
    if kind:
        if kind not in model.Kind.values:
            raise OrganisationError(_("Choose one of the kinds offered."))
        fields["kind"] = kind
    try:
        with transaction.atomic():
            item = model.objects.create(**fields)
            record(f"{_prefix(model)}.created", actor=actor, target=item, request=request)
    except IntegrityError:
        raise OrganisationError(_("The short name “%(slug)s” is taken.") % {"slug": slug}) from None
    return item


@transaction.atomic
def update(
    *,
    actor: User | None,
    item: Organisation,
    name: str,
    kind: str,
    request: HttpRequest | None = None,
) -> bool:
    """Rename an establishment or institution, or change its kind; its short name stays (files
    and commands name it). Returns whether anything changed."""
    _check_actor(actor)
    name = _check_name(name)
    if kind not in type(item).Kind.values:
        raise OrganisationError(_("Choose one of the kinds offered."))
    before = {"name": item.name, "kind": item.kind}
    after = {"name": name, "kind": kind}
    if before == after:
        return False
    item.name, item.kind = name, kind
    item.save(update_fields=["name", "kind"])
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    record(
        f"{_prefix(type(item))}.changed",
        actor=actor,
        target=item,
        details=changed,
        request=request,
    )
    return True
