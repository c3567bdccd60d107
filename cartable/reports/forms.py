from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cartable.audit import labels
from cartable.reports.filters import Filters


class DateInput(forms.DateInput):
    input_type = "date"


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=_("Action"), required=False)
    who = forms.CharField(
        label=_("Who (username)"),
        required=False,
        max_length=150,
        help_text=_("“system” is the command line."),
    )
    target = forms.CharField(label=_("On"), required=False, max_length=100)
    device = forms.CharField(
        label=_("Device"),
        required=False,
        max_length=255,
        help_text=_("Its network address (10.0.0.23), or part of its browser's name."),
    )
    since = forms.DateField(label=_("From"), required=False, widget=DateInput)
    until = forms.DateField(label=_("To"), required=False, widget=DateInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["action"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = labels.choices()

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", _("The end date is before the start date."))
        return data

    def filters(self) -> Filters:
        """The filters to apply: none when the form is not valid."""
        if not self.is_valid():
            return Filters()
        data = self.cleaned_data
        return Filters(
            action=data["action"],
            who=data["who"].strip(),
            target=data["target"].strip(),
            since=data["since"],
            until=data["until"],
            device=data["device"].strip(),
        )
