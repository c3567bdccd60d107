"""Bundle files (cartable.exchange.wire): what one side writes the other reads, and every
hostile file is refused with its stable code before anything is decrypted or used."""

from __future__ import annotations

import io
import json
import struct
from pathlib import Path

import pytest

from cartable.exchange.wire import bundle
from cartable.exchange.wire.bundle import BundleError, Limits
from cartable.exchange.wire.keys import (
    KeyTextError,
    PrivateIdentity,
    normalise_fingerprint,
    parse_private,
    parse_public,
)

BOX = PrivateIdentity.generate()
HUB = PrivateIdentity.generate()
STRANGER = PrivateIdentity.generate()
BIG = bytes(range(256)) * 1000  # 256 000 bytes: several chunks, the last one short


def keys_of(*known: PrivateIdentity):
    table = {item.public.fingerprint: item.public for item in known}
    return table.get


def write(path: Path, *, sender=BOX, recipient=HUB, members=None, sequence: int = 1) -> Path:
    members = members or [
        bundle.member_from_bytes("entries.jsonl", b'{"id": 1}\n'),
        bundle.member_from_bytes("empty", b""),
        bundle.member_from_bytes("blobs/big", BIG),
    ]
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=sender,
            recipient=recipient.public,
            sequence=sequence,
            created="2026-12-02T10:00:00Z",
            members=members,
        )
    return path


def read(path: Path, *, identity=HUB, known=(BOX,), limits=None) -> bundle.Reader:
    return bundle.open_bundle(path, identity=identity, sender_key=keys_of(*known), limits=limits)


def refused(path: Path, **kwargs) -> str:
    with pytest.raises(BundleError) as error:
        reader = read(path, **kwargs)
        reader.check()
    return error.value.code


def test_it_reads_back_what_was_written(tmp_path: Path) -> None:
    reader = read(write(tmp_path / "b"))
    assert reader.manifest.kind == "work"
    assert reader.manifest.sequence == 1
    assert reader.manifest.sender == BOX.public.fingerprint
    assert reader.manifest.recipient == HUB.public.fingerprint
    assert [m.name for m in reader.manifest.members] == ["entries.jsonl", "empty", "blobs/big"]
    assert b"".join(reader.read("blobs/big")) == BIG
    assert b"".join(reader.read("empty")) == b""
    assert b"".join(reader.read("entries.jsonl")) == b'{"id": 1}\n'
    reader.check()


def test_it_streams_in_chunks(tmp_path: Path) -> None:
    chunks = list(read(write(tmp_path / "b")).read("blobs/big"))
    assert max(len(c) for c in chunks) == bundle.CHUNK
    assert len(chunks) == 4


def test_the_payload_is_not_readable_in_the_file(tmp_path: Path) -> None:
    secret = b"Lettre de motivation de L\xc3\xa9a" * 10
    path = write(tmp_path / "b", members=[bundle.member_from_bytes("x", secret)])
    assert b"Lettre" not in path.read_bytes()


def test_it_refuses_a_file_that_is_not_a_bundle(tmp_path: Path) -> None:
    path = tmp_path / "b"
    path.write_bytes(b"PK\x03\x04 a zip file")
    assert refused(path) == "not_a_bundle"
    path.write_bytes(b"")
    assert refused(path) == "not_a_bundle"


@pytest.mark.parametrize("keep", [4, 10, 60, -1, -17, -bundle.CHUNK])
def test_it_refuses_a_truncated_bundle(tmp_path: Path, keep: int) -> None:
    path = write(tmp_path / "b")
    data = path.read_bytes()
    path.write_bytes(data[:keep])
    assert refused(path) in {"truncated", "not_a_bundle"}
    if keep > 8:
        assert refused(path) == "truncated"


def test_it_refuses_trailing_bytes(tmp_path: Path) -> None:
    path = write(tmp_path / "b")
    path.write_bytes(path.read_bytes() + b"\x00")
    assert refused(path) == "trailing_data"


def test_it_refuses_a_tampered_payload(tmp_path: Path) -> None:
    path = write(tmp_path / "b")
    data = bytearray(path.read_bytes())
    data[-100] ^= 1
    path.write_bytes(bytes(data))
    assert refused(path) == "tampered"


def test_it_refuses_a_tampered_manifest(tmp_path: Path) -> None:
    path = write(tmp_path / "b")
    data = path.read_bytes()
    path.write_bytes(data.replace(b'"sequence": 1', b'"sequence": 2', 1))
    assert refused(path) == "bad_signature"


def test_it_refuses_a_bundle_signed_by_another_key(tmp_path: Path) -> None:
    # A stranger signs a bundle that claims to come from the box.
    path = write(tmp_path / "b", sender=STRANGER)
    data = path.read_bytes()
    forged = data.replace(STRANGER.public.fingerprint.encode(), BOX.public.fingerprint.encode())
    path.write_bytes(forged)
    assert refused(path) == "bad_signature"


