from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort, User


class PlanForm(forms.Form):
    learners = forms.ModelMultipleChoiceField(
        label=_("Learners"),
        queryset=User.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    cohort = forms.ModelChoiceField(
        label=_("Or a whole group"),
        queryset=Cohort.objects.none(),
        required=False,
        empty_label=_("No group"),
    )
    note = forms.CharField(
        label=_("Note for the learner"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    due_date = forms.DateField(
        label=_("To do by"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(self, *args: Any, learners: Any, cohorts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        learner_field = self.fields["learners"]
        assert isinstance(learner_field, forms.ModelMultipleChoiceField)
        learner_field.queryset = learners
        cohort_field = self.fields["cohort"]
        assert isinstance(cohort_field, forms.ModelChoiceField)
        cohort_field.queryset = cohorts

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("learners") and not data.get("cohort"):
            raise forms.ValidationError(_("Choose at least one learner or a group."))
        return data
