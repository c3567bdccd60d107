"""The forms of the exchange's staff pages: they take what the commands take, and leave every
check to the same actions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Institution
from cartable.catalog.models import Course
from cartable.exchange.models import Peer

KINDS = (
    ("", _("The usual one (work to a hub, acknowledgement to a box)")),
    ("work", _("Learners’ work (to a hub)")),
    ("feedback", _("Grades and feedback (to a box)")),
    ("ack", _("Acknowledgement of what was received")),
)


class PeerChoice(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} ({obj.get_role_display()}, {obj.fingerprint})"


class PeerForm(forms.Form):
    name = forms.CharField(
        label=_("Name"),
        max_length=64,
        help_text=_("A short name: lowercase letters, digits and dashes (hub-lille, box-caen)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"), choices=Peer.Role.choices, initial=Peer.Role.HUB)
    institution = forms.ModelChoiceField(
        label=_("Institution"),
        queryset=Institution.objects.order_by("name"),
        required=False,
        help_text=_("A hub: the institution whose learners’ work it receives."),
    )
    key = forms.CharField(
        label=_("Public key"),
        max_length=400,
        help_text=_(
            "The peer’s public key, as its identity page or command shows it (cartable1:…)."
        ),
        widget=forms.Textarea(attrs={"rows": 3, "spellcheck": "false", "autocomplete": "off"}),
    )
    fingerprint = forms.CharField(
        label=_("Fingerprint"),
        max_length=64,
        help_text=_(
            "Typed as the peer’s staff read it aloud or printed it, not copied with the key: "
            "it must match the key."
        ),
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"}
        ),
    )


class ExportForm(forms.Form):
    peer = PeerChoice(label=_("Peer"), queryset=Peer.objects.order_by("name"), empty_label=None)
    kind = forms.ChoiceField(label=_("Kind of bundle"), choices=KINDS, required=False)


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("Bundle file"),
        help_text=_("A .cartable file written by a registered peer."),
        widget=forms.ClearableFileInput(attrs={"accept": ".cartable"}),
    )


class LearnersForm(forms.Form):
    """A box's learners matched to university accounts: a CSV file first (previewed), then
    the same text sent back to confirm."""

    box = PeerChoice(
        label=_("Box"), queryset=Peer.objects.filter(role=Peer.Role.BOX), empty_label=None
    )
    file = forms.FileField(
        label=_("CSV file"),
        required=False,
        help_text=_(
            "Columns: box_username, and at least one of username, idnumber, email (the "
            "learner’s account at the university)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    text = forms.CharField(required=False, widget=forms.HiddenInput)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > settings.CSV_MAX_BYTES:
                raise forms.ValidationError(
                    _("This file is larger than %(limit)s.")
                    % {"limit": filesizeformat(settings.CSV_MAX_BYTES)}
                )
            try:
                data["text"] = b"".join(upload.chunks()).decode("utf-8")
            except UnicodeDecodeError:
                raise forms.ValidationError(_("This file is not UTF-8 text.")) from None
        elif not data.get("text"):
            raise forms.ValidationError(_("Choose a CSV file."))
        return data


class OfferForm(forms.Form):
    """One button of the offers page: offer a course to a box, withdraw it, or send the box
    every file again. Any peer and any course are taken: the action says what it refuses."""

    DO = (
        ("offer", _("Offer")),
        ("withdraw", _("Withdraw")),
        ("resend", _("Send every file again")),
    )

    box = forms.ModelChoiceField(
        queryset=Peer.objects.all(),
        error_messages={
            "required": _("Choose a box."),
            "invalid_choice": _("No such box is registered."),
        },
    )
    course = forms.ModelChoiceField(
        queryset=Course.objects.all(),
        required=False,
        error_messages={"invalid_choice": _("This course is not on this hub.")},
    )
    do = forms.ChoiceField(
        choices=DO,
        error_messages={
            "required": _("Choose what to do."),
            "invalid_choice": _("Choose what to do."),
        },
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("do") in ("offer", "withdraw") and not data.get("course") and not self.errors:
            raise forms.ValidationError(_("Choose a course."))
        return data
