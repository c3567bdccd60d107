"""Essays (graded by a teacher) and descriptions (nothing to answer): what makes an essay
complete, following the rules of question/type/essay/question.php is_complete_response."""

from __future__ import annotations

import pytest

from cartable.assessment.scoring import State
from cartable.assessment.scoring.manual import Essay, count_words
from cartable.assessment.scoring.responses import AttachedFile, EssayResponse, NoResponse
from cartable.importers import questions as q

from .make import question, ready


def _essay(**options: object) -> Essay:
    data = q.EssayData(
        **{
            "response_format": "editor",
            "response_required": True,
            "response_lines": 15,
            "attachments": 0,
            "attachments_required": 0,
            "grader_info": "",
            "response_template": "",
            **options,
        }
    )  # type: ignore[arg-type]
    prepared = ready(question("essay", data))
    assert isinstance(prepared, Essay)
    return prepared


@pytest.mark.parametrize(
    ("options", "response", "reason"),
    [
        ({}, EssayResponse("Some words"), None),
        ({}, EssayResponse(""), "Please write a response."),
        (
            {"min_words": 3},
            EssayResponse("two words"),
            "This question needs a response of at least 3 words and yours has 2. Please write more and try again.",
        ),
        (
            {"max_words": 2},
            EssayResponse("<p>one</p><p>two</p><p>three</p>"),
            "This question is limited to a response of 2 words and yours has 3. Please shorten it and try again.",
        ),
        ({"min_words": 3, "response_required": False}, EssayResponse("two words"), None),
        (
            {"attachments": 2, "attachments_required": 1},
            EssayResponse("Text"),
            "Please attach at least 1 file(s).",
        ),
        (
            {"attachments": 2, "attachments_required": 1},
            EssayResponse("Text", (AttachedFile("a.pdf", 10),)),
            None,
        ),
        (
            {"attachments": 1, "file_types": ".pdf"},
            EssayResponse("Text", (AttachedFile("a.exe", 10),)),
            "This file type is not accepted: a.exe.",
        ),
        (
            {"response_format": "noinline", "attachments": 1, "attachments_required": 1},
            EssayResponse("", (AttachedFile("a.pdf"),)),
            None,
        ),
    ],
)
def test_it_knows_when_an_essay_is_complete(
    options: dict[str, object], response: EssayResponse, reason: str | None
) -> None:
    essay = _essay(**options)
    problems = essay.problems(response)
    assert [str(p.message) for p in problems] == ([] if reason is None else [reason])


def test_it_leaves_the_grade_to_a_teacher() -> None:
    essay = _essay()
    grade = essay.grade(EssayResponse("An answer"))
    assert (grade.fraction, grade.state) == (None, State.NEEDS_GRADING)
    assert essay.parse({"answer": "  "}) == EssayResponse("")
    assert essay.parse({"answer": "x\x00y"}) == EssayResponse("xy")


def test_it_counts_words_as_moodle() -> None:
    assert count_words("<p>Frog</p><p>toad</p>") == 2
    assert count_words("one<br>two &amp; three") == 4
    assert count_words("<b>bold</b>word") == 1


def test_it_has_nothing_to_answer_in_a_description() -> None:
    description = ready(question("description", q.DescriptionData()))
    assert description.parse({"answer": "x"}) == NoResponse()
    assert description.grade(NoResponse()).state is State.FINISHED
    assert description.max_fraction() == 0
