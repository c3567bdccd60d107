"""Signing in and out, and the staff's pages for accounts and groups."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cartable.accounts import actions, lockout
from cartable.accounts.access import staff_only
from cartable.accounts.csvimport import COLUMNS, CsvImportError
from cartable.accounts.language import remember_language
from cartable.accounts.models import Role, User
from cartable.accounts.permissions import (
    can_manage,
    creatable_roles,
    visible_accounts,
    visible_cohorts,
    visible_establishments,
)
from cartable.audit.actions import record
from cartable.catalog import actions as catalog_actions
from cartable.catalog.access import visible_courses
from cartable.catalog.models import Course, Enrolment
from cartable.people.forms import (
    AccountFilterForm,
    AccountForm,
    BulkAccountsForm,
    CohortForm,
    CsvUploadForm,
    EnrolForm,
    GroupsForm,
    SignInForm,
)

PAGE_SIZE = 50


class SignInView(auth_views.LoginView):
    form_class = SignInForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form: AuthenticationForm) -> HttpResponse:
        response = super().form_valid(form)
        language = getattr(form.get_user(), "language", "")
        if language in dict(settings.LANGUAGES):
            remember_language(response, language)
        return response


class SignOutView(auth_views.LogoutView):
    pass


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("web:home")

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = _actor(self.request)
        record("account.password_changed", actor=user, target=user, request=self.request)
        messages.success(self.request, _("Your password has been changed."))
        return response


def _actor(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _account_for(request: HttpRequest, account_id: int) -> User:
    try:
        return visible_accounts(_actor(request)).select_related("establishment").get(pk=account_id)
    except User.DoesNotExist:
        raise Http404 from None


def _establishment_choices(actor: User) -> Any | None:
    """Only administrators choose an establishment; staff create in their own."""
    return visible_establishments(actor) if actor.role == Role.ADMIN else None


def _credentials_sheet(
    request: HttpRequest, credentials: list[actions.Credentials]
) -> HttpResponse:
    response = render(
        request,
        "accounts/credentials.html",
        {"credentials": credentials, "box_address": request.build_absolute_uri("/")},
    )
    response["Cache-Control"] = "no-store"
    return response


@staff_only
def account_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    cohorts = visible_cohorts(actor)
    form = AccountFilterForm(request.GET or None, cohorts=cohorts)
    accounts = visible_accounts(actor).select_related("establishment")
    if form.is_valid():
        data = form.cleaned_data
        if data["q"]:
            words = data["q"].split()
            for word in words:
                accounts = accounts.filter(
                    Q(username__icontains=word)
                    | Q(first_name__icontains=word)
                    | Q(last_name__icontains=word)
                )
        if data["role"]:
            accounts = accounts.filter(role=data["role"])
        if data["status"] == "active":
            accounts = accounts.filter(is_active=True)
        elif data["status"] == "inactive":
            accounts = accounts.filter(is_active=False)
        if data["group"]:
            accounts = accounts.filter(cohorts=data["group"])
    page = Paginator(accounts.order_by("last_name", "first_name", "username"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "accounts/list.html",
        {
            "form": form,
            "page": page,
            "query": query.urlencode(),
            "may_create": bool(creatable_roles(actor)),
            "bulk_form": BulkAccountsForm(cohorts=cohorts, auto_id="bulk-%s"),
        },
    )


@staff_only
def account_new(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = AccountForm(
        request.POST or None,
        roles=creatable_roles(actor),
        cohorts=visible_cohorts(actor),
        establishments=_establishment_choices(actor),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            credentials = actions.create_account(
                actor=actor,
                username=data["username"],
                role=data["role"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                password=data["password"] or None,
                establishment=data.get("establishment"),
                groups=[cohort.name for cohort in data["groups"]],
                request=request,
            )
        except actions.AccountError as error:
            form.add_error(None, str(error))
        else:
            return _credentials_sheet(request, [credentials])
    return render(request, "accounts/new.html", {"form": form}, status=400 if form.errors else 200)


@staff_only
def account_import(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = CsvUploadForm(
        request.POST or None, request.FILES or None, establishments=_establishment_choices(actor)
    )
    errors: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        if upload.size > settings.CSV_MAX_BYTES:
            errors.append(
                _("The file is larger than %(max)d bytes.") % {"max": settings.CSV_MAX_BYTES}
            )
        else:
            try:
                created = actions.import_accounts(
                    actor=actor,
                    data=upload.read(),
                    max_rows=settings.CSV_MAX_ROWS,
                    establishment=form.cleaned_data.get("establishment"),
                    request=request,
                )
            except CsvImportError as error:
                errors.extend(str(line) for line in error.errors)
            except actions.AccountError as error:
                errors.append(str(error))
            else:
                return _credentials_sheet(request, created)
    status = 400 if errors or form.errors else 200
    return render(
        request,
        "accounts/import.html",
        {"form": form, "errors": errors, "columns": COLUMNS, "max_rows": settings.CSV_MAX_ROWS},
        status=status,
    )


@staff_only
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    actor = _actor(request)
    account = _account_for(request, account_id)
    manageable = can_manage(actor, account)
    enrolments = Enrolment.objects.filter(user=account).select_related("course__institution")
    enrolled = [enrolment.course_id for enrolment in enrolments]
    context: dict[str, Any] = {
        "account": account,
        "manageable": manageable,
        "enrolments": enrolments,
        "groups": account.cohorts.all(),
    }
    if manageable:
        context["locked_on"] = lockout.locked_devices(account)
        context["groups_form"] = GroupsForm(
            initial={"groups": context["groups"]},
            cohorts=visible_cohorts(actor).filter(establishment=account.establishment),
        )
        if account.role in (Role.LEARNER, Role.TEACHER):
            context["enrol_form"] = EnrolForm(
                courses=visible_courses(actor).exclude(pk__in=enrolled).order_by("title")
            )
    return render(request, "accounts/detail.html", context)


def _managed_account(request: HttpRequest, account_id: int) -> User:
    account = _account_for(request, account_id)
    if not can_manage(_actor(request), account):
        raise Http404
    return account


@require_POST
@staff_only
def account_reset_password(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _managed_account(request, account_id)
    credentials = actions.reset_password(actor=_actor(request), account=account, request=request)
    return _credentials_sheet(request, [credentials])


@require_POST
@staff_only
def account_unlock(request: HttpRequest, account_id: int) -> HttpResponseBase:
    account = _managed_account(request, account_id)
    try:
        actions.unlock(actor=_actor(request), account=account, request=request)
    except actions.AccountError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _("%(name)s can sign in again with the same password.")
            % {"name": account.display_name},
        )
    return redirect("accounts:detail", account_id=account.pk)


@staff_only
def group_passwords(request: HttpRequest, group_id: int) -> HttpResponse:
    """New passwords for a whole group: GET asks for confirmation (who will get one), POST
    gives them and shows the sheet to print."""
    actor = _actor(request)
    cohort = visible_cohorts(actor).filter(pk=group_id).first()
    if cohort is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            sheet = actions.reset_group_passwords(
                actor=actor, cohort=cohort, max_accounts=settings.CSV_MAX_ROWS, request=request
            )
        except actions.AccountError as problem:
            error = str(problem)
        else:
            return _credentials_sheet(request, sheet)
    return render(
        request,
        "accounts/group_passwords.html",
        {
            "cohort": cohort,
            "members": actions.group_members_to_reset(actor, cohort),
            "error": error,
        },
        status=400 if error else 200,
    )


@require_POST
@staff_only
def account_set_active(request: HttpRequest, account_id: int) -> HttpResponseBase:
    account = _managed_account(request, account_id)
    active = request.POST.get("active") == "1"
    try:
        actions.set_active(actor=_actor(request), account=account, active=active, request=request)
    except actions.AccountError as error:
        messages.error(request, str(error))
    else:
        if active:
            messages.success(
                request, _("%(name)s can sign in again.") % {"name": account.display_name}
            )
        else:
            messages.success(
                request, _("%(name)s can no longer sign in.") % {"name": account.display_name}
            )
    return redirect("accounts:detail", account_id=account.pk)


@require_POST
@staff_only
def account_set_groups(request: HttpRequest, account_id: int) -> HttpResponseBase:
    account = _managed_account(request, account_id)
    cohorts = visible_cohorts(_actor(request)).filter(establishment=account.establishment)
    form = GroupsForm(request.POST, cohorts=cohorts)
    if form.is_valid():
        actions.set_groups(
            actor=_actor(request),
            account=account,
            cohorts=list(form.cleaned_data["groups"]),
            request=request,
        )
        messages.success(request, _("Groups saved."))
    else:
        messages.error(request, _("Choose groups from the list."))
    return redirect("accounts:detail", account_id=account.pk)


@require_POST
@staff_only
def account_enrol(request: HttpRequest, account_id: int) -> HttpResponseBase:
    account = _managed_account(request, account_id)
    form = EnrolForm(request.POST, courses=visible_courses(_actor(request)))
    if form.is_valid():
        course = form.cleaned_data["course"]
        try:
            catalog_actions.enrol(
                actor=_actor(request), user=account, course=course, request=request
            )
        except catalog_actions.CatalogError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Enrolled in “%(course)s”.") % {"course": course.title})
    else:
        messages.error(request, _("Choose a course from the list."))
    return redirect("accounts:detail", account_id=account.pk)


@require_POST
@staff_only
def account_unenrol(request: HttpRequest, account_id: int, course_id: int) -> HttpResponseBase:
    account = _managed_account(request, account_id)
    try:
        course = visible_courses(_actor(request)).get(pk=course_id)
    except Course.DoesNotExist:
        raise Http404 from None
    catalog_actions.unenrol(actor=_actor(request), user=account, course=course, request=request)
    messages.success(request, _("No longer enrolled in “%(course)s”.") % {"course": course.title})
    return redirect("accounts:detail", account_id=account.pk)


@staff_only
def group_list(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = actions.create_cohort(
                actor=actor, name=form.cleaned_data["name"], request=request
            )
        except actions.AccountError as error:
            form.add_error("name", str(error))
        else:
            messages.success(request, _("Group “%(name)s” created.") % {"name": cohort.name})
            return redirect("accounts:groups")
    cohorts = visible_cohorts(actor).select_related("establishment").annotate(size=Count("members"))
    return render(
        request,
        "accounts/groups.html",
        {"form": form, "cohorts": cohorts},
        status=400 if form.errors else 200,
    )
