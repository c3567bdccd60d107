"""Administrators' pages for establishments and institutions: a list with counts, a form to
add one, and one to rename it or change its kind."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django import forms
from django.contrib import messages
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from cartable.accounts import organisations
from cartable.accounts.access import admin_only
from cartable.accounts.models import Establishment, Institution, User


@dataclass(frozen=True)
class Page:
    """What differs between the two lists."""

    model: type[organisations.Organisation]
    route: str
    edit_route: str
    title: Promise
    intro: Promise
    counted: str  # the related rows counted in the list
    count_label: Promise
    added: Promise
    changed: Promise


ESTABLISHMENTS = Page(
    model=Establishment,
    route="accounts:establishments",
    edit_route="accounts:establishment_edit",
    title=gettext_lazy("Establishments"),
    intro=gettext_lazy(
        "The sites where the box serves learners: a prison, a campus, a school. Accounts and "
        "groups belong to one."
    ),
    counted="users",
    count_label=gettext_lazy("accounts"),
    added=gettext_lazy("Establishment “%(name)s” created."),
    changed=gettext_lazy("Establishment “%(name)s” saved."),
)
INSTITUTIONS = Page(
    model=Institution,
    route="accounts:institutions",
    edit_route="accounts:institution_edit",
    title=gettext_lazy("Institutions"),
    intro=gettext_lazy(
        "The universities and schools that provide courses and receive learners' work."
    ),
    counted="courses",
    count_label=gettext_lazy("courses"),
    added=gettext_lazy("Institution “%(name)s” created."),
    changed=gettext_lazy("Institution “%(name)s” saved."),
)


class OrganisationForm(forms.Form):
    slug = forms.CharField(
        label=gettext_lazy("Short name"),
        max_length=64,
        help_text=gettext_lazy(
            "Lowercase letters, digits and dashes; used in files and commands, it cannot change."
        ),
    )
    name = forms.CharField(label=gettext_lazy("Name"), max_length=200)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"))

    def __init__(self, *args: Any, model: type[organisations.Organisation], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["kind"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = model.Kind.choices


class RenameForm(OrganisationForm):
    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        del self.fields["slug"]


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _list(request: HttpRequest, page: Page) -> HttpResponse:
    form = OrganisationForm(
        request.POST or None,
        model=page.model,
        initial={"kind": page.model._meta.get_field("kind").default},
    )
    if request.method == "POST" and form.is_valid():
        try:
            item = organisations.create(
                actor=_actor(request),
                model=page.model,
                slug=form.cleaned_data["slug"].strip(),
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                request=request,
            )
        except organisations.OrganisationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, str(page.added) % {"name": item.name})
            return redirect(page.route)
    items = page.model.objects.annotate(count=Count(page.counted)).order_by("name")
    return render(
        request,
        "accounts/organisations.html",
        {"page": page, "items": items, "form": form},
        status=400 if form.errors else 200,
    )


def _edit(request: HttpRequest, page: Page, item_id: int) -> HttpResponse:
    item = page.model.objects.filter(pk=item_id).first()
    if item is None:
        raise Http404
    form = RenameForm(
        request.POST or None, model=page.model, initial={"name": item.name, "kind": item.kind}
    )
    if request.method == "POST" and form.is_valid():
        try:
            organisations.update(
                actor=_actor(request),
                item=item,
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
                request=request,
            )
        except organisations.OrganisationError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, str(page.changed) % {"name": item.name})
            return redirect(page.route)
    return render(
        request,
        "accounts/organisation_edit.html",
        {"page": page, "item": item, "form": form},
        status=400 if form.errors else 200,
    )


@admin_only
def establishments(request: HttpRequest) -> HttpResponse:
    return _list(request, ESTABLISHMENTS)


@admin_only
def establishment_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    return _edit(request, ESTABLISHMENTS, item_id)


@admin_only
def institutions(request: HttpRequest) -> HttpResponse:
    return _list(request, INSTITUTIONS)


@admin_only
def institution_edit(request: HttpRequest, item_id: int) -> HttpResponse:
    return _edit(request, INSTITUTIONS, item_id)
