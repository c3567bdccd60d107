from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from cartable.accounts.models import Institution
from cartable.catalog.models import Course


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


class CourseChoiceField(forms.ModelChoiceField):  # type: ignore[type-arg]
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.title} ({obj.shortname})"


class QuestionImportForm(forms.Form):
    """A question file and the course (one the staff member manages) whose bank it joins."""

    file = forms.FileField(
        label=_("Question file"),
        help_text=_(
            "Questions exported from Moodle (Moodle XML format, .xml) or typed in the GIFT "
            "format (.gift or .txt)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".xml,.gift,.txt"}),
    )
    course = CourseChoiceField(
        label=_("Course"),
        queryset=Course.objects.none(),
        empty_label=None,
        help_text=_(
            "The questions join its question bank. In a course learners see, they wait for "
            "your review first."
        ),
    )

    def __init__(self, *args: Any, courses: QuerySet[Course], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["course"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = courses.order_by("title", "pk")

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        limit = settings.IMPORT_MAX_QUESTION_FILE_BYTES
        if upload is not None and upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _("This file is larger than the box accepts for a question file (%(size)s).")
                % {"size": filesizeformat(limit)}
            )
        return upload
