"""Answers typed by the learner: short answer, numerical, and calculated (numerical answers
computed from the variant's values) (``shortanswer/question.php``, ``numerical/question.php``,
``calculated/question.php``). Posted as ``answer`` and, when the unit is chosen apart,
``unit``."""

from __future__ import annotations

from dataclasses import dataclass

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import Answer, CombinedFeedback, Hint, UnitOptions

from . import forms, wildcard
from .core import NO_FEEDBACK, Grade, Invalid, Prepared, State, graded_state
from .formula import format_float
from .numbers import Processor, Reading, within
from .responses import NumberResponse, Response, TextResponse

MSG_ENTER = gettext_noop("Please enter an answer.")
MSG_NOT_A_NUMBER = gettext_noop("You must enter a valid number.")
MSG_NO_UNIT_HERE = gettext_noop(
    "You must enter a valid number. Do not include a unit in your response."
)
MSG_CHOOSE_UNIT = gettext_noop("You must select a unit.")
MSG_THOUSANDS = gettext_noop(
    "Please enter your answer without using the thousand separator (%(separator)s)."
)

# How units are asked for (Moodle's showunits) and graded (unitgradingtype).
UNIT_INPUT, UNIT_RADIO, UNIT_SELECT, UNIT_NONE = 0, 1, 2, 3
UNIT_OUT_OF_MARK, UNIT_OUT_OF_MAX = 1, 2


class ShortAnswer(Prepared):
    def __init__(
        self,
        answers: tuple[Answer, ...],
        case_sensitive: bool,
        *,
        qtype: str = "shortanswer",
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
    ) -> None:
        self.qtype = qtype
        self.answers = answers
        self.case_sensitive = case_sensitive
        self.penalty = penalty
        self.hints = hints

    @staticmethod
    def _text(response: Response) -> str:
        return response.text if isinstance(response, TextResponse) else ""

    def empty(self) -> Response:
        return TextResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        return TextResponse(forms.text(form, prefix + "answer"))

    def form_data(self, response: Response) -> dict[str, str]:
        text = self._text(response)
        return {"answer": text} if text else {}

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        return () if self._text(response) else (Invalid(Text(MSG_ENTER)),)

    def is_gradable(self, response: Response) -> bool:
        return bool(self._text(response))

    def matching(self, response: Response) -> Answer | None:
        """The first answer the response matches: the first match wins."""
        text = self._text(response)
        for answer in self.answers:
            if wildcard.matches(text, answer.text, not self.case_sensitive):
                return answer
        return None

    def grade(self, response: Response) -> Grade:
        answer = self.matching(response)
        if answer is None:
            return Grade(0.0, graded_state(0.0))
        return Grade(answer.fraction, graded_state(answer.fraction), (answer.source_id,))

    def same(self, a: Response, b: Response) -> bool:
        return self._text(a) == self._text(b)

    def correct(self) -> Response | None:
        for answer in self.answers:
            if graded_state(answer.fraction) is State.GRADED_RIGHT:
                return TextResponse(wildcard.clean(answer.text))
        return None

    def clear_wrong(self, response: Response) -> Response:
        return response


@dataclass(frozen=True, slots=True)
class Target:
    """A numerical answer ready to compare: its value (None for "*" or when the formula
    could not be computed), tolerance, and how a calculated answer is written."""

    answer: Answer
    value: float | None
    tolerance: float
    tolerance_type: int = 2
    any: bool = False  # the "*" answer matches anything
    length: int | None = None
    form: int | None = None


