"""Questions the machine does not grade: the essay, graded by a teacher
(``essay/question.php``), and the description, which only shows a text. The essay's text is
posted as ``answer``; its files are stored by the attempt and passed in as ``AttachedFile``."""

from __future__ import annotations

import html
import re

from cartable.importers.common import Text, gettext_noop
from cartable.importers.questions import EssayData

from . import forms
from .core import Grade, Invalid, Prepared, State
from .responses import AttachedFile, EssayResponse, NoResponse, Response

MSG_WRITE = gettext_noop("Please write a response.")
MSG_ATTACH = gettext_noop("Please attach at least %(count)d file(s).")
MSG_FILE_TYPE = gettext_noop("This file type is not accepted: %(name)s.")
MSG_TOO_FEW_WORDS = gettext_noop(
    "This question needs a response of at least %(limit)d words and yours has %(count)d. "
    "Please write more and try again."
)
MSG_TOO_MANY_WORDS = gettext_noop(
    "This question is limited to a response of %(limit)d words and yours has %(count)d. "
    "Please shorten it and try again."
)

_BLOCK_END = re.compile(
    r"</(?!a>|b>|del>|em>|i>|ins>|s>|small>|span>|strong>|sub>|sup>|u>)(\w+)>", re.IGNORECASE
)
_TAG = re.compile(r"<[^>]*>")


def count_words(text: str) -> int:
    """Words as Moodle counts them (``count_words``): tags out, entities decoded, then every
    run of characters between spaces."""
    text = _BLOCK_END.sub(r"</\1> ", text)
    text = re.sub(r"<br\s*/?>", "<br> ", text, flags=re.IGNORECASE)
    text = html.unescape(_TAG.sub("", text))
    return len(text.split())


def allowed(name: str, file_types: str) -> bool:
    """Whether a file's name fits the question's accepted types (".pdf, .odt"); groups of
    types ("document", "image") and an empty list accept any file."""
    wanted = [t.strip().lower() for t in re.split(r"[\s,;]+", file_types) if t.strip()]
    extensions = [t for t in wanted if t.startswith(".")]
    if not extensions or len(extensions) < len(wanted):
        return True
    return any(name.lower().endswith(extension) for extension in extensions)


class Essay(Prepared):
    def __init__(self, data: EssayData, *, penalty: float = 0.0) -> None:
        self.qtype = "essay"
        self.data = data
        self.penalty = penalty
        self.hints = ()
        self.manual = True

    def _response(self, response: Response) -> EssayResponse:
        return response if isinstance(response, EssayResponse) else EssayResponse()

    def empty(self) -> Response:
        return EssayResponse()

    def parse(
        self, form: object, prefix: str = "", files: tuple[AttachedFile, ...] = ()
    ) -> Response:
        text = forms.value(form, prefix + "answer", forms.MAX_ESSAY) or ""
        if text.strip() == "":
            text = ""
        kept = files if self.data.attachments < 0 else files[: self.data.attachments]
        return EssayResponse(text, kept)

    def form_data(self, response: Response) -> dict[str, str]:
        text = self._response(response).text
        return {"answer": text} if text else {}

    def _word_problem(self, text: str) -> Invalid | None:
        low, high = self.data.min_words, self.data.max_words
        if not self.data.response_required or not (low or high):
            return None
        count = count_words(text)
        if high and count > high:
            return Invalid(Text(MSG_TOO_MANY_WORDS, limit=high, count=count))
        if low and count < low:
            return Invalid(Text(MSG_TOO_FEW_WORDS, limit=low, count=count))
        return None

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        found = self._response(response)
        has_text = found.text != ""
        if has_text and (problem := self._word_problem(found.text)):
            return (problem,)
        wrong = [f.name for f in found.files if not allowed(f.name, self.data.file_types)]
        if wrong:
            return (Invalid(Text(MSG_FILE_TYPE, name=wrong[0])),)
        inline_ok = (
            has_text or not self.data.response_required or self.data.response_format == "noinline"
        )
        if not (has_text or found.files) or not inline_ok:
            return (Invalid(Text(MSG_WRITE)),)
        if len(found.files) < self.data.attachments_required:
            return (Invalid(Text(MSG_ATTACH, count=self.data.attachments_required)),)
        return ()

    def is_gradable(self, response: Response) -> bool:
        found = self._response(response)
        return found.text != "" or bool(found.files)

    def grade(self, response: Response) -> Grade:
        return Grade(None, State.NEEDS_GRADING)

    def same(self, a: Response, b: Response) -> bool:
        first, second = self._response(a), self._response(b)
        template = self.data.response_template
        texts = [r.text if r.text != template else "" for r in (first, second)]
        return texts[0] == texts[1] and first.files == second.files


class Description(Prepared):
    def __init__(self) -> None:
        self.qtype = "description"
        self.penalty = 0.0
        self.hints = ()
        self.informational = True

    def empty(self) -> Response:
        return NoResponse()

    def parse(self, form: object, prefix: str = "") -> Response:
        return NoResponse()

    def form_data(self, response: Response) -> dict[str, str]:
        return {}

    def problems(self, response: Response) -> tuple[Invalid, ...]:
        return ()

    def is_gradable(self, response: Response) -> bool:
        return False

    def grade(self, response: Response) -> Grade:
        return Grade(None, State.FINISHED)

    def same(self, a: Response, b: Response) -> bool:
        return True

    def max_fraction(self) -> float:
        return 0.0
