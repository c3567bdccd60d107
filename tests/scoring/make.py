"""Questions built in code as the importer builds them, and a way to start and grade them."""

from __future__ import annotations

from cartable.assessment.scoring import Prepared, StartContext, prepare, start
from cartable.importers import questions as q

_ids = iter(range(1000, 10**9))


def answer(
    text: str, fraction: float, feedback: str = "", source_id: int | None = None
) -> q.Answer:
    return q.Answer(source_id if source_id is not None else next(_ids), text, fraction, feedback)


def question(
    qtype: str,
    data: q.QuestionData,
    *,
    text: str = "",
    penalty: float = 0.3333333,
    default_mark: float = 1.0,
    hints: tuple[q.Hint, ...] = (),
    source_id: int | None = None,
    category_id: int = 1,
    status: q.QuestionStatus = "ready",
    parent_id: int | None = None,
    bank_entry_id: int | None = None,
    version: int | None = None,
) -> q.Question:
    return q.Question(
        source_id=source_id if source_id is not None else next(_ids),
        category_id=category_id,
        qtype=qtype,
        name=qtype,
        text=text,
        general_feedback="",
        default_mark=default_mark,
        penalty=penalty,
        data=data,
        hints=hints,
        status=status,
        parent_id=parent_id,
        bank_entry_id=bank_entry_id,
        version=version,
    )


def ready(
    item: q.Question, *, seed: str = "attempt-1", shuffle: bool = False, **context: object
) -> Prepared:
    """The question started (without shuffling unless asked, as Moodle's tests do) and
    prepared."""
    layout = start(item, StartContext(seed=seed, shuffle_answers=shuffle, **context))  # type: ignore[arg-type]
    return prepare(item, layout)


FEEDBACK = q.CombinedFeedback("Well done!", "Parts right.", "Not right at all.")


def multichoice(*answers: q.Answer, single: bool = True, shuffle: bool = True) -> q.MultichoiceData:
    return q.MultichoiceData(single, shuffle, "abc", answers, FEEDBACK)
