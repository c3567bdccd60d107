"""Hostile archives are refused with a specific error, and nothing lands outside the work folder."""

from __future__ import annotations

import tarfile

import pytest

from cartable.importers import registry
from cartable.lib import archive
from cartable.lib.archive import ArchiveError, ArchiveLimits

from . import hostile
from .hostile import MANIFEST, tar_entry, tgz_of, zip_of

CASES: list[tuple[str, hostile.Maker, str, str]] = [
    (
        "text file",
        lambda p: (p.write_text("hello, not an archive"), p)[1],
        "not_an_archive",
        "not a ZIP or tar",
    ),
    (
        "gzip of no tar",
        lambda p: (p.write_bytes(__import__("gzip").compress(b"x" * 600)), p)[1],
        "not_an_archive",
        "tar",
    ),
    ("truncated zip", hostile.truncated_zip, "truncated", "truncated"),
    ("truncated tar.gz", hostile.truncated_tgz, "truncated", "truncated"),
    ("zip with a bad CRC", hostile.corrupt_zip_crc, "corrupt", "damaged"),
    ("zip ../", lambda p: zip_of(p, [("../evil.txt", b"x")]), "path_traversal", ".."),
    ("zip a/../../", lambda p: zip_of(p, [("a/../../evil.txt", b"x")]), "path_traversal", ".."),
    ("tar ../", lambda p: tgz_of(p, [("../../evil.txt", b"x")]), "path_traversal", ".."),
    ("zip absolute", lambda p: zip_of(p, [("/etc/evil", b"x")]), "absolute_path", "absolute"),
    ("tar absolute", lambda p: tgz_of(p, [("/tmp/evil", b"x")]), "absolute_path", "absolute"),
    (
        "zip drive letter",
        lambda p: zip_of(p, [("C:/Windows/evil.txt", b"x")]),
        "absolute_path",
        "absolute",
    ),
    (
        "zip backslash root",
        lambda p: zip_of(p, [("\\\\server\\share\\evil", b"x")]),
        "absolute_path",
        "absolute",
    ),
    (
        "zip backslash climb",
        lambda p: zip_of(p, [("a\\..\\..\\evil", b"x")]),
        "path_traversal",
        "..",
    ),
    (
        "tar symlink",
        lambda p: tgz_of(p, [tar_entry("link", tarfile.SYMTYPE, "/etc/passwd")]),
        "link_member",
        "symbolic link",
    ),
    (
        "tar hard link",
        lambda p: tgz_of(p, [tar_entry("link", tarfile.LNKTYPE, "/etc/passwd")]),
        "link_member",
        "hard link",
    ),
    ("zip symlink", hostile.zip_symlink, "link_member", "symbolic link"),
    (
        "tar fifo",
        lambda p: tgz_of(p, [tar_entry("fifo", tarfile.FIFOTYPE)]),
        "special_file",
        "FIFO",
    ),
    (
        "tar char device",
        lambda p: tgz_of(p, [tar_entry("dev", tarfile.CHRTYPE)]),
        "special_file",
        "device",
    ),
    (
        "tar block device",
        lambda p: tgz_of(p, [tar_entry("dev", tarfile.BLKTYPE)]),
        "special_file",
        "device",
    ),
    ("zip fifo", hostile.zip_fifo, "special_file", "FIFO"),
    (
        "zip duplicate",
        lambda p: zip_of(p, [("a.txt", b"1"), ("a.txt", b"2")]),
        "duplicate_member",
        "twice",
    ),
    (
        "zip duplicate after normalising",
        lambda p: zip_of(p, [("a/b.txt", b"1"), ("a//./b.txt", b"2")]),
        "duplicate_member",
        "twice",
    ),
    (
        "tar duplicate",
        lambda p: tgz_of(p, [("a.txt", b"1"), ("./a.txt", b"2")]),
        "duplicate_member",
        "twice",
    ),
    (
        "file then folder",
        lambda p: zip_of(p, [("a", b"1"), ("a/b", b"2")]),
        "path_conflict",
        "both a file and a folder",
    ),
    ("zip bomb", hostile.bomb_zip, "compression_ratio", "expands more than"),
    ("tar.gz bomb", hostile.bomb_tgz, "compression_ratio", "expands more than"),
    ("zip lying about its size", hostile.zip_lying_size, "corrupt", "damaged"),
    (
        "control character",
        lambda p: zip_of(p, [("a\x01b", b"1")]),
        "unsafe_name",
        "control character",
    ),
    ("name too long", lambda p: zip_of(p, [("a" * 300, b"1")]), "path_too_long", "longer than"),
]


