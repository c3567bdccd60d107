"""The form of a quiz override: for a learner of the course or one of their groups, the
settings that change (left empty: the quiz's)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Cohort, User
from cartable.assessment.forms import WHEN, WHEN_FORMATS


class OverrideForm(forms.Form):
    target = forms.ChoiceField(label=_("For"))
    opens = forms.DateTimeField(
        label=_("Opens"), required=False, widget=WHEN, input_formats=WHEN_FORMATS
    )
    open_any_time = forms.BooleanField(
        label=_("Open at any time (no opening date)"), required=False
    )
    closes = forms.DateTimeField(
        label=_("Closes"), required=False, widget=WHEN, input_formats=WHEN_FORMATS
    )
    never_closes = forms.BooleanField(label=_("Never closes (no closing date)"), required=False)
    time_limit = forms.IntegerField(
        label=_("Time limit (minutes)"),
        required=False,
        min_value=0,
        max_value=366 * 24 * 60,
        help_text=_("0: no time limit."),
    )
    attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        required=False,
        min_value=0,
        max_value=1000,
        help_text=_("0: unlimited."),
    )
    sets_password = forms.BooleanField(
        label=_("Give this learner or group their own password"), required=False
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=255,
        strip=False,
        help_text=_("Empty: no password for them."),
    )

    def __init__(
        self, *args: Any, learners: QuerySet[User], groups: QuerySet[Cohort], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.learners = {f"u{user.pk}": user for user in learners}
        self.groups = {f"g{group.pk}": group for group in groups}
        self.fields["target"].choices = [  # type: ignore[attr-defined]
            ("", "—"),
            (
                _("Learners"),
                [
                    (key, user.display_name + f" ({user.username})")
                    for key, user in self.learners.items()
                ],
            ),
            (_("Groups"), [(key, group.name) for key, group in self.groups.items()]),
        ]

    def chosen(self) -> tuple[User | None, Cohort | None]:
        key = self.cleaned_data["target"]
        return self.learners.get(key), self.groups.get(key)