def test_it_refuses_an_unknown_sender(tmp_path: Path) -> None:
    assert refused(write(tmp_path / "b", sender=STRANGER)) == "unknown_sender"


def test_it_refuses_a_bundle_for_another_recipient(tmp_path: Path) -> None:
    path = write(tmp_path / "b", recipient=STRANGER)
    assert refused(path) == "wrong_recipient"


def test_it_refuses_chunks_moved_between_bundles(tmp_path: Path) -> None:
    # Same manifest shape, other ephemeral key: the payload of one does not open in the other.
    one = write(tmp_path / "one").read_bytes()
    two = write(tmp_path / "two").read_bytes()
    (length,) = struct.unpack(">I", one[8:12])
    start = 12 + length + 64
    (length2,) = struct.unpack(">I", two[8:12])
    path = tmp_path / "mixed"
    path.write_bytes(two[: 12 + length2 + 64] + one[start:])
    assert refused(path) == "tampered"


def _hand_made(path: Path, manifest: dict, payload: bytes = b"") -> Path:
    body = json.dumps(manifest).encode()
    head = bundle.MAGIC + struct.pack(">I", len(body)) + body
    path.write_bytes(head + BOX.sign(head) + payload)
    return path


def _manifest(**changes) -> dict:
    manifest = {
        "format": 1,
        "kind": "work",
        "sender": BOX.public.fingerprint,
        "recipient": HUB.public.fingerprint,
        "sequence": 1,
        "created": "2026-12-02T10:00:00Z",
        "ephemeral": "A" * 43 + "=",
        "members": [],
    }
    manifest.update(changes)
    return manifest


def test_it_refuses_huge_declared_sizes_before_reading(tmp_path: Path) -> None:
    member = {"name": "blobs/x", "size": 10**15, "sha256": "0" * 64}
    path = _hand_made(tmp_path / "b", _manifest(members=[member]))
    assert refused(path) == "too_large"
    small = {"name": "blobs/x", "size": 5000, "sha256": "0" * 64}
    path = _hand_made(tmp_path / "b", _manifest(members=[small]))
    assert refused(path, limits=Limits(max_member_size=4000)) == "too_large"
    assert refused(path) == "truncated"  # the file does not hold the 5000 bytes it announces
    many = [{"name": f"m{i}", "size": 0, "sha256": "0" * 64} for i in range(11)]
    path = _hand_made(tmp_path / "b", _manifest(members=many))
    assert refused(path, limits=Limits(max_members=10)) == "too_large"


def test_it_refuses_a_huge_manifest_length(tmp_path: Path) -> None:
    path = tmp_path / "b"
    path.write_bytes(bundle.MAGIC + struct.pack(">I", 2**31) + b"{}")
    assert refused(path) == "too_large"


@pytest.mark.parametrize(
    "changes",
    [
        {"kind": "virus"},
        {"sequence": 0},
        {"sequence": "1"},
        {"members": [{"name": "../etc/passwd", "size": 0, "sha256": "0" * 64}]},
        {"members": [{"name": "/abs", "size": 0, "sha256": "0" * 64}]},
        {"members": [{"name": "a", "size": -1, "sha256": "0" * 64}]},
        {"members": [{"name": "a", "size": 0, "sha256": "zz"}]},
        {"members": [{"name": "a", "size": 0, "sha256": "0" * 64, "extra": 1}]},
        {"sender": "nope"},
        {"ephemeral": "not base64!"},
    ],
)
def test_it_refuses_a_malformed_manifest(tmp_path: Path, changes: dict) -> None:
    assert refused(_hand_made(tmp_path / "b", _manifest(**changes))) == "bad_manifest"


def test_it_refuses_an_unknown_format_version(tmp_path: Path) -> None:
    assert refused(_hand_made(tmp_path / "b", _manifest(format=2))) == "unsupported_version"


def test_a_member_that_changes_while_written_fails_the_write() -> None:
    lying = bundle.Member("x", 3, "0" * 64, lambda: io.BytesIO(b"abc"))
    with pytest.raises(ValueError, match="changed"):
        bundle.write(
            io.BytesIO(),
            kind="work",
            sender=BOX,
            recipient=HUB.public,
            sequence=1,
            created="now",
            members=[lying],
        )


def test_keys_travel_as_text_and_keep_their_fingerprint() -> None:
    public = parse_public(BOX.public.text())
    assert public == BOX.public
    assert parse_private(BOX.text()).public == BOX.public
    fingerprint = BOX.public.fingerprint
    assert len(fingerprint) == 24 and fingerprint.count("-") == 4
    assert normalise_fingerprint(fingerprint.lower().replace("-", " ")) == fingerprint
    assert BOX.public.fingerprint != HUB.public.fingerprint
    with pytest.raises(KeyTextError):
        parse_public("cartable1:AAAA")
    with pytest.raises(KeyTextError):
        parse_public("ssh-ed25519 AAAA")
