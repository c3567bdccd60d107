from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import CartableUserManager, Cohort, Establishment, Role
from cartable.catalog.models import Course, Enrolment
from cartable.devices.signin import check_sign_in


def _use_queryset(form: forms.Form, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


def _use_choices(form: forms.Form, name: str, choices: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = choices


class SignInForm(AuthenticationForm):
    """Usernames are compared without case; messages speak plainly."""

    error_messages = {
        "invalid_login": _(
            "Wrong username or password. Check them on your sheet and try again "
            "(capital letters do not matter in the username)."
        ),
        "inactive": _("This account is deactivated. Ask the staff."),
    }

    def clean_username(self) -> str:
        return CartableUserManager.normalize_username(self.cleaned_data.get("username") or "")

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        check_sign_in(self.request, user)  # learners only from the devices allowed


class AccountForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150, required=False)
    last_name = forms.CharField(label=_("Last name"), max_length=150, required=False)
    role = forms.ChoiceField(label=_("Role"))
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none(), required=False
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        help_text=_("Leave empty to have the box make one up (easier to read)."),
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def __init__(
        self,
        *args: Any,
        roles: tuple[Role, ...],
        cohorts: Any,
        establishments: Any | None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        _use_choices(self, "role", [(role.value, role.label) for role in roles])
        self.fields["role"].initial = Role.LEARNER
        _use_queryset(self, "groups", cohorts)
        if establishments is None:
            del self.fields["establishment"]
        else:
            _use_queryset(self, "establishment", establishments)


class CsvUploadForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv,text/plain"}),
    )
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none(), required=False
    )

    def __init__(self, *args: Any, establishments: Any | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if establishments is None:
            del self.fields["establishment"]
        else:
            _use_queryset(self, "establishment", establishments)


class GroupsForm(forms.Form):
    groups = forms.ModelMultipleChoiceField(
        label=_("Groups"),
        queryset=Cohort.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "groups", cohorts)


class CohortForm(forms.Form):
    name = forms.CharField(label=_("Group name"), max_length=120)


class EnrolForm(forms.Form):
    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())

    def __init__(self, *args: Any, courses: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "course", courses)


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("active", _("Active")), ("inactive", _("Deactivated"))],
    )
    group = forms.ModelChoiceField(
        label=_("Group"), queryset=Cohort.objects.none(), required=False, empty_label=_("All")
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_choices(self, "role", [("", _("All")), *Role.choices])
        _use_queryset(self, "group", cohorts)


class BulkEnrolForm(forms.Form):
    """Enrol a group or a list of usernames in a course (or take them out of it)."""

    ENROL, UNENROL = "enrol", "unenrol"

    course = forms.ModelChoiceField(label=_("Course"), queryset=Course.objects.none())
    role = forms.ChoiceField(
        label=_("As"),
        choices=[(Enrolment.Role.LEARNER, _("Learners")), (Enrolment.Role.TEACHER, _("Teachers"))],
        initial=Enrolment.Role.LEARNER,
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=[(ENROL, _("Enrol")), (UNENROL, _("Unenrol"))],
        initial=ENROL,
        widget=forms.RadioSelect,
    )
    group = forms.ModelChoiceField(
        label=_("A group"), queryset=Cohort.objects.none(), required=False
    )
    file = forms.FileField(
        label=_("Or a list of usernames (CSV file)"),
        required=False,
        help_text=_(
            "One username a line, or a CSV file with a “username” (or “identifiant”) column."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.txt,text/csv,text/plain"}),
    )
    usernames = forms.CharField(
        label=_("Or usernames typed here"),
        required=False,
        help_text=_("One username a line."),
        widget=forms.Textarea(attrs={"rows": 4, "autocapitalize": "none", "spellcheck": "false"}),
    )

    def __init__(self, *args: Any, courses: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_queryset(self, "course", courses)
        _use_queryset(self, "group", cohorts)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        given = [
            bool(data.get("group")),
            bool(data.get("file")),
            bool((data.get("usernames") or "").strip()),
        ]
        if sum(given) != 1:
            raise forms.ValidationError(
                _("Choose a group, or give a list of usernames (a file or typed), one of them.")
            )
        return data


class BulkAccountsForm(forms.Form):
    """The action chosen for the accounts ticked in the list."""

    action = forms.ChoiceField(label=_("With the selected accounts"))
    group = forms.ModelChoiceField(label=_("Group"), queryset=Cohort.objects.none(), required=False)

    ACTIONS = (
        ("add_to_group", _("Add to the group")),
        ("remove_from_group", _("Remove from the group")),
        ("deactivate", _("Deactivate")),
        ("reactivate", _("Reactivate")),
        ("new_passwords", _("Give new passwords")),
    )

    def __init__(self, *args: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_choices(self, "action", list(self.ACTIONS))
        _use_queryset(self, "group", cohorts)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") in ("add_to_group", "remove_from_group") and not data.get("group"):
            self.add_error("group", _("Choose the group."))
        return data
