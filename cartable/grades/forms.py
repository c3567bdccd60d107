from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cartable.grades.book import number


class OverrideForm(forms.Form):
    """A teacher's grade for a learner, in points out of the activity's maximum."""

    grade = forms.DecimalField(
        label=gettext_lazy("Grade"),
        min_value=Decimal(0),
        max_digits=10,
        decimal_places=2,
        localize=True,
    )
    feedback = forms.CharField(
        label=gettext_lazy("Feedback for the learner"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    release = forms.BooleanField(label=gettext_lazy("Show it to the learner now"), required=False)

    def __init__(self, *args: Any, max_grade: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.max_grade = max_grade
        self.fields["grade"].help_text = _("Out of %(max)s") % {"max": number(max_grade)}

    def clean_grade(self) -> Decimal:
        grade: Decimal = self.cleaned_data["grade"]
        if grade > Decimal(str(self.max_grade)):
            raise forms.ValidationError(
                _("A grade is at most %(max)s.") % {"max": number(self.max_grade)}
            )
        return grade
