"""Bundle files: a signed manifest, then members encrypted to one recipient, in chunks.

Layout (docs/exchange.md is the specification; a test holds the two together)::

    MAGIC (8 bytes) | manifest length (4, big-endian) | manifest (JSON, UTF-8)
    | Ed25519 signature of the three before (64) | members' chunks, in manifest order

Each member is cut in chunks of CHUNK bytes (the last shorter; an empty member is one empty
chunk), each sealed with ChaCha20-Poly1305 under a key derived (HKDF-SHA256) from an X25519
exchange between a fresh ephemeral key (its public half in the manifest) and the recipient's
key. A chunk's nonce is its number in the file; its associated data binds it to the manifest's
hash, its member and its place. Everything the reader needs to check the file's length is in the
signed manifest, so a truncated, padded, tampered, forged or misaddressed file is refused before
anything is decrypted, and memory stays at a chunk whatever the members' sizes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
import struct
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from cartable.exchange.wire.keys import PrivateIdentity, PublicIdentity

MAGIC = b"CARTBND1"
FORMAT = 1
CHUNK = 64 * 1024
TAG = 16
SIGNATURE = 64
KINDS = ("work", "feedback", "course", "ack")
HKDF_INFO = b"cartable bundle v1"
MAX_MANIFEST = 8 * 1024 * 1024
_NAME = re.compile(r"\A[a-z0-9][a-z0-9._-]{0,99}(/[a-z0-9][a-z0-9._-]{0,99}){0,3}\Z")
_DIGEST = re.compile(r"\A[0-9a-f]{64}\Z")
_FINGERPRINT = re.compile(r"\A[A-Z2-7]{4}(-[A-Z2-7]{4}){4}\Z")


class BundleError(Exception):
    """A bundle refused. ``code`` is stable (docs/exchange.md lists them); ``params`` fill the
    message the caller shows in the operator's language; ``str()`` is an English detail."""

    def __init__(self, code: str, detail: str, **params: Any) -> None:
        super().__init__(detail)
        self.code = code
        self.params = params


@dataclass(frozen=True, slots=True)
class Limits:
    max_members: int = 100_000
    max_member_size: int = 8 * 1024**3
    max_total_size: int = 64 * 1024**3


