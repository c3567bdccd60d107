from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Establishment
from cartable.records.models import Closure


class DateInput(forms.DateInput):
    input_type = "date"


class CloseForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("Reason"), choices=Closure.Reason.choices, widget=forms.RadioSelect
    )
    closed_on = forms.DateField(label=_("Date"), widget=DateInput)
    note = forms.CharField(
        label=_("Note"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["closed_on"].initial = timezone.localdate()


class CheckForm(forms.Form):
    file = forms.FileField(
        label=_("Portfolio (PDF) or transfer export (ZIP)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".pdf,.zip,application/pdf"}),
    )


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Transfer export (ZIP)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )
    fingerprint = forms.CharField(
        label=_("Fingerprint of the box that made it"),
        required=False,
        max_length=40,
        help_text=_(
            "Needed only when that box is not one of this box's peers: check it with its staff."
        ),
    )
    establishment = forms.ModelChoiceField(
        label=_("Establishment"), queryset=Establishment.objects.none(), required=False
    )

    def __init__(self, *args: Any, establishments: Any | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if establishments is None:
            del self.fields["establishment"]
        else:
            self.fields["establishment"].queryset = establishments  # type: ignore[attr-defined]
