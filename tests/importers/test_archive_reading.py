"""Well-formed archives of each kind are read member by member, in flat memory."""

from __future__ import annotations

import random

import pytest

from cartable.lib import archive
from cartable.lib.archive import ArchiveError

from .builder import write_archive

MEMBERS = {
    "moodle_backup.xml": b"<moodle_backup/>",
    "files/ab/abcd": b"x" * 3000,
    "a/b/c.txt": b"hello",
}


@pytest.mark.parametrize(("flavour", "kind"), [("zip", "zip"), ("tgz", "tar.gz"), ("tar", "tar")])
def test_it_extracts_each_kind(tmp_path, flavour, kind):
    source = write_archive(tmp_path / "in.bin", MEMBERS, flavour)
    assert archive.sniff(source) == kind
    extracted = archive.extract(source, tmp_path / "work")
    assert extracted.kind == kind and set(extracted.files) == set(MEMBERS)
    assert extracted.total_size == sum(len(v) for v in MEMBERS.values())
    for name, data in MEMBERS.items():
        assert (tmp_path / "work" / name).read_bytes() == data


@pytest.mark.parametrize("flavour", ["zip", "tgz"])
def test_it_streams_one_member_without_extracting(tmp_path, flavour):
    source = write_archive(tmp_path / "in.bin", MEMBERS, flavour)
    with archive.open_member(source, "a/b/c.txt") as stream:
        assert stream.read() == b"hello"
    assert list(archive.member_names(source)) == list(MEMBERS)
    with pytest.raises(ArchiveError) as caught, archive.open_member(source, "nope"):
        pass
    assert caught.value.code == "member_not_found"
    assert not (tmp_path / "a").exists()


def test_it_reads_at_most_a_chunk_at_a_time(tmp_path):
    data = random.Random(1).randbytes(archive.CHUNK * 2 + 5)  # incompressible: not a bomb
    source = write_archive(tmp_path / "in.zip", {"big": data})
    with archive.open_member(source, "big") as stream:
        sizes = []
        while chunk := stream.read(-1):
            sizes.append(len(chunk))
    assert max(sizes) <= archive.CHUNK and sum(sizes) == archive.CHUNK * 2 + 5


NAMES = [
    ("a/b.txt", ("a/b.txt", False)),
    ("./a//b.txt", ("a/b.txt", False)),
    ("a\\b.txt", ("a/b.txt", False)),
    ("dir/", ("dir", True)),
    ("e\u0301.txt", ("\u00e9.txt", False)),
]


@pytest.mark.parametrize(("raw", "expected"), NAMES)
def test_it_normalises_member_names(raw, expected):
    assert archive.normalise_name(raw) == expected


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("../x", "path_traversal"),
        ("a/../../x", "path_traversal"),
        ("/x", "absolute_path"),
        ("\\x", "absolute_path"),
        ("c:x", "absolute_path"),
        ("D:\\x", "absolute_path"),
        ("a\x7fb", "unsafe_name"),
        ("", "unsafe_name"),
    ],
)
def test_it_refuses_unsafe_names(raw, code):
    with pytest.raises(ArchiveError) as caught:
        archive.normalise_name(raw)
    assert caught.value.code == code


def test_it_keeps_the_default_limits():
    limits = archive.DEFAULT_LIMITS
    assert (limits.max_member_size, limits.max_total_size) == (2 * archive.GiB, 20 * archive.GiB)
    assert (limits.max_members, limits.max_ratio, limits.ratio_threshold) == (
        200_000,
        200,
        archive.MiB,
    )
