"""Importing a question file (Moodle XML, GIFT) into a course's question bank: the same
quarantine and review as courses, idempotent, and a refused file changes nothing."""

from __future__ import annotations

import hashlib
import io
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from cartable.audit.models import AuditEvent
from cartable.catalog import blobs
from cartable.catalog.models import Course, CourseFile, Question, QuestionCategory
from cartable.ingest.imports import ImportFailed, import_file
from cartable.ingest.models import Revision
from cartable.ingest.questions import import_question_file
from cartable.review.actions import approve_course, reject_course
from tests.conftest import build_course
from tests.importers.questionfile import PNG, answer, category, embedded, question, write
from tests.test_import_course import page_course, state

pytestmark = pytest.mark.django_db

FIXTURES = Path(__file__).resolve().parent / "fixtures"
BANK = FIXTURES / "moodle_xml" / "moodlexml_development_course_568q.xml"
GIFT = FIXTURES / "gift" / "gift_format_php_examples.gift"


@pytest.fixture(autouse=True)
def english(monkeypatch) -> Iterator[None]:
    monkeypatch.setenv("LANGUAGE", "en")  # the commands' language
    with translation.override("en"):  # the import's own, when called directly
        yield


@pytest.fixture
def draft(institution) -> Course:
    return build_course(institution, "DRAFT303", status=Course.Status.PENDING_REVIEW)


@pytest.fixture
def published(institution) -> Course:
    return build_course(institution, "HIST101")


def run(*args: str) -> dict:
    out = io.StringIO()
    call_command("import-questions", *args, "--json", stdout=out, stderr=io.StringIO())
    return json.loads(out.getvalue())


def live(course: Course) -> Counter[str]:
    return Counter(
        Question.objects.filter(course=course, retired_at__isnull=True).values_list(
            "qtype", flat=True
        )
    )


def test_it_adds_a_files_questions_at_once_to_a_course_learners_do_not_see(draft) -> None:
    report = run(str(BANK), "--course", "DRAFT303")
    assert report["format"] == "moodle_xml"
    assert report["questions"] == {
        "calculated": 22,
        "calculatedmulti": 1,
        "ddwtos": 8,
        "essay": 1,
        "gapselect": 12,
        "match": 26,
        "multianswer": 7,
        "multichoice": 200,
        "numerical": 55,
        "randomsamatch": 4,
        "shortanswer": 157,
        "truefalse": 71,
    }
    assert report["categories"] == 43
    assert [item["key"].split("-")[0] for item in report["skipped"]] == [
        "coderunner",
        "ddmatch",
        "ddmatch",
        "regexp",
    ]
    assert report["applied"] is True and report["revision"] is None
    assert report["changes"]["questions"]["unchanged"] == 0
    assert len(report["changes"]["questions"]["added"]) == 564
    assert dict(live(draft)) == report["questions"]
    assert QuestionCategory.objects.filter(course=draft).count() == 43
    top = QuestionCategory.objects.get(course=draft, name="Day 8")
    assert QuestionCategory.objects.get(source_id=top.parent_source_id).name == "Mod 3"
    draft.refresh_from_db()
    assert draft.status == Course.Status.PENDING_REVIEW
    event = AuditEvent.objects.get(action="course.questions_imported")
    assert event.actor_name == "system"
    assert event.target_id == str(draft.pk) or event.target_id == draft.pk
    assert event.details["file"] == BANK.name
    assert event.details["questions"] == report["questions"]
    assert event.details["skipped"] == 4


def test_it_keeps_a_published_courses_new_questions_waiting_for_review(published, staff) -> None:
    before = state()
    report = run(str(GIFT), "--course", "HIST101")
    revision = Revision.objects.get(course=published)
    assert revision.status == Revision.Status.PENDING
    assert report["revision"] == {"id": revision.pk, "status": "pending"}
    assert report["applied"] is False
    assert report["questions"] == {
        "match": 1,
        "multichoice": 4,
        "numerical": 2,
        "shortanswer": 2,
        "truefalse": 1,
    }
    # Not a live row changed: learners and teachers keep the bank as it was.
    assert live(published) == Counter()
    assert state()[:5] == before[:5]
    assert revision.report["questions"] == report["questions"]
    # Staff approve the update: the questions go live.
    approve_course(actor=staff, course=published)
    revision.refresh_from_db()
    assert revision.status == Revision.Status.APPLIED
    assert dict(live(published)) == report["questions"]
    assert QuestionCategory.objects.get(course=published).name == GIFT.stem


def test_it_leaves_the_course_as_it_was_when_staff_reject_the_questions(published, staff) -> None:
    run(str(GIFT), "--course", "HIST101")
    reject_course(actor=staff, course=published, comment="Pas maintenant")
    assert Revision.objects.get().status == Revision.Status.REJECTED
    assert Question.objects.filter(course=published).count() == 0


