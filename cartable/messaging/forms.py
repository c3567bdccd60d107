from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from cartable.accounts.models import User
from cartable.catalog.models import Course
from cartable.messaging.models import BODY_MAX, REASON_MAX, SUBJECT_MAX


class PersonChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.display_name)


class CourseChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return str(obj.title)


class WriteForm(forms.Form):
    recipient = PersonChoice(label=pgettext_lazy("message", "To"), queryset=User.objects.none())
    course = CourseChoice(
        label=_("About the course"),
        queryset=Course.objects.none(),
        required=False,
        empty_label=_("No course in particular"),
    )
    subject = forms.CharField(label=_("Subject"), max_length=SUBJECT_MAX)
    body = forms.CharField(
        label=_("Message"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 8}),
        strip=False,
    )

    attachment = forms.FileField(
        label=_("Attached file"),
        required=False,
        help_text=_("A document or a picture."),
    )

    def __init__(
        self, *args: Any, people: Any, courses: Any, attachments: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not attachments:
            del self.fields["attachment"]
        recipient = self.fields["recipient"]
        assert isinstance(recipient, forms.ModelChoiceField)
        recipient.queryset = people
        course = self.fields["course"]
        assert isinstance(course, forms.ModelChoiceField)
        course.queryset = courses


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your answer"),
        max_length=BODY_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
        strip=False,
    )
    attachment = forms.FileField(label=_("Attached file"), required=False)

    def __init__(self, *args: Any, attachments: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not attachments:
            del self.fields["attachment"]


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("Decision"),
        choices=[("approve", _("Deliver the message")), ("refuse", _("Refuse the message"))],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label=_("Why it is refused"),
        required=False,
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    share_reason = forms.BooleanField(
        label=_("Show the reason to the author"),
        required=False,
        help_text=_("Otherwise the author only learns that the message was refused."),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("decision") == "refuse" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("Say why the message is refused."))
        return data


class PolicyForm(forms.Form):
    moderated = forms.BooleanField(
        label=_("Staff approve every message before it is delivered"),
        required=False,
        help_text=_(
            "Both ways: learners’ messages to their teachers and teachers’ messages to "
            "learners wait in the moderation queue until a staff member delivers or refuses them."
        ),
    )
    attachments = forms.BooleanField(
        label=_("Learners and teachers may attach a file to a message"),
        required=False,
        help_text=_("One document or picture per message, checked as assignments’ files are."),
    )
