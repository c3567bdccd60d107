"""Real question files (tests/fixtures/moodle_xml and gift, see their PROVENANCE.md) import
with exact counts by type.

The Moodle XML expectations are counted here from the file itself with plain ElementTree
(``<question type="…">`` elements, category paths, embedded answers); the GIFT ones come from
reading the files question by question (listed below, in order).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from defusedxml import ElementTree

from cartable.importers.questionfiles import registry
from cartable.importers.questionfiles.base import QuestionFileResult
from cartable.importers.questions import MultianswerData

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
XML_FILES = sorted((FIXTURES / "moodle_xml").glob("*.xml"))
GIFT_FILES = sorted((FIXTURES / "gift").glob("*.gift"))

# The question types of Moodle's own, as a course backup names them, that Cartable reads;
# Moodle XML calls two of them differently.
CORE_TYPES = {
    "multichoice",
    "truefalse",
    "shortanswer",
    "numerical",
    "match",
    "essay",
    "description",
    "multianswer",
    "gapselect",
    "ddwtos",
    "calculated",
    "calculatedsimple",
    "calculatedmulti",
    "ddimageortext",
    "ddmarker",
    "randomsamatch",
    "random",
}
XML_NAMES = {"matching": "match", "cloze": "multianswer"}
CLOZE_PART = re.compile(
    r"\{[0-9]*:(?:NUMERICAL|NM|MULTICHOICE(?:_[VH]?S?)?|MC[VH]?S?|SHORTANSWER(?:_C)?|SAC?|MWC?"
    r"|MULTIRESPONSE(?:_H?S?)?|MR[H]?S?):"
)

# What the PROVENANCE.md files declare, for the record (the tests count for themselves too).
DECLARED = {
    "moodlexml_development_course_568q.xml": {
        "multichoice": 200,
        "shortanswer": 157,
        "truefalse": 71,
        "numerical": 55,
        "matching": 26,
        "calculated": 22,
        "gapselect": 12,
        "ddwtos": 8,
        "cloze": 7,
        "randomsamatch": 4,
        "ddmatch": 2,
        "calculatedmulti": 1,
        "essay": 1,
        "coderunner": 1,
        "regexp": 1,
    },
    "moodlexml_coderunner_python3_demo_quiz.xml": {"coderunner": 11, "description": 4},
}

# The GIFT files read by hand: each question's type, in order.
GIFT_TYPES = {
    "gift_format_php_examples.gift": [
        "multichoice",  # Who's buried in Grant's tomb?{~Grant ~Jefferson =no one}
        "multichoice",  # Grant is {~buried =entombed ~living} in Grant's tomb.
        "truefalse",  # Grant is buried in Grant's tomb.{FALSE}
        "shortanswer",  # Who's buried in Grant's tomb?{=no one =nobody}
        "numerical",  # When was Ulysses S. Grant born?{#1822:5}
        "match",  # {=Canada->Ottawa =Italy->Rome =Japan->Tokyo}
        "multichoice",  # ::Grant's Tomb::Grant is {~buried#… =entombed#… ~living#…}
        "multichoice",  # Difficult multiple choice question.{~… ~%50%… =…}
        "shortanswer",  # ::Jesus' hometown (Short answer ex.):: {=Nazareth =%75%… =%25%…}
        "numerical",  # ::Numerical example:: {# =1822:0 =%50%1822:2}
    ],
    "gift_numerical_variants.gift": ["numerical"] * 10,
    "gift_options_docs_examples.gift": [
        "numerical",  # What's 2 plus 2? {#4}
        "shortanswer",  # ::Kanji Origins:: {=China}
        "multichoice",  # ::Thanksgiving Date:: {~second ~third =fourth}
        "multichoice",  # What's the answer to this multiple-choice question?
        "shortanswer",  # Who's buried in Grant's tomb?{=no one =nobody}
        "shortanswer",  # [markdown]Who's buried in **Grant's tomb**?
        "truefalse",  # Grant is buried in Grant's tomb.{FALSE#…}
        "multichoice",  # Difficult question.{~… ~%50%… =…}
        "multichoice",  # ::Jesus' hometown:: {~Jerusalem ~%25%… ~%50%… =Nazareth}
        "shortanswer",  # ::Jesus' hometown:: {=Nazareth =%75%… =%25%…}
        "multichoice",  # What two people are entombed in Grant's tomb? (weights)
        "multichoice",  # … with negative weights
        "multichoice",  # Which answer equals 5? (escaped =)
        "multichoice",  # ::GIFT Control Characters::
    ],
}

_RESULTS: dict[Path, QuestionFileResult] = {}


def imported(path: Path, tmp_path_factory: pytest.TempPathFactory) -> QuestionFileResult:
    if path not in _RESULTS:
        _RESULTS[path] = registry.load(path, tmp_path_factory.mktemp("work"), name=path.name)
    return _RESULTS[path]


def xml_expectations(path: Path) -> tuple[Counter[str], Counter[str], int, list[int]]:
    """Questions by (Cartable's) type, skipped ones by the file's type, categories, and the
    embedded answers of each cloze question, counted from the XML."""
    root = ElementTree.parse(path).getroot()
    imported: Counter[str] = Counter()
    skipped: Counter[str] = Counter()
    paths: set[tuple[str, ...]] = set()
    parts = []
    for question in root.findall("question"):
        kind = question.get("type", "")
        if kind == "category":
            # Moodle's paths: "$course$/a/b", a doubled slash being a slash in a name.
            names = re.split(r"(?<!/)/(?!/)", (question.findtext("category/text") or "").strip())
            if re.fullmatch(r"\$[a-z]+\$", names[0]):
                names = names[1:]
            paths.update(tuple(names[:depth]) for depth in range(1, len(names) + 1))
            continue
        qtype = XML_NAMES.get(kind, kind)
        if qtype in CORE_TYPES:
            imported[qtype] += 1
        else:
            skipped[kind] += 1
        if qtype == "multianswer":
            parts.append(len(CLOZE_PART.findall(question.findtext("questiontext/text") or "")))
    return imported, skipped, len(paths), parts


@pytest.mark.parametrize("path", XML_FILES, ids=lambda p: p.name)
def test_it_imports_every_moodle_xml_question_of_a_known_type(path, tmp_path_factory) -> None:
    result = imported(path, tmp_path_factory)
    questions, skipped, categories, cloze_parts = xml_expectations(path)
    assert result.report.format == "moodle_xml"
    assert dict(result.report.questions) == dict(questions)
    assert Counter(item.key.rsplit("-", 1)[0] for item in result.report.skipped) == skipped
    assert all(item.kind == "question" for item in result.report.skipped)
    assert result.report.categories == categories == len(result.bank.categories)
    assert [
        len(q.data.subquestions)
        for q in result.bank.questions
        if isinstance(q.data, MultianswerData)
    ] == cloze_parts
    # And the counts the provenance declares.
    declared = {XML_NAMES.get(kind, kind): count for kind, count in DECLARED[path.name].items()}
    assert dict(result.report.questions) == {
        qtype: count for qtype, count in declared.items() if qtype in CORE_TYPES
    }
    assert dict(skipped) == {
        qtype: count for qtype, count in declared.items() if qtype not in CORE_TYPES
    }


def test_it_counts_the_568_question_bank_exactly(tmp_path_factory) -> None:
    path = FIXTURES / "moodle_xml" / "moodlexml_development_course_568q.xml"
    result = imported(path, tmp_path_factory)
    assert dict(result.report.questions) == {
        "multichoice": 200,
        "shortanswer": 157,
        "truefalse": 71,
        "numerical": 55,
        "match": 26,
        "calculated": 22,
        "gapselect": 12,
        "ddwtos": 8,
        "multianswer": 7,
        "randomsamatch": 4,
        "calculatedmulti": 1,
        "essay": 1,
    }
    assert sorted(str(item.what) for item in result.report.skipped) == [
        "question 'Practice Funkshins' (coderunner)",
        "question 'Q01' (ddmatch)",
        "question 'Q02' (ddmatch)",
        "question 'Q04' (regexp)",
    ]
    assert {str(item.reason) for item in result.report.skipped} == {
        "the question type 'coderunner' is not one Cartable supports",
        "the question type 'ddmatch' is not one Cartable supports",
        "the question type 'regexp' is not one Cartable supports",
    }
    # 42 categories in the file, and "top" above them all.
    assert result.report.categories == 43
    assert result.report.warnings == ()


def test_it_lists_plugin_question_types_as_skipped_and_keeps_descriptions(
    tmp_path_factory,
) -> None:
    path = FIXTURES / "moodle_xml" / "moodlexml_coderunner_python3_demo_quiz.xml"
    result = imported(path, tmp_path_factory)
    assert dict(result.report.questions) == {"description": 4}
    assert len(result.report.skipped) == 11
    assert {item.key.split("-")[0] for item in result.report.skipped} == {"coderunner"}
    # The pictures only the skipped questions embed are not imported.
    assert result.report.files.records == 0
    assert all(q.default_mark == 0 for q in result.bank.questions)


@pytest.mark.parametrize("path", GIFT_FILES, ids=lambda p: p.name)
def test_it_imports_every_gift_question_with_its_type(path, tmp_path_factory) -> None:
    result = imported(path, tmp_path_factory)
    expected = GIFT_TYPES[path.name]
    assert result.report.format == "gift"
    assert [q.qtype for q in result.bank.questions] == expected
    assert dict(result.report.questions) == dict(Counter(expected))
    assert result.report.skipped == ()
    assert result.report.warnings == ()
    # No $CATEGORY: in these files: one category, named after the file.
    assert [c.name for c in result.bank.categories] == [path.stem]


def test_the_gift_counts_add_up_to_the_declared_numbers(tmp_path_factory) -> None:
    totals = {
        path.name: sum(imported(path, tmp_path_factory).report.questions.values())
        for path in GIFT_FILES
    }
    assert totals == {
        "gift_format_php_examples.gift": 10,
        "gift_numerical_variants.gift": 10,
        "gift_options_docs_examples.gift": 14,
    }


@pytest.mark.parametrize("path", [*XML_FILES, *GIFT_FILES], ids=lambda p: p.name)
def test_it_gives_every_question_a_distinct_stable_id(path, tmp_path_factory) -> None:
    first = imported(path, tmp_path_factory)
    again = registry.load(path, tmp_path_factory.mktemp("again"), name=path.name)
    ids = [q.source_id for q in first.bank.walk()]
    assert len(ids) == len(set(ids))
    assert all(source_id < -1 for source_id in ids)
    assert ids == [q.source_id for q in again.bank.walk()]
    assert [c.source_id for c in first.bank.categories] == [
        c.source_id for c in again.bank.categories
    ]
