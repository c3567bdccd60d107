"""The enrolment page (any device) and staff's pages for devices, their groups, the sign-in
rule and loans. Staff see their establishment's, administrators every one's."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts.access import staff_only
from cartable.accounts.models import Cohort, Establishment, Role, User
from cartable.devices import actions, credentials
from cartable.devices.access import (
    managed_establishments,
    may_manage,
    visible_devices,
    visible_groups,
    visible_loans,
)
from cartable.devices.forms import (
    CheckoutForm,
    CohortRuleForm,
    DeviceFilterForm,
    DeviceForm,
    EnrolForm,
    GroupForm,
    LoanFilterForm,
    PolicyForm,
    ReturnForm,
)
from cartable.devices.models import CohortDeviceRule, Device, DeviceGroup, DevicePolicy, Loan

PAGE_SIZE = 50


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _no_store(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    return response


# --- Enrolment, on the device ----------------------------------------------------------------


def enrol(request: HttpRequest) -> HttpResponse:
    """Anyone, on the device to enrol, types the code staff gave."""
    form = EnrolForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            device, secret = actions.enrol(typed=form.cleaned_data["code"], request=request)
        except actions.DeviceError as error:
            form.add_error("code", str(error))
        else:
            messages.success(
                request, _("This device is now enrolled as “%(label)s”.") % {"label": device.label}
            )
            response = redirect("devices:enrol")
            credentials.give(response, request, secret)
            return response
    credential = credentials.from_request(request)
    current = (
        Device.objects.filter(credential_hash=credential, revoked_at__isnull=True).first()
        if credential
        else None
    )
    return _no_store(render(request, "devices/enrol.html", {"form": form, "current": current}))


# --- The register ------------------------------------------------------------------------------


def _device_for(request: HttpRequest, device_id: int) -> Device:
    try:
        return (
            visible_devices(_actor(request))
            .select_related("establishment", "group")
            .get(pk=device_id)
        )
    except Device.DoesNotExist:
        raise Http404 from None


def _admin_establishments(actor: User) -> QuerySet[Establishment] | None:
    return managed_establishments(actor) if actor.role == Role.ADMIN else None


@staff_only
def device_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    groups = visible_groups(actor)
    form = DeviceFilterForm(request.GET or None, groups=groups)
    devices = visible_devices(actor).select_related("group", "establishment")
    if form.is_valid():
        data = form.cleaned_data
        for word in data["q"].split():
            devices = devices.filter(Q(label__icontains=word) | Q(asset_number__icontains=word))
        if data["group"]:
            devices = devices.filter(group=data["group"])
        if data["state"]:
            devices = devices.filter(state=data["state"])
        enrolled = Q(credential_hash__isnull=False, revoked_at__isnull=True)
        if data["enrolled"] == "yes":
            devices = devices.filter(enrolled)
        elif data["enrolled"] == "no":
            devices = devices.exclude(enrolled)
    devices = devices.prefetch_related(
        Prefetch(
            "loans",
            queryset=Loan.objects.filter(returned_at__isnull=True).select_related("learner"),
            to_attr="open_loans",
        )
    )
    page = Paginator(devices.order_by("label", "pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "devices/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "establishments": managed_establishments(actor),
            "overdue": _overdue(visible_loans(actor)).count(),
        },
    )


def _device_form_data(form: DeviceForm) -> dict[str, Any]:
    data = form.cleaned_data
    return {
        "kind": data["kind"],
        "label": data["label"],
        "asset_number": data["asset_number"],
        "group": data["group"],
        "notes": data["notes"],
    }


@staff_only
def device_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    establishments = _admin_establishments(actor)
    form = DeviceForm(
        request.POST or None,
        groups=visible_groups(actor),
        establishments=establishments,
        editing=False,
    )
    if request.method == "POST" and form.is_valid():
        establishment = form.cleaned_data.get("establishment") or actor.establishment
        if establishment is None:
            form.add_error(None, _("Your account belongs to no establishment."))
        else:
            try:
                device = actions.create_device(
                    actor=actor,
                    establishment=establishment,
                    request=request,
                    **_device_form_data(form),
                )
            except actions.DeviceError as error:
                form.add_error(None, str(error))
            else:
                messages.success(request, _("Device “%(label)s” added.") % {"label": device.label})
                return redirect("devices:detail", device_id=device.pk)
    return render(request, "devices/form.html", {"form": form, "device": None})


@staff_only
def device_edit(request: HttpRequest, device_id: int) -> HttpResponse:
    actor = _actor(request)
    device = _device_for(request, device_id)
    initial = {
        "label": device.label,
        "kind": device.kind,
        "asset_number": device.asset_number,
        "group": device.group_id,
        "state": device.state,
        "notes": device.notes,
    }
    form = DeviceForm(
        request.POST or None,
        initial=initial,
        groups=DeviceGroup.objects.filter(establishment_id=device.establishment_id),
        establishments=None,
        editing=True,
    )
    if request.method == "POST" and form.is_valid():
        try:
            actions.change_device(
                actor=actor,
                device=device,
                state=form.cleaned_data["state"],
                request=request,
                **_device_form_data(form),
            )
        except actions.DeviceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Device “%(label)s” saved.") % {"label": device.label})
            return redirect("devices:detail", device_id=device.pk)
    return render(request, "devices/form.html", {"form": form, "device": device})


@staff_only
def device_detail(request: HttpRequest, device_id: int) -> HttpResponse:
    device = _device_for(request, device_id)
    loans = list(device.loans.select_related("learner")[:20])
    open_loan = next((loan for loan in loans if loan.returned_at is None), None)
    return render(
        request,
        "devices/detail.html",
        {
            "device": device,
            "loans": loans,
            "open_loan": open_loan,
            "today": timezone.localdate(),
        },
    )


@staff_only
def device_code(request: HttpRequest, device_id: int) -> HttpResponse:
    """GET: what a code is for; POST: a new code, shown once."""
    device = _device_for(request, device_id)
    issued = None
    if request.method == "POST":
        try:
            issued = actions.issue_code(actor=_actor(request), device=device, request=request)
        except actions.DeviceError as error:
            messages.error(request, str(error))
            return redirect("devices:detail", device_id=device.pk)
    return _no_store(
        render(
            request,
            "devices/code.html",
            {
                "device": device,
                "issued": issued,
                "minutes": credentials.CODE_MINUTES,
                "enrol_address": request.build_absolute_uri("/device/enrol/"),
            },
        )
    )


@staff_only
@require_POST
def device_revoke(request: HttpRequest, device_id: int) -> HttpResponse:
    device = _device_for(request, device_id)
    try:
        actions.revoke(actor=_actor(request), device=device, request=request)
    except actions.DeviceError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("The enrolment of “%(label)s” is withdrawn: it can no longer be used to sign in.")
            % {"label": device.label},
        )
    return redirect("devices:detail", device_id=device.pk)


@staff_only
def groups(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = GroupForm(request.POST or None, establishments=_admin_establishments(actor))
    if request.method == "POST" and form.is_valid():
        establishment = form.cleaned_data.get("establishment") or actor.establishment
        if establishment is None:
            form.add_error(None, _("Your account belongs to no establishment."))
        else:
            try:
                group = actions.create_group(
                    actor=actor,
                    establishment=establishment,
                    name=form.cleaned_data["name"],
                    request=request,
                )
            except actions.DeviceError as error:
                form.add_error("name", str(error))
            else:
                messages.success(
                    request, _("Device group “%(name)s” created.") % {"name": group.name}
                )
                return redirect("devices:groups")
    listed = (
        visible_groups(actor)
        .annotate(size=Count("devices"))
        .order_by("establishment__name", "name")
    )
    return render(
        request,
        "devices/groups.html",
        {"groups": listed, "form": form, "many": actor.role == Role.ADMIN},
    )


def _group(request: HttpRequest, group_id: int) -> DeviceGroup:
    found = visible_groups(_actor(request)).filter(pk=group_id).first()
    if found is None:
        raise Http404
    return found


@staff_only
def group_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    """Rename a device group; the page also offers to delete it."""
    actor = _actor(request)
    group = _group(request, group_id)
    form = GroupForm(request.POST or None, establishments=None, initial={"name": group.name})
    if request.method == "POST" and form.is_valid():
        try:
            actions.rename_group(
                actor=actor, group=group, name=form.cleaned_data["name"], request=request
            )
        except actions.DeviceError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Device group renamed “%(name)s”.") % {"name": group.name})
            return redirect("devices:groups")
    size = group.devices.count()
    return render(request, "devices/group_edit.html", {"group": group, "form": form, "size": size})


@staff_only
@require_POST
def group_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    group = _group(request, group_id)
    name = group.name
    try:
        actions.delete_group(actor=_actor(request), group=group, request=request)
    except actions.DeviceError as error:
        messages.error(request, str(error))
        return redirect("devices:group_edit", group_id=group_id)
    messages.success(request, _("Device group “%(name)s” deleted.") % {"name": name})
    return redirect("devices:groups")


# --- Loans -------------------------------------------------------------------------------------


def _overdue(loans: QuerySet[Loan]) -> QuerySet[Loan]:
    return loans.filter(returned_at__isnull=True, due_on__lt=timezone.localdate())


def _loan_for(request: HttpRequest, loan_id: int) -> Loan:
    try:
        return (
            visible_loans(_actor(request))
            .select_related("device", "device__establishment", "learner", "checked_out_by")
            .get(pk=loan_id)
        )
    except Loan.DoesNotExist:
        raise Http404 from None


def _loan_list(request: HttpRequest, status: str, title: str) -> HttpResponse:
    loans = visible_loans(_actor(request)).select_related("device", "learner")
    if status == "open":
        loans = loans.filter(returned_at__isnull=True)
    elif status == "overdue":
        loans = _overdue(loans)
    elif status == "returned":
        loans = loans.filter(returned_at__isnull=False)
    order = ("due_on", "pk") if status in ("open", "overdue") else ("-checked_out_at", "-pk")
    page = Paginator(loans.order_by(*order), PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "devices/loans.html",
        {
            "form": LoanFilterForm(initial={"status": status}),
            "status": status,
            "title": title,
            "page": page,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@staff_only
def loans(request: HttpRequest) -> HttpResponse:
    form = LoanFilterForm(request.GET or None)
    status = form.cleaned_data["status"] if form.is_valid() else ""
    return _loan_list(request, status or "open", _("Loans"))


@staff_only
def overdue(request: HttpRequest) -> HttpResponse:
    return _loan_list(request, "overdue", _("Overdue loans"))


@staff_only
def loan(request: HttpRequest, loan_id: int) -> HttpResponse:
    """The loan form, to print and sign."""
    found = _loan_for(request, loan_id)
    return render(request, "devices/loan.html", {"loan": found, "today": timezone.localdate()})


@staff_only
def checkout(request: HttpRequest, device_id: int) -> HttpResponse:
    actor = _actor(request)
    device = _device_for(request, device_id)
    learners = User.objects.filter(
        role=Role.LEARNER, is_active=True, establishment_id=device.establishment_id
    ).order_by("last_name", "first_name", "username")
    form = CheckoutForm(request.POST or None, learners=learners)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            made = actions.check_out(
                actor=actor,
                device=device,
                learner=data["learner"],
                due_on=data["due_on"],
                condition=data["condition"],
                notes=data["notes"],
                request=request,
            )
        except actions.DeviceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Loan recorded: print the form and have it signed."))
            return redirect("devices:loan", loan_id=made.pk)
    return render(request, "devices/checkout.html", {"form": form, "device": device})


@staff_only
def loan_return(request: HttpRequest, loan_id: int) -> HttpResponse:
    found = _loan_for(request, loan_id)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            actions.check_in(
                actor=_actor(request),
                loan=found,
                condition=form.cleaned_data["condition"],
                notes=form.cleaned_data["notes"],
                request=request,
            )
        except actions.DeviceError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Return of “%(label)s” recorded.") % {"label": found.device.label}
            )
            return redirect("devices:loan", loan_id=found.pk)
    return render(request, "devices/return.html", {"form": form, "loan": found})


# --- The sign-in rule --------------------------------------------------------------------------


@staff_only
def rule(request: HttpRequest, establishment_id: int) -> HttpResponse:
    actor = _actor(request)
    if not may_manage(actor, establishment_id):
        raise Http404
    try:
        establishment = Establishment.objects.get(pk=establishment_id)
    except Establishment.DoesNotExist:
        raise Http404 from None
    device_groups = DeviceGroup.objects.filter(establishment=establishment)
    cohorts = Cohort.objects.filter(establishment=establishment)
    policy = DevicePolicy.objects.filter(establishment=establishment).first()
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted is not None else None
    policy_form = PolicyForm(
        posted if which == "establishment" else None,
        groups=device_groups,
        initial={
            "enrolled_only": policy.enrolled_only if policy else False,
            "groups": list(policy.groups.all()) if policy else [],
        },
    )
    cohort_form = CohortRuleForm(
        posted if which == "cohort" else None, cohorts=cohorts, groups=device_groups
    )
    if posted is not None:
        if which == "establishment" and policy_form.is_valid():
            actions.set_policy(
                actor=actor,
                establishment=establishment,
                enrolled_only=policy_form.cleaned_data["enrolled_only"],
                groups=policy_form.cleaned_data["groups"],
                request=request,
            )
            messages.success(request, _("The sign-in rule is saved."))
            return redirect("devices:rule", establishment_id=establishment.pk)
        if which == "cohort" and cohort_form.is_valid():
            actions.set_cohort_rule(
                actor=actor,
                cohort=cohort_form.cleaned_data["cohort"],
                groups=cohort_form.cleaned_data["device_groups"],
                request=request,
            )
            messages.success(request, _("The rule of the group of learners is saved."))
            return redirect("devices:rule", establishment_id=establishment.pk)
        if which not in ("establishment", "cohort"):
            return HttpResponse(status=400)
    cohort_rules = (
        CohortDeviceRule.objects.filter(cohort__establishment=establishment)
        .select_related("cohort")
        .prefetch_related("groups")
        .order_by("cohort__name")
    )
    return render(
        request,
        "devices/rule.html",
        {
            "establishment": establishment,
            "policy_form": policy_form,
            "cohort_form": cohort_form,
            "cohort_rules": cohort_rules,
            "has_groups": device_groups.exists(),
        },
    )