@dataclass(frozen=True, slots=True)
class MemberInfo:
    name: str
    size: int
    sha256: str

    @property
    def chunks(self) -> int:
        return max(1, -(-self.size // CHUNK))

    @property
    def sealed_size(self) -> int:
        return self.size + self.chunks * TAG


@dataclass(frozen=True, slots=True)
class Manifest:
    kind: str
    sender: str
    recipient: str
    sequence: int
    created: str
    ephemeral: bytes
    members: tuple[MemberInfo, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "kind": self.kind,
            "sender": self.sender,
            "recipient": self.recipient,
            "sequence": self.sequence,
            "created": self.created,
            "ephemeral": base64.b64encode(self.ephemeral).decode("ascii"),
            "members": [{"name": m.name, "size": m.size, "sha256": m.sha256} for m in self.members],
        }

    def member(self, name: str) -> MemberInfo | None:
        return next((m for m in self.members if m.name == name), None)


@dataclass(frozen=True, slots=True)
class Member:
    """What to put in a bundle: its name, size and hash (announced in the manifest before the
    bytes are written), and how to open its bytes."""

    name: str
    size: int
    sha256: str
    open: Callable[[], BinaryIO]


def member_from_path(name: str, path: Path) -> Member:
    hasher = hashlib.sha256()
    size = 0
    with path.open("rb") as stream:
        while chunk := stream.read(CHUNK):
            hasher.update(chunk)
            size += len(chunk)
    return Member(name, size, hasher.hexdigest(), lambda: path.open("rb"))


def member_from_bytes(name: str, data: bytes) -> Member:
    import io

    return Member(name, len(data), hashlib.sha256(data).hexdigest(), lambda: io.BytesIO(data))


def _raw(key: X25519PublicKey) -> bytes:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def _key(shared: bytes, ephemeral: bytes, recipient: bytes) -> ChaCha20Poly1305:
    secret = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=ephemeral + recipient, info=HKDF_INFO
    ).derive(shared)
    return ChaCha20Poly1305(secret)


def _nonce(counter: int) -> bytes:
    return struct.pack(">IQ", 0, counter)


def _aad(manifest_digest: bytes, member: int, chunk: int) -> bytes:
    return manifest_digest + struct.pack(">IQ", member, chunk)


def _check_name(name: str) -> None:
    if not _NAME.match(name) or ".." in name:
        raise BundleError("bad_manifest", f"bad member name {name!r}")


def write(
    out: BinaryIO,
    *,
    kind: str,
    sender: PrivateIdentity,
    recipient: PublicIdentity,
    sequence: int,
    created: str,
    members: Sequence[Member],
    progress: Callable[[int, int], None] | None = None,
) -> str:
    """Write one bundle to ``out`` (a chunk in memory at a time); return the file's SHA-256.
    A member whose bytes differ from its announced size or hash fails the write. ``progress``
    is told the bytes written so far and the file's whole size, chunk after chunk."""
    if kind not in KINDS:
        raise ValueError(f"unknown bundle kind {kind!r}")
    names = [m.name for m in members]
    if len(set(names)) != len(names):
        raise ValueError("member names repeat")
    for name in names:
        _check_name(name)
    ephemeral = X25519PrivateKey.generate()
    manifest = Manifest(
        kind=kind,
        sender=sender.public.fingerprint,
        recipient=recipient.fingerprint,
        sequence=sequence,
        created=created,
        ephemeral=_raw(ephemeral.public_key()),
        members=tuple(MemberInfo(m.name, m.size, m.sha256) for m in members),
    )
    body = json.dumps(manifest.as_json(), ensure_ascii=False, sort_keys=True).encode("utf-8")
    head = MAGIC + struct.pack(">I", len(body)) + body
    whole = hashlib.sha256()
    total = len(head) + SIGNATURE + sum(m.sealed_size for m in manifest.members)
    written = 0

    def emit(data: bytes) -> None:
        nonlocal written
        whole.update(data)
        out.write(data)
        written += len(data)
        if progress is not None:
            progress(written, total)

    emit(head)
    emit(sender.sign(head))
    digest = hashlib.sha256(body).digest()
    cipher = _key(
        ephemeral.exchange(recipient.encryption_key()), manifest.ephemeral, recipient.encryption
    )
    counter = 0
    for index, member in enumerate(members):
        hasher = hashlib.sha256()
        size = 0
        with member.open() as stream:
            for number in range(MemberInfo(member.name, member.size, member.sha256).chunks):
                plain = stream.read(min(CHUNK, member.size - size))
                size += len(plain)
                hasher.update(plain)
                emit(cipher.encrypt(_nonce(counter), plain, _aad(digest, index, number)))
                counter += 1
            if size != member.size or stream.read(1) or hasher.hexdigest() != member.sha256:
                raise ValueError(f"{member.name} changed while it was written")
    return whole.hexdigest()


def _manifest(body: bytes, limits: Limits) -> Manifest:
    try:
        data = json.loads(body.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as error:
        raise BundleError("bad_manifest", "the manifest is not JSON") from error
    if not isinstance(data, dict):
        raise BundleError("bad_manifest", "the manifest is not an object")
    if data.get("format") != FORMAT:
        raise BundleError(
            "unsupported_version", f"format {data.get('format')!r}", version=data.get("format")
        )
    try:
        kind, sender, recipient = data["kind"], data["sender"], data["recipient"]
        sequence, created, members = data["sequence"], data["created"], data["members"]
        ephemeral = base64.b64decode(data["ephemeral"], validate=True)
    except (KeyError, TypeError, binascii.Error) as error:
        raise BundleError("bad_manifest", f"the manifest lacks a field: {error}") from error
    if (
        kind not in KINDS
        or not isinstance(sender, str)
        or not _FINGERPRINT.match(sender)
        or not isinstance(recipient, str)
        or not _FINGERPRINT.match(recipient)
        or type(sequence) is not int
        or sequence < 1
        or not isinstance(created, str)
        or len(created) > 64
        or len(ephemeral) != 32
        or not isinstance(members, list)
    ):
        raise BundleError("bad_manifest", "a manifest field has a wrong value")
    if len(members) > limits.max_members:
        raise BundleError("too_large", f"{len(members)} members", limit=limits.max_members)
    infos = []
    for item in members:
        if not isinstance(item, dict) or set(item) != {"name", "size", "sha256"}:
            raise BundleError("bad_manifest", "a member is not name, size and sha256")
        name, size, sha256 = item["name"], item["size"], item["sha256"]
        if not isinstance(name, str) or type(size) is not int or size < 0:
            raise BundleError("bad_manifest", "a member has a wrong name or size")
        if not isinstance(sha256, str) or not _DIGEST.match(sha256):
            raise BundleError("bad_manifest", "a member has a wrong sha256")
        _check_name(name)
        if size > limits.max_member_size:
            raise BundleError("too_large", f"{name}: {size} bytes", limit=limits.max_member_size)
        infos.append(MemberInfo(name, size, sha256))
    if len({m.name for m in infos}) != len(infos):
        raise BundleError("bad_manifest", "member names repeat")
    if sum(m.size for m in infos) > limits.max_total_size:
        raise BundleError("too_large", "members too large", limit=limits.max_total_size)
    return Manifest(kind, sender, recipient, sequence, created, ephemeral, tuple(infos))


class Reader:
    """An opened bundle whose manifest, signature, recipient and length are checked; its
    members are decrypted on demand, a chunk at a time."""

    def __init__(
        self, path: Path, manifest: Manifest, digest: bytes, start: int, cipher: ChaCha20Poly1305
    ) -> None:
        self.path = path
        self.manifest = manifest
        self._digest = digest
        self._start = start
        self._cipher = cipher
        # Told the size of each chunk decrypted (a progress bar's feed).
        self.progress: Callable[[int], None] | None = None

    def read(self, name: str) -> Iterator[bytes]:
        """The member's bytes in chunks; raises ``tampered`` at the first chunk that does not
        open, and at the end if the bytes differ from the manifest's size and hash: use what
        was read only once the iteration has ended."""
        names = [m.name for m in self.manifest.members]
        if name not in names:
            raise KeyError(name)
        index = names.index(name)
        member = self.manifest.members[index]
        before = self.manifest.members[:index]
        offset = self._start + sum(m.sealed_size for m in before)
        counter = sum(m.chunks for m in before)
        hasher = hashlib.sha256()
        size = 0
        with self.path.open("rb") as stream:
            stream.seek(offset)
            for number in range(member.chunks):
                want = min(CHUNK, member.size - size) + TAG
                sealed = stream.read(want)
                if len(sealed) != want:
                    raise BundleError("truncated", f"{name} is cut short")
                try:
                    plain = self._cipher.decrypt(
                        _nonce(counter + number), sealed, _aad(self._digest, index, number)
                    )
                except InvalidTag as error:
                    raise BundleError("tampered", f"{name}: chunk {number}") from error
                size += len(plain)
                hasher.update(plain)
                if self.progress is not None:
                    self.progress(len(plain))
                yield plain
        if size != member.size or hasher.hexdigest() != member.sha256:
            raise BundleError("tampered", f"{name} differs from its manifest")

    def check(self) -> None:
        """Decrypt every member and check it against the manifest, keeping nothing."""
        for member in self.manifest.members:
            for _chunk in self.read(member.name):
                pass


def open_bundle(
    path: Path,
    *,
    identity: PrivateIdentity,
    sender_key: Callable[[str], PublicIdentity | None],
    limits: Limits | None = None,
) -> Reader:
    """Check a bundle's frame before anything is decrypted: magic, manifest, known sender,
    signature, recipient, limits and the file's exact length."""
    limits = limits or Limits()
    actual = path.stat().st_size
    with path.open("rb") as stream:
        start = stream.read(len(MAGIC) + 4)
        if len(start) < len(MAGIC) or start[: len(MAGIC)] != MAGIC:
            raise BundleError("not_a_bundle", "no bundle magic")
        if len(start) != len(MAGIC) + 4:
            raise BundleError("truncated", "cut short in the header")
        (length,) = struct.unpack(">I", start[len(MAGIC) :])
        if length > MAX_MANIFEST:
            raise BundleError("too_large", f"manifest of {length} bytes", limit=MAX_MANIFEST)
        body = stream.read(length)
        signature = stream.read(SIGNATURE)
    if len(body) != length or len(signature) != SIGNATURE:
        raise BundleError("truncated", "cut short in the manifest")
    manifest = _manifest(body, limits)
    known = sender_key(manifest.sender)
    if known is None:
        raise BundleError("unknown_sender", manifest.sender, sender=manifest.sender)
    if not known.verify(signature, start + body):
        raise BundleError("bad_signature", "the signature does not match the sender's key")
    if manifest.recipient != identity.public.fingerprint:
        raise BundleError("wrong_recipient", manifest.recipient, recipient=manifest.recipient)
    begin = len(start) + length + SIGNATURE
    expected = begin + sum(m.sealed_size for m in manifest.members)
    if actual < expected:
        raise BundleError("truncated", f"{actual} bytes of {expected}", missing=expected - actual)
    if actual > expected:
        raise BundleError("trailing_data", f"{actual} bytes, {expected} expected")
    shared = identity.encryption.exchange(X25519PublicKey.from_public_bytes(manifest.ephemeral))
    cipher = _key(shared, manifest.ephemeral, identity.public.encryption)
    return Reader(path, manifest, hashlib.sha256(body).digest(), begin, cipher)


def signed_manifest(path: Path, signer: PublicIdentity) -> Manifest | None:
    """The manifest of the bundle at ``path`` if ``signer`` signed it (nothing decrypted, the
    members not read), else None: for a sender to know a bundle of its own."""
    try:
        with path.open("rb") as stream:
            start = stream.read(len(MAGIC) + 4)
            if len(start) != len(MAGIC) + 4 or start[: len(MAGIC)] != MAGIC:
                return None
            (length,) = struct.unpack(">I", start[len(MAGIC) :])
            if length > MAX_MANIFEST:
                return None
            body = stream.read(length)
            signature = stream.read(SIGNATURE)
        if len(body) != length or len(signature) != SIGNATURE:
            return None
        manifest = _manifest(body, Limits())
    except (OSError, BundleError):
        return None
    return manifest if signer.verify(signature, start + body) else None


def file_sha256(path: Path) -> str:
    hasher = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            hasher.update(chunk)
    return hasher.hexdigest()