def test_it_changes_nothing_when_the_same_file_comes_again(draft, published) -> None:
    run(str(GIFT), "--course", "DRAFT303")
    ids = dict(Question.objects.values_list("source_id", "id"))
    before = state()
    again = run(str(GIFT), "--course", "DRAFT303")
    assert again["changes"]["questions"] == {
        "added": [],
        "updated": [],
        "unchanged": 10,
        "retired": [],
    }
    assert dict(Question.objects.values_list("source_id", "id")) == ids
    assert state()[:5] == before[:5]
    # For a published course, the same file finds its update still waiting.
    first = run(str(GIFT), "--course", "HIST101")
    second = run(str(GIFT), "--course", "HIST101")
    assert first["revision"] == second["revision"]
    assert Revision.objects.filter(course=published).count() == 1


def test_it_updates_the_questions_a_corrected_file_changes(draft, tmp_path: Path) -> None:
    def bank(text: str) -> Path:
        return write(
            tmp_path / "bank.xml",
            category("$course$/Révisions"),
            question("shortanswer", "Capitale", text, answer("Paris", "100")),
            question("truefalse", "Vrai", "<p>Oui ?</p>", answer("true", "100")),
        )

    run(str(bank("<p>Capitale de la France ?</p>")), "--course", "DRAFT303")
    second = run(str(bank("<p>Quelle est la capitale de la France ?</p>")), "--course", "DRAFT303")
    assert second["changes"]["questions"]["updated"] == ["Capitale"]
    assert second["changes"]["questions"]["unchanged"] == 1
    capital = Question.objects.get(name="Capitale")
    assert capital.text == "<p>Quelle est la capitale de la France ?</p>"
    assert Question.objects.count() == 2


def test_it_stores_the_pictures_a_file_embeds_as_course_files(draft, tmp_path: Path) -> None:
    path = write(
        tmp_path / "pics.xml",
        question(
            "description",
            "Carte",
            '<p><img src="@@PLUGINFILE@@/carte.png" alt="carte"></p>',
            files=embedded("carte.png", PNG),
        ),
    )
    report = run(str(path), "--course", "DRAFT303")
    sha = hashlib.sha256(PNG).hexdigest()
    assert report["files"] == {"count": 1, "blobs": 1, "bytes": len(PNG)}
    row = CourseFile.objects.get(course=draft)
    assert (row.blob_id, row.filename, row.component, row.activity_id) == (
        sha,
        "carte.png",
        "qformat_xml",
        None,
    )
    assert blobs.store().exists(sha)
    assert f"cartable-file:{sha}/carte.png" in Question.objects.get(name="Carte").text


def test_it_tells_staff_what_the_questions_hold(draft, published, tmp_path: Path) -> None:
    path = write(
        tmp_path / "risky.xml",
        question(
            "shortanswer",
            "Lien",
            '<p>Voir <a href="https://example.org/cours">le cours</a><script>x()</script></p>',
            answer("a", "100"),
        ),
        question("coderunner", "Code", '<p><a href="https://pypi.org">pip</a></p>'),
    )
    run(str(path), "--course", "DRAFT303")
    draft.refresh_from_db()
    assert {(r["kind"], r["detail"], r["where"]) for r in draft.risks} >= {
        ("external_link", "https://example.org/cours", "Lien"),
        ("script", "<script>", "Lien"),
        ("external_link", "https://pypi.org/", "question 'Code' (coderunner)"),
    }
    run(str(path), "--course", "HIST101")
    staged = Revision.objects.get(course=published).staged
    assert staged is not None
    assert ("script", "Lien") in {(r["kind"], r["where"]) for r in staged["risks"]}


def test_a_courses_next_version_leaves_the_questions_a_file_added(tmp_path: Path) -> None:
    first = import_file(page_course(1).build(tmp_path / "v1.mbz"), actor=None)
    course = first.course
    path = write(
        tmp_path / "extra.xml",
        question(
            "description",
            "Carte",
            '<p><img src="@@PLUGINFILE@@/carte.png"></p>',
            files=embedded("carte.png", PNG),
        ),
    )
    import_question_file(path, course=course, actor=None)
    added = Question.objects.get(course=course, name="Carte")
    # The same backup again changes nothing: the added questions and files are no change.
    again = import_file(page_course(1).build(tmp_path / "v1b.mbz"), actor=None)
    assert again.revision is None
    assert again.changes.added == again.changes.updated == again.changes.retired == []
    assert not again.question_changes.any
    # A new version of the course neither retires them nor drops their files.
    import_file(page_course(2, drop_second=True).build(tmp_path / "v2.mbz"), actor=None)
    added.refresh_from_db()
    assert added.retired_at is None
    assert QuestionCategory.objects.get(pk=added.category_id).retired_at is None
    assert CourseFile.objects.filter(course=course, component="qformat_xml").count() == 1


