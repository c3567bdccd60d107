from __future__ import annotations

from typing import Any

from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _

from cartable.access.actions import Fields
from cartable.access.models import Rule
from cartable.accounts.models import Cohort, Establishment

WHOLE = "establishment"
LEARNER = "learner"


def _scopes(establishment: Establishment, *, learner: bool) -> list[tuple[str, Any]]:
    choices: list[tuple[str, Any]] = [(WHOLE, _("The whole establishment"))]
    choices += [
        (f"group:{cohort.pk}", cohort.name)
        for cohort in Cohort.objects.filter(establishment=establishment).order_by("name")
    ]
    if learner:
        choices.append((LEARNER, _("One learner (give the username)")))
    return choices


class _RuleForm(forms.Form):
    scope = forms.ChoiceField(label=_("For"))
    start = forms.TimeField(label=_("From (hh:mm)"), required=False)
    end = forms.TimeField(
        label=_("To (hh:mm)"),
        required=False,
        help_text=_("An end at or before the start runs past midnight (00:00 to 00:00: all day)."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    learner_scope = False

    def __init__(self, *args: Any, establishment: Establishment, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.establishment = establishment
        field = self.fields["scope"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = _scopes(establishment, learner=self.learner_scope)

    def _cohort(self) -> Cohort | None:
        scope = self.cleaned_data.get("scope") or ""
        if not scope.startswith("group:"):
            return None
        return Cohort.objects.filter(
            establishment=self.establishment, pk=int(scope.split(":", 1)[1])
        ).first()

    @staticmethod
    def initial_for(rule: Rule) -> dict[str, Any]:
        scope = (
            LEARNER if rule.learner_id else f"group:{rule.cohort_id}" if rule.cohort_id else WHOLE
        )
        return {
            "scope": scope,
            "username": rule.learner.username if rule.learner else "",
            "days": [str(day) for day in rule.weekdays()],
            "kind": rule.kind,
            "first_day": rule.first_day,
            "last_day": rule.last_day,
            "start": rule.start,
            "end": rule.end,
            "note": rule.note,
        }


class WindowForm(_RuleForm):
    days = forms.MultipleChoiceField(
        label=_("Days"),
        choices=[(str(day), name) for day, name in WEEKDAYS.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    field_order = ["scope", "days", "start", "end", "note"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["start"].required = self.fields["end"].required = True

    def fields_given(self) -> Fields:
        data = self.cleaned_data
        return Fields(
            kind=Rule.Kind.WEEKLY,
            cohort=self._cohort(),
            days=tuple(int(day) for day in data["days"]),
            start=data.get("start"),
            end=data.get("end"),
            note=data.get("note") or "",
        )


class ExceptionForm(_RuleForm):
    username = forms.CharField(
        label=_("Learner’s username"),
        max_length=150,
        required=False,
        help_text=_("Only for one learner."),
    )
    kind = forms.ChoiceField(
        label=_("What"),
        choices=[
            (Rule.Kind.CLOSED, _("Closed (for a learner: blocked)")),
            (Rule.Kind.OPEN, _("Open at these hours only (for a learner: extra hours)")),
        ],
    )
    first_day = forms.DateField(label=_("Date (yyyy-mm-dd)"))
    last_day = forms.DateField(
        label=_("Last day (yyyy-mm-dd)"),
        required=False,
        help_text=_("Leave empty for one day (a learner blocked: until lifted)."),
    )
    field_order = ["scope", "username", "kind", "first_day", "last_day", "start", "end", "note"]
    learner_scope = True

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("scope") == LEARNER and not (data.get("username") or "").strip():
            self.add_error("username", _("Give the learner’s username."))
        return data

    def fields_given(self) -> Fields:
        data = self.cleaned_data
        learner = data.get("scope") == LEARNER
        return Fields(
            kind=data["kind"],
            cohort=None if learner else self._cohort(),
            learner_name=(data.get("username") or "").strip() if learner else "",
            first_day=data.get("first_day"),
            last_day=data.get("last_day"),
            start=data.get("start"),
            end=data.get("end"),
            note=data.get("note") or "",
        )


class ClockForm(forms.Form):
    moment = forms.DateTimeField(
        label=_("Date and time (yyyy-mm-dd hh:mm)"),
        input_formats=["%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S"],
    )
