"""The content store: named by hash, verified on write, immutable, no path games."""

from __future__ import annotations

import hashlib
import io
from pathlib import Path

import pytest

from cartable.lib.blobstore import BlobError, BlobStore


def test_it_stores_bytes_under_their_sha256_in_sharded_folders(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    stored = store.put_bytes(b"bonjour")
    digest = hashlib.sha256(b"bonjour").hexdigest()
    assert stored.sha256 == digest
    assert stored.created
    path = tmp_path / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == b"bonjour"
    assert path.stat().st_mode & 0o222 == 0


def test_it_deduplicates_identical_content(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    first = store.put_bytes(b"same")
    second = store.put_stream(io.BytesIO(b"same"))
    assert first.sha256 == second.sha256
    assert not second.created
    assert list(store) == [first.sha256]


def test_it_refuses_content_that_does_not_match_its_announced_hash(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    wrong = hashlib.sha256(b"other").hexdigest()
    with pytest.raises(BlobError, match="does not match"):
        store.put_stream(io.BytesIO(b"bytes"), expected_sha256=wrong)
    assert list(tmp_path.rglob("*")) == []


def test_it_refuses_content_over_a_size_limit(tmp_path: Path) -> None:
    with pytest.raises(BlobError, match="larger than the limit"):
        BlobStore(tmp_path).put_stream(io.BytesIO(b"x" * 100), max_bytes=10)
    assert list(tmp_path.rglob("*")) == []


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd",
        "A" * 64,
        "abc",
        "/" + "a" * 63,
        "a" * 63 + "/",
        "a" * 65,
        "a" * 63 + "\n",
    ],
)
def test_it_checks_a_name_before_building_any_path(tmp_path: Path, name: str) -> None:
    store = BlobStore(tmp_path)
    with pytest.raises(BlobError):
        store.path(name)
    with pytest.raises(BlobError):
        store.open(name)


def test_it_detects_a_blob_changed_on_disk(tmp_path: Path) -> None:
    store = BlobStore(tmp_path)
    digest = store.put_bytes(b"original").sha256
    path = store.path(digest)
    path.chmod(0o644)
    path.write_bytes(b"tampered")
    assert not store.verify(digest)
