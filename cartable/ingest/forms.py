from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Institution


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Course file"),
        help_text=_("A Moodle course backup (.mbz), as downloaded from Moodle's Backup page."),
        widget=forms.ClearableFileInput(attrs={"accept": ".mbz,.zip,.gz,.tgz"}),
    )
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.all(),
        required=False,
        empty_label=_("The Moodle site the backup comes from"),
        to_field_name="slug",
    )