class Numerical(Prepared):
    """Numerical, calculated and calculatedsimple (their answers computed beforehand)."""

    def __init__(
        self,
        qtype: str,
        targets: tuple[Target, ...],
        units: UnitOptions,
        *,
        decimal_point: str = ".",
        thousands_separator: str = ",",
        penalty: float = 0.0,
        hints: tuple[Hint, ...] = (),
        feedback: CombinedFeedback = NO_FEEDBACK,
    ) -> None:
        self.qtype = qtype
        self.targets = targets
        self.options = units
        self.processor = Processor(
            {unit.unit: unit.multiplier for unit in units.units},
            units.units_left,
            decimal_point,
            thousands_separator,
        )
        self.decimal_point = decimal_point
        self.penalty = penalty
        self.hints = hints
        self.feedback = feedback

    @property
    def separate_unit(self) -> bool:
        return self.options.show_units in (UNIT_RADIO, UNIT_SELECT)

    def _response(self, response: Response) -> NumberResponse:
        return response if isinstance(response, NumberResponse) else NumberResponse()

    def empty(self) -> Response:
        return NumberResponse(unit="" if self.separate_unit else None)

    def parse(self, form: object, prefix: str = "") -> Response:
        text = forms.text(form, prefix + "answer")
        if not self.separate_unit:
            return NumberResponse(text)
        unit = forms.text(form, prefix + "unit")
        return NumberResponse(text, unit if unit in self.processor.units else "")

    def form_data(self, response: Response) -> dict[str, str]:
        found = self._response(response)
        data = {"answer": found.text} if found.text else {}
        if self.separate_unit and found.unit:
            data["unit"] = found.unit
        return data

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        found = self._response(response)
        if not found.text:
            return (Invalid(Text(MSG_ENTER)),)
        reading = self.processor.read(found.text)
        if reading.value is None:
            return (Invalid(Text(MSG_NOT_A_NUMBER)),)
        if self.options.show_units != UNIT_INPUT and reading.unit:
            return (Invalid(Text(MSG_NO_UNIT_HERE)),)
        if self.separate_unit and not found.unit:
            return (Invalid(Text(MSG_CHOOSE_UNIT)),)
        if self.processor.has_thousands_separator(found.text):
            separator = self.processor.thousands_separator
            return (Invalid(Text(MSG_THOUSANDS, separator=separator)),)
        return ()

    def is_gradable(self, response: Response) -> bool:
        return bool(self._response(response).text)

    def reading(self, response: Response) -> Reading:
        found = self._response(response)
        return self.processor.read(found.text, found.unit if self.separate_unit else None)

    def matching(self, response: Response) -> tuple[Target, bool] | None:
        """The first answer the value falls within, and whether the unit was right: a value
        within an answer only once its unit is ignored matches with a wrong unit."""
        reading = self.reading(response)
        if reading.value is None:
            return None
        scaled = reading.value * reading.multiplier if reading.multiplier else reading.value
        for target in self.targets:
            if target.any:
                return target, reading.multiplier is not None
            if target.value is None:
                continue
            if within(scaled, target.value, target.tolerance, target.tolerance_type):
                return target, reading.multiplier is not None
            if within(reading.value, target.value, target.tolerance, target.tolerance_type):
                return target, False
        return None

    def unit_penalty(self, fraction: float, unit_right: bool) -> float:
        if unit_right:
            return fraction
        if self.options.unit_grading == UNIT_OUT_OF_MARK:
            fraction -= self.options.unit_penalty * fraction
        elif self.options.unit_grading == UNIT_OUT_OF_MAX:
            fraction -= self.options.unit_penalty
        return max(fraction, 0.0)

    def grade(self, response: Response) -> Grade:
        found = self.matching(response)
        if found is None:
            return Grade(0.0, graded_state(0.0))
        target, unit_right = found
        fraction = self.unit_penalty(target.answer.fraction, unit_right)
        return Grade(fraction, graded_state(fraction), (target.answer.source_id,))

    def same(self, a: Response, b: Response) -> bool:
        first, second = self._response(a), self._response(b)
        if first.text != second.text:
            return False
        return not self.separate_unit or (first.unit or "") == (second.unit or "")

    def right_target(self) -> Target | None:
        for target in self.targets:
            right = graded_state(target.answer.fraction) is State.GRADED_RIGHT
            if right and not target.any and target.value is not None:
                return target
        return None

    def correct(self) -> Response | None:
        target = self.right_target()
        if target is None or target.value is None:
            return None
        if target.length is not None:
            text = format_float(target.value, target.length, target.form, self.decimal_point)
        else:
            text = target.answer.text.strip().replace(".", self.decimal_point)
        unit = self.processor.default_unit()
        if self.separate_unit:
            return NumberResponse(text, unit)
        if self.options.show_units == UNIT_INPUT and unit:
            text = f"{unit} {text}" if self.options.units_left else f"{text} {unit}"
        return NumberResponse(text)

    def clear_wrong(self, response: Response) -> Response:
        return response