@pytest.mark.parametrize(("label", "make", "code", "words"), CASES, ids=[c[0] for c in CASES])
def test_it_refuses_each_hostile_archive(tmp_path, label, make, code, words):
    source = make(tmp_path / "upload.mbz")
    work = tmp_path / "box" / "work"
    with pytest.raises(ArchiveError) as caught:
        archive.extract(source, work)
    assert caught.value.code == code, str(caught.value)
    assert words in str(caught.value)
    outside = {p for p in tmp_path.rglob("*") if not p.is_relative_to(work)}
    assert outside <= {source, tmp_path / "box"}
    assert not any(p.is_symlink() for p in work.rglob("*")) if work.exists() else True


LIMIT_CASES = [
    (
        "member too large",
        ArchiveLimits(max_member_size=1000),
        [("a.bin", b"x" * 1001)],
        "member_too_large",
    ),
    (
        "total too large",
        ArchiveLimits(max_total_size=1500),
        [("a", b"x" * 1000), ("b", b"y" * 1000)],
        "total_too_large",
    ),
    (
        "too many members",
        ArchiveLimits(max_members=3),
        [(f"f{i}", b"x") for i in range(4)],
        "too_many_members",
    ),
    (
        "path too long",
        ArchiveLimits(max_path_length=20),
        [("a/" * 11 + "b", b"x")],
        "path_too_long",
    ),
]


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
@pytest.mark.parametrize(
    ("label", "limits", "members", "code"), LIMIT_CASES, ids=[c[0] for c in LIMIT_CASES]
)
def test_it_enforces_each_limit(tmp_path, flavour, label, limits, members, code):
    maker = zip_of if flavour == "zip" else tgz_of
    source = maker(tmp_path / "upload.mbz", members)
    with pytest.raises(ArchiveError) as caught:
        archive.extract(source, tmp_path / "work", limits)
    assert caught.value.code == code


def test_it_counts_real_bytes_not_the_declared_size(tmp_path):
    """A ZIP entry declaring 10 bytes but holding 3 MiB is stopped, never written whole."""
    source = hostile.zip_lying_size(tmp_path / "liar.mbz")
    with pytest.raises(ArchiveError):
        archive.extract(source, tmp_path / "work", ArchiveLimits(max_member_size=2**20))
    written = tmp_path / "work" / "liar.bin"
    assert not written.exists() or written.stat().st_size <= 2**20 + archive.CHUNK


def test_it_refuses_a_non_empty_work_folder(tmp_path):
    source = zip_of(tmp_path / "ok.mbz", [("a.txt", b"1")])
    (tmp_path / "work").mkdir()
    (tmp_path / "work" / "old").write_text("x")
    with pytest.raises(ValueError, match="empty"):
        archive.extract(source, tmp_path / "work")


def test_it_reports_hostile_archives_through_the_registry(tmp_path):
    source = zip_of(tmp_path / "evil.mbz", [("moodle_backup.xml", MANIFEST), ("../x", b"1")])
    with pytest.raises(ArchiveError) as caught:
        registry.load(source, tmp_path / "work")
    assert caught.value.code == "path_traversal"
    assert not (tmp_path / "x").exists()


def test_it_refuses_an_oversized_tar_header(tmp_path):
    long_name = "d/" * 40_000 + "f"
    source = tgz_of(tmp_path / "long.tgz", [(long_name, b"x")])
    with pytest.raises(ArchiveError) as caught:
        archive.extract(source, tmp_path / "work")
    assert caught.value.code == "path_too_long"


def test_it_never_writes_through_a_planted_symlink(tmp_path):
    """Even a work folder holding a link (planted by someone else) is never written through."""
    source = zip_of(tmp_path / "ok.mbz", [("a/b.txt", b"1")])
    target = tmp_path / "elsewhere"
    target.mkdir()
    with pytest.raises(ValueError, match="empty"):
        work = tmp_path / "work"
        work.mkdir()
        (work / "a").symlink_to(target)
        archive.extract(source, work)
    assert list(target.iterdir()) == []


def test_it_names_the_member_in_the_error(tmp_path):
    source = zip_of(tmp_path / "x.mbz", [("ok.txt", b"1"), ("../bad.txt", b"2")])
    with pytest.raises(ArchiveError) as caught:
        archive.extract(source, tmp_path / "work")
    assert caught.value.member == "../bad.txt"
    assert "'../bad.txt'" in caught.value.message
