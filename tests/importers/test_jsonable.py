"""The importers' dataclasses go to JSON and come back the same (``lib/jsonable``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from cartable.importers import model
from cartable.importers.common import FileRef
from cartable.importers.jsonable import JsonShapeError, from_json, to_json
from cartable.importers.moodle import load
from cartable.lib.archive import ArchiveLimits

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "mbz"
LIMITS = ArchiveLimits(
    max_member_size=1 << 30, max_total_size=1 << 32, max_members=100_000, max_ratio=1000
)


def stored(ref: FileRef) -> FileRef:
    """A file as it is kept once imported: hash, name, folder, type and size."""
    return FileRef(ref.sha256, ref.size, ref.filename, ref.filepath, ref.mimetype)


def test_it_reads_back_every_activity_kind_of_the_corpus(tmp_path: Path) -> None:
    seen = set()
    for path in sorted(FIXTURES.glob("*.mbz")):
        course = load(path, tmp_path / path.stem, LIMITS).course
        for activity in course.activities:
            value = to_json(activity.content)
            back = from_json(model.ActivityContent, value)
            assert type(back) is type(activity.content)
            assert to_json(back) == value
            seen.add(type(back).__name__)
    assert {"PageContent", "QuizContent", "AssignContent", "ResourceContent"} <= seen


def test_it_keeps_a_files_stored_fields_only() -> None:
    ref = FileRef(
        "ab" * 32, 12, "a.png", "/", "image/png", "mod_page", "content", 0, 5, 9, Path("/tmp/x")
    )
    back = from_json(FileRef, to_json(ref))
    assert back == stored(ref) and back.blob is None


def test_it_reads_dates_tuples_and_optional_values() -> None:
    content = model.ChoiceContent(
        options=(model.ChoiceOption(1, "Oui", 0),),
        allow_update=True,
        allow_multiple=False,
        limit_answers=False,
        show_results=1,
        opens=datetime(2026, 1, 2, 3, 4, tzinfo=UTC),
        closes=None,
    )
    assert from_json(model.ChoiceContent, to_json(content)) == content
    completion = model.Completion("automatic", view=True, rules=(("completionsubmit", 1),))
    assert from_json(model.Completion, to_json(completion)) == completion
    assert from_json(model.Completion, to_json(replace(completion, rules=()))).rules == ()


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (model.ChoiceOption, {"source_id": "1", "text": "x", "max_answers": 0}),
        (model.ChoiceOption, {"source_id": 1, "text": "x"}),
        (model.Completion, {"tracking": "sometimes"}),
        (model.ActivityContent, {"type": "NoSuchContent"}),
        (model.ChoiceContent, ["not", "an", "object"]),
    ],
)
def test_it_refuses_json_of_another_shape(kind: object, value: object) -> None:
    with pytest.raises(JsonShapeError):
        from_json(kind, value)
