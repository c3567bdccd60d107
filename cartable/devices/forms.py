from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort, Establishment, User
from cartable.devices.models import Device, DeviceGroup, Loan


def _queryset(form: forms.Form, name: str, queryset: Any) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)
    field.queryset = queryset


class GroupChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def __init__(self, *args: Any, with_establishment: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.with_establishment = with_establishment

    def label_from_instance(self, obj: Any) -> str:
        if self.with_establishment:
            return f"{obj.establishment} — {obj.name}"
        return str(obj.name)


class EnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Enrolment code"),
        max_length=20,
        help_text=_("8 letters and digits, given by the staff (dashes and spaces do not matter)."),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class DeviceForm(forms.Form):
    label = forms.CharField(label=_("Label"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=Device.Kind.choices)
    asset_number = forms.CharField(
        label=_("Asset or serial number"), max_length=120, required=False
    )
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none()
    )
    group = GroupChoice(
        label=_("Device group"), queryset=DeviceGroup.objects.none(), required=False
    )
    state = forms.ChoiceField(label=_("State"), choices=Device.State.choices)
    notes = forms.CharField(
        label=_("Notes"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(
        self,
        *args: Any,
        groups: Any,
        establishments: Any | None,
        editing: bool,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["group"]
        assert isinstance(field, GroupChoice)
        field.queryset = groups
        field.with_establishment = establishments is not None
        if establishments is None or editing:
            del self.fields["establishment"]
        else:
            _queryset(self, "establishment", establishments)
        if not editing:
            del self.fields["state"]


class GroupForm(forms.Form):
    name = forms.CharField(label=_("Name of the room or group"), max_length=120)
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none()
    )

    def __init__(self, *args: Any, establishments: Any | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if establishments is None:
            del self.fields["establishment"]
        else:
            _queryset(self, "establishment", establishments)


class DeviceFilterForm(forms.Form):
    q = forms.CharField(label=_("Label or number"), required=False, max_length=120)
    group = GroupChoice(
        label=_("Device group"), queryset=DeviceGroup.objects.none(), required=False
    )
    state = forms.ChoiceField(
        label=_("State"), choices=[("", _("All")), *Device.State.choices], required=False
    )
    enrolled = forms.ChoiceField(
        label=_("Enrolment"),
        choices=[("", _("All")), ("yes", _("Enrolled")), ("no", _("Not enrolled"))],
        required=False,
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "group", groups)


class LearnerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else str(obj.username)


class CheckoutForm(forms.Form):
    learner = LearnerChoice(label=_("Learner"), queryset=User.objects.none())
    due_on = forms.DateField(
        label=_("Due back on"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    condition = forms.ChoiceField(
        label=_("Condition at checkout"),
        choices=Loan.Condition.choices,
        initial=Loan.Condition.GOOD,
    )
    notes = forms.CharField(
        label=_("Notes on its condition"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, learners: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "learner", learners)


class ReturnForm(forms.Form):
    condition = forms.ChoiceField(
        label=_("Condition at return"), choices=Loan.Condition.choices, initial=Loan.Condition.GOOD
    )
    notes = forms.CharField(
        label=_("Notes on its condition"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LoanFilterForm(forms.Form):
    status = forms.ChoiceField(
        label=_("Loans"),
        choices=[
            ("open", _("Not returned")),
            ("overdue", _("Overdue")),
            ("returned", _("Returned")),
            ("all", _("All")),
        ],
        required=False,
    )


class PolicyForm(forms.Form):
    enrolled_only = forms.BooleanField(
        label=_("Learners sign in only from enrolled devices"), required=False
    )
    groups = forms.ModelMultipleChoiceField(
        label=_("…and only from these device groups (none ticked: any enrolled device)"),
        queryset=DeviceGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "groups", groups)


class CohortRuleForm(forms.Form):
    cohort = forms.ModelChoiceField(label=_("Group of learners"), queryset=Cohort.objects.none())
    device_groups = forms.ModelMultipleChoiceField(
        label=_("Device groups its learners may sign in from (none ticked: the rule above)"),
        queryset=DeviceGroup.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, cohorts: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _queryset(self, "cohort", cohorts)
        _queryset(self, "device_groups", groups)