def test_it_refuses_staff_of_another_establishment(draft, outsider_staff, establishment) -> None:
    Course.objects.filter(pk=draft.pk).update(establishment=establishment)
    draft.refresh_from_db()
    before = state()
    with pytest.raises(ImportFailed) as raised:
        import_question_file(GIFT, course=draft, actor=outsider_staff)
    assert raised.value.code == "other_establishment"
    assert "another establishment" in raised.value.message
    assert state() == before


def test_it_refuses_while_another_update_waits_for_review(published, tmp_path: Path) -> None:
    other = FIXTURES / "gift" / "gift_numerical_variants.gift"
    run(str(GIFT), "--course", "HIST101")
    before = state()
    with pytest.raises(CommandError, match="already waits for review"):
        run(str(other), "--course", "HIST101")
    assert state() == before


@pytest.mark.parametrize(
    ("content", "code", "message"),
    [
        (b"Q {=a ~b\n", "gift_syntax", "was not imported: line 1: the answers must sit between"),
        (b"\x89PNG\r\n\x1a\n\0\0", "unknown_format", "it is not a question file Cartable can read"),
        (
            b'<?xml version="1.0"?><!DOCTYPE quiz [<!ENTITY x "y">]><quiz>&x;</quiz>',
            "xml_entities",
            "declares XML entities or a DTD",
        ),
        (b'<?xml version="1.0"?>\n<quiz><question></quiz>', "malformed_xml", "line 2"),
    ],
)
def test_it_refuses_a_bad_file_clearly_and_changes_nothing(
    draft, tmp_path: Path, content: bytes, code: str, message: str
) -> None:
    path = tmp_path / "bad.gift"
    path.write_bytes(content)
    before = state()
    with pytest.raises(ImportFailed) as raised:
        import_question_file(path, course=draft, actor=None)
    assert raised.value.code == code
    assert message in raised.value.message
    assert raised.value.message.startswith("bad.gift ")
    assert state() == before


def test_it_takes_back_new_blobs_when_saving_fails(draft, tmp_path: Path, monkeypatch) -> None:
    path = write(
        tmp_path / "pics.xml",
        question(
            "description",
            "p",
            '<p><img src="@@PLUGINFILE@@/p.png"></p>',
            files=embedded("p.png", PNG),
        ),
    )

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr("cartable.ingest.questions.apply", broken)
    before = state()
    with pytest.raises(RuntimeError):
        import_question_file(path, course=draft, actor=None)
    assert state() == before


def test_it_speaks_french_to_a_french_operator(draft, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("LANGUAGE", "fr")
    path = tmp_path / "faux.gift"
    path.write_text("Question {=a ~b\n", encoding="utf-8")
    with pytest.raises(CommandError) as raised:
        call_command("import-questions", str(path), "--course", "DRAFT303", stderr=io.StringIO())
    assert str(raised.value) == (
        "faux.gift n’a pas été importé\u202f: ligne 1\u202f: les réponses doivent se trouver "
        "entre «\u202f{\u202f» et «\u202f}\u202f»."
    )


def test_it_prints_a_report_for_people(draft) -> None:
    out = io.StringIO()
    call_command("import-questions", str(GIFT), "--course", f"#{draft.pk}", stdout=out)
    text = out.getvalue()
    assert "Questions: match 1, multichoice 4, numerical 2, shortanswer 2, truefalse 1" in text
    assert "Questions added 10, updated 0, unchanged 0." in text
    assert "They wait for review with the course." in text


def test_it_names_the_course_clearly(draft, institution) -> None:
    with pytest.raises(CommandError, match="No course has the short name “NOPE”"):
        run(str(GIFT), "--course", "NOPE")
    with pytest.raises(CommandError, match="No course has the number #999999"):
        run(str(GIFT), "--course", "#999999")
    with pytest.raises(CommandError, match="There is no file at"):
        run("/nowhere.gift", "--course", "DRAFT303")
    twin = Course.objects.create(institution=institution, shortname="DRAFT303", title="Autre")
    with pytest.raises(CommandError, match=f"#{draft.pk} .*#{twin.pk} "):
        run(str(GIFT), "--course", "DRAFT303")


def test_it_prints_the_refusal_as_json_too(draft, tmp_path: Path) -> None:
    path = tmp_path / "bad.gift"
    path.write_text("Q {~seule}", encoding="utf-8")
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import-questions", str(path), "--course", "DRAFT303", "--json", stdout=out)
    assert json.loads(out.getvalue())["error"]["code"] == "gift_syntax"
