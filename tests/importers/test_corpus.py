"""Real Moodle backups (tests/fixtures/mbz, see PROVENANCE.md) import with the declared counts.

The expected counts are taken here from the archive itself with plain zipfile/tarfile and
ElementTree, not with the importer's own readers.
"""

from __future__ import annotations

import hashlib
import io
import tarfile
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
from defusedxml import ElementTree

from cartable.importers import registry
from cartable.importers.model import ImportResult

from .conftest import FIXTURES

CORPUS = sorted(FIXTURES.glob("*.mbz"))


def _members(path: Path) -> dict[str, bytes]:
    """Only the XML members (and blob names) that the expectations need."""
    wanted = ("moodle_backup.xml", "questions.xml", "files.xml")
    out: dict[str, bytes] = {}
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for name in archive.namelist():
                if name in wanted or name.startswith("files/"):
                    out[name] = archive.read(name) if name in wanted else b""
        return out
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            if member.name in wanted:
                handle = archive.extractfile(member)
                assert handle is not None
                out[member.name] = handle.read()
            elif member.name.startswith("files/") and member.isfile():
                out[member.name] = b""
    return out


def _expected(path: Path) -> tuple[Counter[str], Counter[str], int]:
    members = _members(path)
    manifest = ElementTree.fromstring(members["moodle_backup.xml"])
    activities = Counter(
        a.findtext("modulename") or ""
        for a in manifest.iter("activity")
        if a.find("moduleid") is not None
    )
    questions: Counter[str] = Counter()
    root = ElementTree.parse(io.BytesIO(members["questions.xml"])).getroot()
    for question in root.iter("question"):
        if question.get("id") is None:
            continue  # a field named "question" (a cloze question's own id), not a question
        parent = question.findtext("parent") or "0"
        if parent in ("0", question.get("id")):
            questions[question.findtext("qtype") or ""] += 1
    files = ElementTree.fromstring(members.get("files.xml", b"<files/>"))
    blobs = {name.rsplit("/", 1)[-1] for name in members if name.startswith("files/")}
    records = sum(
        1
        for f in files.iter("file")
        if f.findtext("filename") != "." and f.findtext("contenthash") in blobs
    )
    return activities, questions, records


_RESULTS: dict[Path, ImportResult] = {}


@pytest.fixture
def imported(tmp_path_factory) -> Callable[[Path], ImportResult]:
    """Each corpus file imported once per test session (the largest takes a few seconds)."""

    def run(path: Path) -> ImportResult:
        if path not in _RESULTS:
            _RESULTS[path] = registry.load(path, tmp_path_factory.mktemp("work") / "w")
        return _RESULTS[path]

    return run


@pytest.mark.parametrize("path", CORPUS, ids=[p.stem for p in CORPUS])
def test_it_imports_each_corpus_backup_with_the_declared_counts(path, imported):
    assert registry.detect(path) == "moodle"
    result = imported(path)
    report = result.report
    activities, questions, records = _expected(path)
    for skipped in report.skipped:
        kind, _, _ = skipped.key.rpartition("-")
        if skipped.kind == "activity":
            activities[kind] -= 1
        elif skipped.kind == "question":
            questions[kind] -= 1
    assert dict(report.activities) == {k: v for k, v in activities.items() if v}
    assert dict(report.questions) == {k: v for k, v in questions.items() if v}
    assert report.files.records == records
    assert report.sections == len(result.course.sections)
    for ref in result.course.files:
        assert hashlib.sha256(ref.blob.read_bytes()).hexdigest() == ref.sha256


def test_it_skips_the_coderunner_questions_of_the_moodle_28_course(imported):
    result = imported(FIXTURES / "moodle28_zip_loadtesting_pseudocourse.mbz")
    report = result.report
    assert (report.moodle_release, report.course_title) == (
        "2.8.1+ (Build: 20141211)",
        "LoadTesting",
    )
    assert report.sections == 11
    assert report.activities == {"quiz": 17, "forum": 1}
    skipped = Counter(s.key.rpartition("-")[0] for s in report.skipped if s.kind == "question")
    assert skipped == {"coderunner": 27, "ccode": 5}
    assert report.questions == {}
    assert any("were not imported" in w for w in report.warnings)


def test_it_skips_the_studentquiz_plugin_module_of_the_moodle_30_course(imported):
    result = imported(FIXTURES / "moodle30_tgz_mdk101_68activities.mbz")
    report = result.report
    [skipped] = [s for s in report.skipped if s.kind == "activity"]
    assert skipped.key.startswith("studentquiz-") and "not one Cartable supports" in skipped.reason
    assert report.activities == {"page": 50, "assign": 10, "resource": 3, "quiz": 3, "forum": 1}
    assert report.sections == 12 and report.has_user_data


def test_it_reads_the_three_files_of_the_moodle_44_course(imported):
    result = imported(FIXTURES / "moodle44_tgz_multiple_mod_types.mbz")
    report = result.report
    assert report.activities == {"quiz": 40, "assign": 5, "resource": 5, "page": 5, "label": 3}
    assert (report.files.records, report.files.blobs) == (5, 3)
    assert report.files.bytes == 40401 + 109334 + 3866
    assert report.skipped == () and report.warnings == ()
    resources = [a for a in result.course.activities if a.modname == "resource"]
    assert {a.files[0].filename for a in resources} == {
        "clipart_mans_head.png",
        "boyface.png",
        "blank_face.png",
    }
    assert report.to_json()["course"] == {"title": "Drip Release Test", "shortname": "DRIPRELEASE"}
