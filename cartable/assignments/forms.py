"""The forms of assignments: the learner's text, the teacher's grade and extension."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from django import forms
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

TEXT_LIMIT = 200_000  # characters of online text (a long essay is about 60,000)

TEXT_HELP = _(
    "Write here. Blank lines separate paragraphs. You may use simple HTML tags (<p>, "
    "<strong>, <em>, <ul>, <li>…): anything else is removed."
)


class TextForm(forms.Form):
    text = forms.CharField(
        label=_("Your text"),
        required=False,
        max_length=TEXT_LIMIT,
        strip=False,
        help_text=TEXT_HELP,
        widget=forms.Textarea(attrs={"rows": 14}),
    )


class GradeForm(forms.Form):
    points = forms.DecimalField(
        label=_("Grade"), required=False, min_value=0, max_digits=8, decimal_places=2
    )
    scale_item = forms.CharField(label=_("Grade (scale item)"), required=False, max_length=255)
    feedback = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=TEXT_LIMIT,
        strip=False,
        help_text=TEXT_HELP,
        widget=forms.Textarea(attrs={"rows": 8}),
    )

    def __init__(
        self,
        *args: Any,
        maximum: float,
        scale: bool,
        items: Sequence[str] = (),
        states: Sequence[tuple[str, Any]] = (),
        markers: Sequence[tuple[int, str]] | None = None,
        team: bool = False,
        **kwargs: Any,
    ) -> None:
        """``items``: the scale's items, chosen from (none: a scale the backup did not carry,
        its item typed); ``states``: the marking workflow's states (none: no workflow);
        ``markers``: the teachers a learner's work may be allocated to (None: no allocation);
        ``team``: a team assignment, graded for the whole team when asked."""
        super().__init__(*args, **kwargs)
        if team:
            self.fields["team"] = forms.BooleanField(
                label=_("Apply the grade and feedback to every member of the team"),
                required=False,
            )
        if states:
            self.fields["state"] = forms.ChoiceField(
                label=_("Marking workflow state"), choices=list(states)
            )
        if markers is not None:
            self.fields["marker"] = forms.TypedChoiceField(
                label=_("Marker"),
                choices=[("", _("Nobody")), *markers],
                coerce=int,
                empty_value=None,
                required=False,
            )
        if scale:
            del self.fields["points"]
            if items:
                self.fields["scale_item"] = forms.ChoiceField(
                    label=_("Grade (scale item)"),
                    required=False,
                    choices=[("", _("No grade")), *((item, item) for item in items if item)],
                )
        else:
            del self.fields["scale_item"]
            if maximum > 0:
                self.fields["points"].widget.attrs["max"] = f"{maximum:g}"
                self.fields["points"].label = _("Grade (out of %(max)s)") % {"max": f"{maximum:g}"}
                self.fields["points"].validators.append(MaxValueValidator(Decimal(str(maximum))))
            else:
                del self.fields["points"]


class ExtensionForm(forms.Form):
    due = forms.DateTimeField(
        label=_("New due date"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        help_text=_("The learner may hand in their work until then, even after the cut-off date."),
    )
    reason = forms.CharField(
        label=_("Reason"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class MarkingForm(forms.Form):
    """The submissions page's bulk action: a marking workflow state for the ticked learners."""

    def __init__(
        self, *args: Any, states: Sequence[tuple[str, Any]], learners: Sequence[int], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["state"] = forms.ChoiceField(
            label=_("Move the ticked learners to"), choices=list(states)
        )
        self.fields["learners"] = forms.TypedMultipleChoiceField(
            coerce=int, required=False, choices=[(pk, str(pk)) for pk in learners]
        )
