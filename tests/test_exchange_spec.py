"""docs/exchange.md is the bundle format's specification: its constants are the code's, every
refusal code it lists has its own message, and a reader written from the page alone opens a
bundle the code wrote (and the code opens one written from the page)."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import struct
from pathlib import Path
from types import SimpleNamespace

import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from django.utils import translation

from cartable.exchange import messages
from cartable.exchange.wire import bundle
from cartable.exchange.wire.keys import PrivateIdentity

PAGE = (Path(__file__).resolve().parent.parent / "docs/exchange.md").read_text(encoding="utf-8")
FIELDS = dict(re.findall(r"^\| ([a-z-]+) \| `([^`]+)` \|$", PAGE, flags=re.MULTILINE))
CODES = re.findall(r"^\| `([a-z_]+)` \|", PAGE, flags=re.MULTILINE)
BOX = PrivateIdentity.generate()
HUB = PrivateIdentity.generate()


def test_the_page_gives_the_codes_constants() -> None:
    assert {
        "magic": bundle.MAGIC.decode(),
        "format": str(bundle.FORMAT),
        "chunk": str(bundle.CHUNK),
        "tag": str(bundle.TAG),
        "signature": str(bundle.SIGNATURE),
        "hkdf-info": bundle.HKDF_INFO.decode(),
        "max-manifest": str(bundle.MAX_MANIFEST),
    } == FIELDS


@pytest.mark.parametrize("code", CODES)
def test_every_listed_refusal_has_its_own_message(code: str) -> None:
    with translation.override("en"):
        assert not messages.text(code, {}).startswith("This bundle is refused (")


def test_the_page_lists_every_refusal() -> None:
    source = "".join(path.read_text() for path in Path(bundle.__file__).parent.parent.rglob("*.py"))
    raised = set(re.findall(r'BundleError\(\s*"([a-z_]+)"', source))
    assert raised <= set(CODES)


def _cipher(shared: bytes, ephemeral: bytes, recipient: bytes) -> ChaCha20Poly1305:
    key = HKDF(
        algorithm=hashes.SHA256(),
        length=32,
        salt=ephemeral + recipient,
        info=FIELDS["hkdf-info"].encode(),
    ).derive(shared)
    return ChaCha20Poly1305(key)


def read_as_the_page_says(data: bytes, recipient: PrivateIdentity) -> dict[str, bytes]:
    magic = FIELDS["magic"].encode()
    chunk, tag, signature = (int(FIELDS[k]) for k in ("chunk", "tag", "signature"))
    assert data[: len(magic)] == magic
    (length,) = struct.unpack(">I", data[len(magic) : len(magic) + 4])
    head = data[: len(magic) + 4 + length]
    manifest = json.loads(head[len(magic) + 4 :])
    assert BOX.public.verify(data[len(head) : len(head) + signature], head)
    assert manifest["recipient"] == recipient.public.fingerprint
    ephemeral = base64.b64decode(manifest["ephemeral"])
    shared = recipient.encryption.exchange(X25519PublicKey.from_public_bytes(ephemeral))
    cipher = _cipher(shared, ephemeral, recipient.public.encryption)
    digest = hashlib.sha256(head[len(magic) + 4 :]).digest()
    offset, counter, found = len(head) + signature, 0, {}
    for index, member in enumerate(manifest["members"]):
        plain, number = b"", 0
        while number == 0 or len(plain) < member["size"]:
            want = min(chunk, member["size"] - len(plain)) + tag
            nonce = bytes(4) + counter.to_bytes(8, "big")
            aad = digest + index.to_bytes(4, "big") + number.to_bytes(8, "big")
            plain += cipher.decrypt(nonce, data[offset : offset + want], aad)
            offset, counter, number = offset + want, counter + 1, number + 1
        assert hashlib.sha256(plain).hexdigest() == member["sha256"]
        found[member["name"]] = plain
    assert offset == len(data)
    return found


def write_as_the_page_says(members: dict[str, bytes]) -> bytes:
    chunk = int(FIELDS["chunk"])
    ephemeral = X25519PrivateKey.generate()
    ephemeral_public = ephemeral.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    manifest = {
        "format": int(FIELDS["format"]),
        "kind": "work",
        "sender": BOX.public.fingerprint,
        "recipient": HUB.public.fingerprint,
        "sequence": 3,
        "created": "2026-12-02T10:00:00+00:00",
        "ephemeral": base64.b64encode(ephemeral_public).decode(),
        "members": [
            {"name": n, "size": len(b), "sha256": hashlib.sha256(b).hexdigest()}
            for n, b in members.items()
        ],
    }
    body = json.dumps(manifest).encode()
    head = FIELDS["magic"].encode() + struct.pack(">I", len(body)) + body
    out = head + BOX.sign(head)
    cipher = _cipher(
        ephemeral.exchange(HUB.public.encryption_key()), ephemeral_public, HUB.public.encryption
    )
    digest, counter = hashlib.sha256(body).digest(), 0
    for index, data in enumerate(members.values()):
        pieces = [data[i : i + chunk] for i in range(0, len(data), chunk)] or [b""]
        for number, piece in enumerate(pieces):
            nonce = bytes(4) + counter.to_bytes(8, "big")
            aad = digest + index.to_bytes(4, "big") + number.to_bytes(8, "big")
            out += cipher.encrypt(nonce, piece, aad)
            counter += 1
    return out


MEMBERS = {"entries.jsonl": b'{"id": 1}\n', "empty": b"", "blobs/big": bytes(200_000)}


def test_a_reader_written_from_the_page_opens_the_codes_bundle(tmp_path: Path) -> None:
    path = tmp_path / "b"
    with path.open("wb") as out:
        bundle.write(
            out,
            kind="work",
            sender=BOX,
            recipient=HUB.public,
            sequence=1,
            created="2026-12-02T10:00:00+00:00",
            members=[bundle.member_from_bytes(n, b) for n, b in MEMBERS.items()],
        )
    assert read_as_the_page_says(path.read_bytes(), HUB) == MEMBERS


def test_the_code_opens_a_bundle_written_from_the_page(tmp_path: Path) -> None:
    path = tmp_path / "b"
    path.write_bytes(write_as_the_page_says(MEMBERS))
    known = {BOX.public.fingerprint: BOX.public}
    reader = bundle.open_bundle(path, identity=HUB, sender_key=known.get)
    assert reader.manifest.sequence == 3
    assert {m.name: b"".join(reader.read(m.name)) for m in reader.manifest.members} == MEMBERS


def test_the_page_gives_the_course_bundles_courses_json() -> None:
    """The example of `courses.json` has the fields the code writes and reads."""
    import dataclasses

    from cartable.exchange import courses
    from cartable.ingest.staging import StagedCourse, StagedFile

    block = PAGE.split("`courses.json` is\n", 1)[1].split("```json", 1)[1].split("```", 1)[0]
    example = json.loads(re.sub(r"\s+", " ", block).replace("…", ""))
    assert example["format"] == courses.FORMAT
    assert set(example) == {"format", "courses", "files"}
    assert set(example["courses"][0]) == {f.name for f in dataclasses.fields(StagedCourse)}
    assert set(example["files"][0]) == {"sha256", "size"}
    listed = PAGE.split("the file list:", 1)[1].split("), made from", 1)[0]
    assert set(re.findall(r"`([a-z0-9_]+)`", listed)) == {
        f.name for f in dataclasses.fields(StagedFile)
    }


def _replay_example() -> dict:
    """The page's example of an attempt entry's ``payload.replay``."""
    found = re.search(r'```json\n(\s*\{\n\s*"seed".*?)```', PAGE, flags=re.DOTALL)
    assert found is not None
    return json.loads(found.group(1))


def test_the_page_gives_an_attempts_replay_as_the_code_writes_it() -> None:
    from datetime import UTC, datetime

    from cartable.assessment.actions import replay_of
    from cartable.assessment.models import Attempt, AttemptQuestion

    when = datetime(2026, 12, 2, 10, tzinfo=UTC)
    attempt = Attempt(seed="0" * 32, pages=[[1]], started_at=when, finished_at=when)
    row = AttemptQuestion(
        slot=1,
        question_source_id=105,
        question={"name": "Rédaction"},
        layout={"type": "NoLayout"},
        behaviour="deferredfeedback",
        max_mark=1.0,
        actions=[],
    )
    written = replay_of(attempt, [row])["replay"]
    example = _replay_example()
    assert set(example) == set(written)
    assert set(example["slots"][0]) == set(written["slots"][0])
    # The fingerprint is the SHA-256 of the question's JSON, keys sorted, no spaces.
    text = json.dumps(row.question, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    assert written["slots"][0]["question_sha256"] == hashlib.sha256(text.encode()).hexdigest()


def test_the_page_names_the_entries_a_feedback_bundle_carries() -> None:
    from cartable.exchange.actions import CARRIES

    found = re.search(r"Only\s+((?:`[a-z]+`,?\s+(?:and\s+)?)+)entries are allowed", PAGE)
    assert found is not None
    assert set(re.findall(r"`([a-z]+)`", found.group(1))) == CARRIES["feedback"]


SEQUENCE = re.findall(
    r"^\| ([a-z, ]+) \| (together|on their own) \| ([a-z ]+) \|$",
    PAGE.split("### Sequence", 1)[1].split("\n\n", 2)[1],
    flags=re.MULTILINE,
)


def _taken(kind: str, sequence: int) -> str:
    """What the code makes of bundle ``sequence`` of ``kind`` when bundles up to 4 of each
    numbering were applied."""
    from cartable.exchange import actions

    peer = SimpleNamespace(next_in=5, course_in=4)
    manifest = SimpleNamespace(kind=kind, sequence=sequence)
    try:
        actions._in_sequence(peer, manifest, replayed=False, names={})
    except bundle.BundleError as error:
        return error.code
    return "accepted"


RULES = {
    "the next expected only": {3: "replayed", 4: "replayed", 5: "accepted", 6: "missing"},
    "any later than the last applied": {
        3: "replayed",
        4: "replayed",
        5: "accepted",
        6: "accepted",
        9: "accepted",
    },
}


def test_the_page_gives_the_codes_sequence_rules() -> None:
    """Each kind is numbered and accepted as the page's *Sequence* table says."""
    from cartable.exchange import actions

    kinds = {kind for row in SEQUENCE for kind in row[0].split(", ")}
    assert kinds == set(actions.ACCEPTED[actions.Peer.Role.BOX]) | set(
        actions.ACCEPTED[actions.Peer.Role.HUB]
    )
    for names, numbered, accepted in SEQUENCE:
        for kind in names.split(", "):
            own = actions.counter_of(kind) != actions.counter_of("work")
            assert own == (numbered == "on their own"), kind
            assert {n: _taken(kind, n) for n in RULES[accepted]} == RULES[accepted], kind
