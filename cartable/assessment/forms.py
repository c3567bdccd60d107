"""The form of a quiz built on the box: title, description, section, questions of the bank and
the quiz's settings (Moodle's names and defaults). Once learners have started attempts, only
the dates, the time limit and the number of attempts remain (``locked``)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cartable.assessment import building
from cartable.catalog.models import Question as QuestionRow
from cartable.catalog.models import Section
from cartable.importers.model import QuizReview, ReviewWhen

WHEN = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
WHEN_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
TIMES = ("opens", "closes", "time_limit", "attempts")
MAX_MARK = 1000.0  # as ``actions.MAX_MARK``

BEHAVIOUR_CHOICES = [
    ("deferredfeedback", _("Deferred feedback")),
    ("immediatefeedback", _("Immediate feedback")),
    ("interactive", _("Interactive with multiple tries")),
    ("adaptive", _("Adaptive mode")),
]
GRADING_CHOICES = [
    ("highest", _("Highest grade")),
    ("average", _("Average grade")),
    ("first", _("First attempt")),
    ("last", _("Last attempt")),
]
REVIEW_LABELS = {
    "attempt": _("The attempt"),
    "correctness": _("Whether correct"),
    "max_marks": _("Maximum marks"),
    "marks": _("Marks"),
    "specific_feedback": _("Specific feedback"),
    "general_feedback": _("General feedback"),
    "right_answer": _("Right answer"),
    "overall_feedback": _("Overall feedback"),
}
MOMENT_LABELS = {
    "during": _("During the attempt"),
    "immediately_after": _("Immediately after the attempt"),
    "later_while_open": _("Later, while the quiz is still open"),
    "after_close": _("After the quiz is closed"),
}


class QuizForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=255)
    intro = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=20_000,
        strip=False,
        help_text=_(
            "Shown above the quiz. You may use simple HTML tags (<p>, <strong>, <em>, <ul>, "
            "<li>…): anything else is removed."
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    section = forms.ModelChoiceField(label=_("Section"), queryset=Section.objects.none())
    questions = forms.TypedMultipleChoiceField(
        label=_("Questions"), coerce=int, widget=forms.CheckboxSelectMultiple
    )
    questions_per_page = forms.IntegerField(
        label=_("Questions per page"),
        min_value=0,
        max_value=50,
        initial=1,
        help_text=_("0: every question on one page."),
    )
    time_limit = forms.IntegerField(
        label=_("Time limit (minutes)"),
        min_value=0,
        max_value=24 * 60,
        initial=0,
        help_text=_("0: no time limit."),
    )
    attempts = forms.IntegerField(
        label=_("Attempts allowed"),
        min_value=0,
        max_value=100,
        initial=0,
        help_text=_("0: unlimited."),
    )
    grading_method = forms.ChoiceField(
        label=_("Grading method"), choices=GRADING_CHOICES, initial="highest"
    )
    grade = forms.FloatField(label=_("Maximum grade"), min_value=0, max_value=1000, initial=10)
    opens = forms.DateTimeField(
        label=_("Open the quiz"), required=False, widget=WHEN, input_formats=WHEN_FORMATS
    )
    closes = forms.DateTimeField(
        label=_("Close the quiz"), required=False, widget=WHEN, input_formats=WHEN_FORMATS
    )
    behaviour = forms.ChoiceField(
        label=_("How questions behave"), choices=BEHAVIOUR_CHOICES, initial="deferredfeedback"
    )
    shuffle_questions = forms.BooleanField(label=_("Shuffle the questions"), required=False)
    shuffle_answers = forms.BooleanField(
        label=_("Shuffle the answers within questions"), required=False, initial=True
    )

    def __init__(
        self,
        *args: Any,
        sections: Any,
        questions: list[QuestionRow],
        locked: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.locked = locked
        self.bank = {row.source_id: row for row in questions}
        section_field = self.fields["section"]
        assert isinstance(section_field, forms.ModelChoiceField)
        section_field.queryset = sections
        question_field = self.fields["questions"]
        assert isinstance(question_field, forms.ChoiceField)
        question_field.choices = [(row.source_id, row.name) for row in questions]
        for field in building.REVIEW_FIELDS:
            for moment in building.MOMENTS:
                default = getattr(getattr(building.DEFAULT_REVIEW, field), moment)
                self.fields[f"review_{field}_{moment}"] = forms.BooleanField(
                    label=MOMENT_LABELS[moment], required=False, initial=default
                )
        if locked:
            for name in list(self.fields):
                if name not in TIMES:
                    del self.fields[name]

    def review_rows(self) -> list[tuple[str, list[forms.BoundField]]]:
        """The review options, one row of four moments per kind of information."""
        if self.locked:
            return []
        return [
            (
                str(REVIEW_LABELS[field]),
                [self[f"review_{field}_{moment}"] for moment in building.MOMENTS],
            )
            for field in building.REVIEW_FIELDS
        ]

    def categories(self) -> list[tuple[str, list[tuple[QuestionRow, bool, str]]]]:
        """The usable questions by category, each with whether it is ticked and its mark in
        the quiz as the form shows it (as typed, else the quiz's, else the bank's)."""
        if self.locked:
            return []
        ticked = {str(value) for value in (self["questions"].value() or [])}
        given: dict[int, float] = dict(self.initial.get("marks") or {})
        grouped: dict[str, list[tuple[QuestionRow, bool, str]]] = {}
        for row in self.bank.values():
            if self.is_bound:
                shown = str(self.data.get(mark_field(row.source_id), ""))[:20]
            else:
                shown = _number(given.get(row.source_id, row.default_mark))
            grouped.setdefault(row.category.name, []).append(
                (row, str(row.source_id) in ticked, shown)
            )
        return list(grouped.items())

    def _clean_marks(self, chosen: list[int]) -> tuple[tuple[int, float], ...]:
        """The marks typed for the chosen questions (empty: the bank's default)."""
        marks = []
        for source_id in chosen:
            typed = str(self.data.get(mark_field(source_id), "")).strip().replace(",", ".")
            if not typed:
                continue
            try:
                mark = float(typed)
            except ValueError:
                mark = -1.0
            if not (math.isfinite(mark) and 0 <= mark <= MAX_MARK):
                row = self.bank.get(source_id)
                self.add_error(
                    "questions",
                    _("The mark of “%(name)s” must be a number from 0 to 1000.")
                    % {"name": row.name if row is not None else source_id},
                )
                continue
            marks.append((source_id, mark))
        return tuple(marks)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not self.locked:
            data["marks"] = self._clean_marks(list(data.get("questions") or []))
        opens, closes = data.get("opens"), data.get("closes")
        if opens and closes and closes <= opens:
            self.add_error("closes", _("The quiz must close after it opens."))
        return data

    def settings(self, before: building.Settings | None = None) -> building.Settings:
        """The teacher's choices (``before``: the quiz's, for a locked form's other fields)."""
        data = self.cleaned_data
        times: dict[str, Any] = {
            "opens": data.get("opens"),
            "closes": data.get("closes"),
            "time_limit": int(data["time_limit"]) * 60,
            "attempts": int(data["attempts"]),
        }
        if self.locked:
            assert before is not None
            return building.Settings(**{**_as_dict(before), **times})
        review = QuizReview(
            **{
                field: ReviewWhen(
                    *(bool(data.get(f"review_{field}_{moment}")) for moment in building.MOMENTS)
                )
                for field in building.REVIEW_FIELDS
            }
        )
        return building.Settings(
            questions=tuple(data["questions"]),
            questions_per_page=int(data["questions_per_page"]),
            grading_method=data["grading_method"],
            grade=float(data["grade"]),
            behaviour=data["behaviour"],
            shuffle_questions=bool(data["shuffle_questions"]),
            shuffle_answers=bool(data["shuffle_answers"]),
            review=review,
            marks=tuple(data.get("marks") or ()),
            **times,
        )


def mark_field(source_id: int) -> str:
    """The name of a question's mark in the form."""
    return f"mark-{source_id}"


def _number(value: float) -> str:
    return f"{float(value):g}"


def _as_dict(settings: building.Settings) -> dict[str, Any]:
    return {name: getattr(settings, name) for name in building.Settings.__slots__}


def initial(
    settings: building.Settings,
    *,
    title: str,
    intro: str,
    section: int,
    marks: dict[int, float] | None = None,
) -> dict[str, Any]:
    """A form's initial values from a quiz's settings (``marks``: its questions' marks)."""
    values: dict[str, Any] = {
        "title": title,
        "intro": intro,
        "section": section,
        "questions": [str(source_id) for source_id in settings.questions],
        "questions_per_page": settings.questions_per_page,
        "time_limit": settings.time_limit // 60,
        "attempts": settings.attempts,
        "grading_method": settings.grading_method,
        "grade": settings.grade,
        "opens": _local(settings.opens),
        "closes": _local(settings.closes),
        "behaviour": settings.behaviour,
        "shuffle_questions": settings.shuffle_questions,
        "shuffle_answers": settings.shuffle_answers,
        "marks": dict(marks or {}),
    }
    for field in building.REVIEW_FIELDS:
        for moment in building.MOMENTS:
            values[f"review_{field}_{moment}"] = getattr(getattr(settings.review, field), moment)
    return values


def _local(when: datetime | None) -> datetime | None:
    return timezone.localtime(when) if when is not None else None
